"""The Python API a notebook user calls; the CLI is a thin layer over it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from models.eligibility import eligibility_warnings, eligible_pairs
from solver.diagnose import explain_infeasible
from solver.instance import Instance, Issue
from solver.io import load_instance
from solver.solution import Solution, Status
from solver.solve import Session, SolveOptions

__all__ = ["Session", "SolveOptions", "check", "solve"]


def solve(instance: Instance | str | Path, options: SolveOptions | None = None,
          progress: Callable[[dict], None] | None = None) -> Solution:
    """Solve an instance (or the path of one) and explain it when it is infeasible.
    ``progress`` is called during the search with {incumbent, bound, gap}."""
    if not isinstance(instance, Instance):
        instance = load_instance(instance)
    session = Session(instance, options, progress=progress)
    sol = session.solve()
    if sol.status == Status.INFEASIBLE:
        sol.diagnosis, sol.infeasibility = explain_infeasible(instance, session.data, session.options)
    return sol


def check(path: str | Path) -> tuple[Instance, list[Issue]]:
    """Load and validate an instance; return it with every warning (errors raise)."""
    inst = load_instance(path)
    warnings = list(inst.warnings)
    src = "roles.csv" if Path(path).is_dir() else f"{Path(path).name} sheet roles"
    warnings += [Issue(src, w, severity="warning") for w in eligibility_warnings(inst, eligible_pairs(inst))]
    return inst, warnings
