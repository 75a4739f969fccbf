"""What the engine reads back from a run beyond the allocation (MODEL.md v3): the assets held
in reserve, the worst-case shortfall the robust model priced, and the change term of a
re-plan. Every solution of a model with withdrawal rows or a kept plan passes here
(``session`` is the engine that ran it, ``run`` its run: solver.engine.core)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver.io.robust_spec import KeepSpec, RobustSpec, forced_changes
from solver.results.robust import deployed
from solver.results.solution import ALLOCATION_COLUMNS, Solution, objective_value


def reserve_rows(session, run, alloc: pd.DataFrame, spec: RobustSpec) -> pd.DataFrame:
    """The named assets held in reserve: each unit's members after those deployed."""
    m, data = session.model, session.data
    reserve = m.robust.reserve
    keys = list(reserve.index_set())
    if not keys:
        return alloc.iloc[0:0]
    v = np.rint(session.values(run, [reserve[k] for k in keys])).astype(int)
    used = deployed(alloc).groupby("asset").size()
    assets = data.instance.assets
    rows = []
    for k, n in zip(keys, v, strict=True):
        if n <= 0:
            continue
        free = [a for a in data.units.at[k, "members"] if a not in used.index]
        for a in free[:n]:
            rows.append({"asset": a, "nation": assets.at[a, "nation"], "capability": assets.at[a, "capability"],
                         "role": "", "contribution": 0.0, "cost": spec.reserve_cost * float(assets.at[a, "cost"]),
                         "status": "reserve"})
    return pd.DataFrame(rows, columns=ALLOCATION_COLUMNS)


def finish_solution(session, run, sol: Solution) -> None:
    """Reserves, the worst-case shortfall the robust model priced, and the change term."""
    spec: RobustSpec | None = session.options.robust
    keep: KeepSpec | None = session.options.keep
    if not sol.status.has_solution:
        return
    extra = 0.0
    if spec is not None and spec.k > 0:
        m = session.model
        soft = list(m.shortfall)
        if soft:  # s[r] is the shortfall after the worst withdrawal: that is what is priced
            s = session.values(run, [m.shortfall[r] for r in soft])
            pen = session.instance.roles.loc[soft, "shortfall_penalty"].to_numpy(dtype=float)
            sol.terms["shortfall"] = float(np.maximum(s, 0.0) @ pen)
            sol.solver["worst_case_shortfall"] = {r: float(v) for r, v in zip(soft, s, strict=True) if v > 1e-9}
        if spec.recourse and hasattr(m.robust, "reserve"):
            rows = reserve_rows(session, run, sol.allocation, spec)
            if len(rows):
                sol.terms["cost"] += float(rows["cost"].sum())
                sol.allocation = pd.concat([sol.allocation, rows], ignore_index=True)
    if keep is not None:
        sol.persistence = persistence(session.index, keep, sol)
        extra = keep.change_penalty * sol.persistence["changes"]
        sol.terms["change"] = float(sol.persistence["changes"])
        sol.weights["change"] = keep.change_penalty
    sol.objective = objective_value(sol.terms, sol.weights) + extra


def persistence(index, keep: KeepSpec, sol: Solution) -> dict:
    """The ``persistence`` object: D, the forced part, and every changed pledge."""
    now = sol.nation_roles()
    before = set(keep.pledges)
    forced = forced_changes(index, before)
    changed = [{"nation": n, "role": r, "change": "dropped", "forced": (n, r) in set(forced)}
               for n, r in sorted(before - now)]
    changed += [{"nation": n, "role": r, "change": "added", "forced": False} for n, r in sorted(now - before)]
    changed.sort(key=lambda c: (c["nation"], c["role"]))
    return {"plan": keep.plan, "changes": len(changed), "forced": len(forced), "changed": changed,
            "change_penalty": keep.change_penalty, "max_changes": keep.max_changes}
