"""forcealloc: optimisation-based force allocation (the Python API).

    from solver import load_instance, solve, SolveOptions
    sol = solve(load_instance("instances/assurance-force"))
    sol.framework, sol.objective, sol.allocation

Names are loaded on first use, so the file layer (``solver.io``,
``solver.validate``) can be imported without Pyomo or HiGHS.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "alternatives": "solver.api", "batch": "solver.api", "check": "solver.api", "convert": "solver.api",
    "generate": "solver.api", "import_gap": "solver.api", "solve": "solver.api",
    "Instance": "solver.instance", "InstanceError": "solver.instance", "Issue": "solver.instance",
    "load_instance": "solver.io",
    "Solution": "solver.solution", "Status": "solver.status",
    "Session": "solver.session", "SolveOptions": "solver.session",
    "BadInput": "solver.errors", "ForceAllocError": "solver.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
