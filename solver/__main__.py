from solver.app.cli import main

main()
