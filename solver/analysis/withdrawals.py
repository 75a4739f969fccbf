"""Robust solves and re-plans end to end: read the earlier plan, solve, report, price.

``solve_robust`` is what ``api.solve`` runs: the plan as asked (withdrawal rows when
k > 0, the change term with --keep), the ``robust`` object on every solve, and at
k > 0 the same solve at k = 0 through the same engine for the price of robustness.
"""

from __future__ import annotations

import dataclasses

from solver.domain.errors import RobustInputError
from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.engine.session import Session, SolveOptions
from solver.io.robust_spec import read_plan, resolve_robust
from solver.results.robust import check_recourse_size, robust_summary
from solver.results.solution import Solution


def with_robust(inst: Instance, options: SolveOptions | None) -> SolveOptions:
    """Options with a resolved RobustSpec (instance.yaml's when the caller gave none)."""
    options = options or SolveOptions()
    if options.robust is None:
        options = dataclasses.replace(options, robust=resolve_robust(inst))
    check_recourse_size(options.robust)
    return options


def price(inst: Instance, options: SolveOptions, sol: Solution) -> None:
    """objective_k0, price and price_money: the same solve at k = 0, through the same engine."""
    spec = options.robust
    if spec is None or spec.k == 0 or sol.robust is None:
        return
    base = dataclasses.replace(options, robust=dataclasses.replace(spec, k=0, recourse=False))
    sol0 = Session(inst, base).solve()
    if not sol0.status.has_solution:
        return
    sol.robust["objective_k0"] = sol0.objective
    sol.robust["money_k0"] = sol0.terms["cost"]
    if sol.status.has_solution:
        sol.robust["price"] = sol.objective - sol0.objective
        sol.robust["price_money"] = sol.terms["cost"] - sol0.terms["cost"]
    elif sol.status == Status.INFEASIBLE:
        sol.diagnosis.insert(0, f"a plan exists when no nation withdraws (objective {sol0.objective:,.2f}), but none "
                                f"keeps every protected role when any {spec.k} of {', '.join(spec.hesitant)} leave")


def attach(inst: Instance, options: SolveOptions, sol: Solution) -> None:
    """The robust object on every solve that found a plan; the price at k > 0."""
    if sol.status.has_solution:
        sol.robust = robust_summary(inst, sol, options.robust)
    if options.robust is not None and options.robust.k > 0:
        price(inst, options, sol)
    keep = options.keep
    if keep is not None and sol.status == Status.INFEASIBLE and keep.max_changes is not None:
        sol.diagnosis.insert(0, f"no allocation changes at most {keep.max_changes} nation-role pledges of "
                                f"{keep.plan}")


__all__ = ["RobustInputError", "attach", "read_plan", "with_robust"]
