"""forcealloc: optimisation-based force allocation (the Python API).

    from solver import load_instance, solve, SolveOptions
    sol = solve(load_instance("instances/assurance-force"))
    sol.framework, sol.objective, sol.allocation

Names are loaded on first use, so the file layer (``solver.io``,
``solver.io.validate``) can be imported without Pyomo or HiGHS.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "alternatives": "solver.app.api", "batch": "solver.app.api", "check": "solver.app.api", "convert": "solver.app.api",
    "generate": "solver.app.api", "import_gap": "solver.app.api", "solve": "solver.app.api",
    "Instance": "solver.domain.instance", "InstanceError": "solver.domain.errors", "Issue": "solver.domain.errors",
    "load_instance": "solver.io",
    "Solution": "solver.results.solution", "Status": "solver.domain.status",
    "Session": "solver.engine.session", "SolveOptions": "solver.engine.session", "Forcing": "solver.engine.session",
    "BadInput": "solver.domain.errors", "ForceAllocError": "solver.domain.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
