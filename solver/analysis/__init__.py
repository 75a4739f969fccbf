"""Questions asked of a solved model: alternatives, conflicts and explanations, what-ifs.

Every question re-solves through the engine (``solver.engine``); nothing here talks to HiGHS.
"""
