"""forcealloc: optimisation-based force allocation (the Python API).

    from solver import load_instance, solve, SolveOptions
    sol = solve(load_instance("instances/assurance-force"))
    sol.framework, sol.objective, sol.allocation
"""

from solver.api import check, solve
from solver.instance import Instance, InstanceError, Issue
from solver.io import load_instance
from solver.solution import Solution, Status
from solver.solve import Session, SolveOptions

__all__ = [
    "Instance",
    "InstanceError",
    "Issue",
    "Session",
    "Solution",
    "SolveOptions",
    "Status",
    "check",
    "load_instance",
    "solve",
]
