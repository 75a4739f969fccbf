"""Robust solves and re-plans end to end: read the earlier plan, solve, report, price.

``solve_robust`` is what ``api.solve`` runs: the plan as asked (withdrawal rows when
k > 0, the change term with --keep), the ``robust`` object on every solve, and at
k > 0 the same solve at k = 0 through the same engine for the price of robustness.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from solver.instance import Instance
from solver.robust import check_recourse_size, robust_summary
from solver.robust_spec import KeepSpec, RobustInputError, change_penalty, resolve_robust
from solver.session import Session, SolveOptions
from solver.solution import Solution
from solver.status import Status


def read_plan(inst: Instance, path: str | Path, *, penalty: float | None = None,
              max_changes: int | None = None) -> KeepSpec:
    """An earlier solution.json or allocation.csv of this instance as the pledges to keep.
    Raises RobustInputError listing every unknown asset, nation and role, and an asset
    filed under another nation."""
    p = Path(path)
    issues: list[str] = []
    if max_changes is not None and (not isinstance(max_changes, int) or max_changes < 0):
        issues.append(f"--max-changes: got {max_changes!r}; a whole number >= 0")
    rows: pd.DataFrame | None = None
    try:
        if p.suffix.lower() == ".json" or (p.is_file() and p.read_text(errors="replace").lstrip().startswith("{")):
            doc = json.loads(p.read_text())
            alloc = doc.get("allocation") if isinstance(doc, dict) else None
            if not isinstance(alloc, list):
                issues.append(f"{p}: no 'allocation' list; expected a solution.json written by forcealloc solve")
            else:
                rows = pd.DataFrame(alloc)
        else:
            rows = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        issues.append(f"{p}: cannot be read as solution.json or allocation.csv ({exc})")
    if rows is not None:
        missing = [c for c in ("nation", "role") if c not in rows.columns]
        if missing:
            issues.append(f"{p}: no column {', '.join(missing)}; expected an allocation with nation and role")
            rows = None
    pledges: set[tuple[str, str]] = set()
    if rows is not None:
        if "status" in rows.columns:
            rows = rows[rows["status"].astype(str) != "reserve"]
        nats, roles, assets = inst.nations.index, inst.roles.index, inst.assets
        bad_n = sorted({str(n) for n in rows["nation"] if n not in nats})
        bad_r = sorted({str(r) for r in rows["role"] if r not in roles})
        if bad_n:
            issues.append(f"{p}: nations not in this instance: {', '.join(bad_n)}")
        if bad_r:
            issues.append(f"{p}: roles not in this instance: {', '.join(bad_r)}")
        if "asset" in rows.columns:
            # a withdrawn nation (in nations, no asset left) keeps its old asset names: forced changes
            left = set(assets["nation"])
            bad_a = sorted({str(a) for a, n in zip(rows["asset"], rows["nation"], strict=True)
                            if a not in assets.index and (n not in nats or n in left)})
            if bad_a:
                issues.append(f"{p}: assets not in this instance: {', '.join(bad_a)}")
            moved = sorted({f"{a} ({n}, instance says {assets.at[a, 'nation']})"
                            for a, n in zip(rows["asset"], rows["nation"], strict=True)
                            if a in assets.index and assets.at[a, "nation"] != n})
            if moved:
                issues.append(f"{p}: assets of another nation in this instance: {', '.join(moved)}")
        pledges = {(str(n), str(r)) for n, r in zip(rows["nation"], rows["role"], strict=True)}
    if issues:
        raise RobustInputError(issues)
    try:
        cp = change_penalty(inst, penalty)
    except RobustInputError as exc:
        raise RobustInputError(issues + exc.issues) from None
    return KeepSpec(plan=str(p), pledges=frozenset(pledges), change_penalty=cp, max_changes=max_changes)


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


def robust_picture(inst: Instance, options: SolveOptions, ctx: dict, k_max: int):
    """The brief's price-of-robustness picture (report --robust K); returns the curve."""
    from solver.brief import _table
    from solver.robust_curve import curve_chart, robust_curve
    spec = resolve_robust(inst, survive=0)
    curve = robust_curve(inst, spec=spec, k_max=k_max, options=dataclasses.replace(options, robust=None))
    svg, table = curve_chart(curve, inst.settings.units.get("cost", ""))
    note = (f"The best plan that survives any k of {', '.join(spec.hesitant) or 'no nation'} leaving, "
            "without re-tasking; money in the instance's cost units. " + curve.note).strip()
    ctx["pictures"].append({"id": "robust", "title": "What surviving withdrawals costs", "svg": svg,
                            "table": _table(table), "note": note})
    return curve


__all__ = ["RobustInputError", "attach", "read_plan", "with_robust"]
