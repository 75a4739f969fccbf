"""A greedy allocation to offer HiGHS as a starting incumbent.

Per open framework, roles are filled scarcest first with the cheapest
contribution per unit cost; must-deploy units go where they cost least. The
result is only a start: HiGHS checks it against every constraint and ignores
it when it breaks one (budgets, burden shares, links are not modelled here).
"""

from __future__ import annotations

import math

import numpy as np

from models.eligibility import ModelData, usable_under


def _fill(data: ModelData, framework: str) -> np.ndarray | None:
    opt, units, roles = data.options, data.units, data.roles
    usable = usable_under(data, framework)
    counts = np.zeros(len(opt), dtype=np.int64)
    left = units["size"].to_dict()
    contrib = opt["contribution"].to_numpy()
    cost = opt["cost"].to_numpy()
    ub = opt["ub"].to_numpy()
    unit = opt["unit"].to_numpy()
    by_role = {r: np.flatnonzero(usable & (opt["role"].to_numpy() == r)) for r in roles.index}
    active = [r for r in roles.index if framework in roles.at[r, "frameworks"] and roles.at[r, "requirement"] > 0]
    active.sort(key=lambda r: (contrib[by_role[r]].sum() / roles.at[r, "requirement"], r))
    for r in active:
        need = float(roles.at[r, "requirement"])
        cand = by_role[r]
        order = sorted(cand, key=lambda i: (cost[i] / contrib[i] if contrib[i] > 0 else math.inf, -contrib[i], i))
        for i in order:
            if need <= 1e-9:
                break
            if contrib[i] <= 0:
                continue
            take = min(left[unit[i]], int(ub[i] - counts[i]), math.ceil(need / contrib[i] - 1e-9))
            if take <= 0:
                continue
            counts[i] += take
            left[unit[i]] -= take
            need -= take * contrib[i]
        if need > 1e-9 and math.isnan(roles.at[r, "shortfall_penalty"]):
            return None
    for k in units.index[units["must_deploy"]]:
        cand = [i for i in np.flatnonzero(usable & (unit == k))]
        while left[k] > 0 and cand:
            i = min(cand, key=lambda j: (cost[j], j))
            take = min(left[k], int(ub[i] - counts[i]))
            if take <= 0:
                cand.remove(i)
                continue
            counts[i] += take
            left[k] -= take
        if left[k] > 0:
            return None
    return counts


def greedy_start(data: ModelData) -> tuple[np.ndarray, str] | None:
    """The cheapest greedy (counts, framework) over the open frameworks, or None."""
    best = None
    setup = data.instance.frameworks["setup_cost"]
    cost = data.options["cost"].to_numpy()
    for f in data.frameworks:
        if data.vetoes[f]:
            continue
        counts = _fill(data, f)
        if counts is None:
            continue
        value = float(cost @ counts) + float(setup[f])
        if best is None or value < best[0]:
            best = (value, counts, f)
    return None if best is None else (best[1], best[2])
