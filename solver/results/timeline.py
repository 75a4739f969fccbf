"""Results of the time-phased model (T > 1): the schedule per named asset and its figures.

The model counts tour starts per unit (interchangeable assets) and role;
:func:`expand` hands the starts to named assets in time order, each to a member
that is rested, so every asset's own starts keep its rotation window (the
window count of ``models.time`` guarantees a rested member is always there).
Everything reported is recomputed from that schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from solver.domain.errors import RotationError
from solver.results.solution import (
    ALLOCATION_COLUMNS,
    NATION_COLUMNS,
    ROLE_COLUMNS,
    Solution,
    objective_value,
)

if TYPE_CHECKING:
    from models.time import TimeData

SCHEDULE_COLUMNS = ["asset", "nation", "role", "period", "contribution", "cost"]
PERIOD_ROLE_COLUMNS = ["role", "period", *ROLE_COLUMNS[1:]]
NATION_PERIOD_COLUMNS = ["nation", "name", "period", "deployed", "resting", "unused", "contribution"]


def expand(td: TimeData, starts: np.ndarray) -> pd.DataFrame:
    """Tours per named asset: one row per tour (asset, unit, role, start, end).

    ``starts`` holds the tour starts per option and period (options x T). Within a
    unit, starts are served in time order (roles in name order within a period) by
    a member whose last start lies at least tour + dwell periods back. Among rested
    members the first in name order that has served before is taken (so the
    schedule names as few assets as it can), except for a unit that must deploy,
    where the member with the fewest tours is taken (so every member serves)."""
    opt, units = td.data.options, td.data.units
    T = td.mission.periods
    starts = np.asarray(starts).reshape(len(opt), T)
    rows = []
    by_unit = opt.groupby("unit", sort=False).indices
    for k, positions in by_unit.items():
        positions = sorted(positions, key=lambda i: opt.at[i, "role"])
        if not starts[positions].any():
            continue
        members = list(units.at[k, "members"])
        window, tour = td.window(k), int(td.tour[k])
        must = bool(units.at[k, "must_deploy"])
        last = [None] * len(members)
        tours = [0] * len(members)
        for t in range(1, T + 1):
            for i in positions:
                for _ in range(int(round(starts[i, t - 1]))):
                    rested = [j for j in range(len(members)) if last[j] is None or t - last[j] >= window]
                    if not rested:
                        raise RotationError(f"unit {k}: no rested asset for a start in period {t}")
                    j = min(rested, key=lambda j, n=tours: (n[j], j) if must else (n[j] == 0, j))
                    last[j], tours[j] = t, tours[j] + 1
                    rows.append((members[j], k, opt.at[i, "role"], i, t, min(T, t + tour - 1)))
    return pd.DataFrame(rows, columns=["asset", "unit", "role", "option", "start", "end"])


def schedule_table(td: TimeData, tours: pd.DataFrame) -> pd.DataFrame:
    """schedule.csv: one row per asset and period it serves (periods 1..T)."""
    opt = td.data.options
    rows = [(a, opt.at[i, "nation"], r, t, float(opt.at[i, "contribution"]), float(opt.at[i, "cost"]))
            for a, r, i, s, e in tours[["asset", "role", "option", "start", "end"]].itertuples(index=False)
            for t in range(s, e + 1)]
    sched = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)
    return sched.sort_values(["period", "role", "nation", "asset"]).reset_index(drop=True)


def rotation_violations(schedule: pd.DataFrame, tour: pd.Series, dwell: pd.Series, periods: int) -> list[str]:
    """Every asset whose schedule breaks its rotation: serving twice in a period, a tour
    longer than its tour or not starting rested. ``tour``/``dwell`` per asset. Used by tests
    and as a last check before a schedule is reported."""
    bad = []
    for a, rows in schedule.groupby("asset"):
        if rows["period"].duplicated().any():
            bad.append(f"{a} serves twice in one period")
            continue
        served = sorted(rows["period"])
        # split into tours: a tour is at most tour(a) consecutive periods in one role
        by_period = dict(zip(rows["period"], rows["role"], strict=True))
        starts, t = [], None
        for p in served:
            if t is None or p != t + 1 or by_period[p] != by_period[t] or p - starts[-1] >= int(tour[a]):
                starts.append(p)
            t = p
        for s0, s1 in zip(starts, starts[1:], strict=False):
            if s1 - s0 < int(tour[a]) + int(dwell[a]):
                bad.append(f"{a} starts tours in periods {s0} and {s1}, less than tour + dwell "
                           f"({int(tour[a])} + {int(dwell[a])}) apart")
    return bad


def _ranges(periods) -> str:
    """[3, 4, 5, 6, 8] -> '3-6, 8'."""
    ps = sorted(set(int(p) for p in periods))
    out, i = [], 0
    while i < len(ps):
        j = i
        while j + 1 < len(ps) and ps[j + 1] == ps[j] + 1:
            j += 1
        out.append(f"{ps[i]}-{ps[j]}" if j > i else f"{ps[i]}")
        i = j + 1
    return ", ".join(out)


def time_solution(td: TimeData, framework: str, starts: np.ndarray, sol: Solution,
                  weights: dict[str, float]) -> Solution:
    """Fill ``sol`` (status, solver already set) from the starts of a run."""
    inst = td.instance
    roles, nations_tab, assets = inst.roles, inst.nations, inst.assets
    T = td.mission.periods
    tours = expand(td, starts)
    sched = schedule_table(td, tours)
    # per role and period: coverage
    active = roles["frameworks"].map(lambda fs: framework in fs)
    cov = sched.groupby(["role", "period"])["contribution"].sum()
    who = sched.groupby(["role", "period"])["nation"].agg(lambda s: sorted(set(s)))
    rows = []
    for r in roles.index:
        for t in range(1, T + 1):
            req = float(td.requirement.at[r, t])
            required = req if active[r] else 0.0
            covered = float(cov.get((r, t), 0.0))
            short = max(0.0, required - covered)
            rows.append((r, t, roles.at[r, "name"], req, bool(active[r]), bool(roles.at[r, "in_theatre"]), required,
                         covered, short if short > 1e-9 else 0.0, list(who.get((r, t), []))))
    role_tab = pd.DataFrame(rows, columns=PERIOD_ROLE_COLUMNS)
    # allocation: each (asset, role) once, its contribution per period and its cost over the mission
    inside = roles["in_theatre"].reindex(sched["role"]).to_numpy(dtype=bool) if len(sched) else np.zeros(0, bool)
    sched_io = sched.assign(in_theatre=np.where(inside, sched["contribution"], 0.0),
                            out_of_theatre=np.where(inside, 0.0, sched["contribution"]))
    alloc = sched.groupby(["asset", "nation", "role"], as_index=False).agg(
        contribution=("contribution", "first"), cost=("cost", "sum"), periods=("period", "size"))
    alloc.insert(2, "capability", assets.loc[alloc["asset"], "capability"].to_numpy() if len(alloc) else [])
    alloc["status"] = "deployed"  # no reserves over time
    alloc = alloc[[*ALLOCATION_COLUMNS, "periods"]].sort_values(["role", "nation", "asset"]).reset_index(drop=True)
    nat = sched_io.groupby("nation").agg(assets=("asset", "nunique"), contribution=("contribution", "sum"),
                                         in_theatre=("in_theatre", "sum"), out_of_theatre=("out_of_theatre", "sum"),
                                         cost=("cost", "sum")).reset_index()
    nat.insert(1, "name", nations_tab.loc[nat["nation"], "name"].to_numpy() if len(nat) else [])
    force = float(nat["in_theatre"].sum()) if len(nat) else 0.0
    nat["share"] = nat["in_theatre"] / force if force > 0 else 0.0
    nat = nat[NATION_COLUMNS].sort_values(["in_theatre", "contribution", "nation"], ascending=[False, False, True])
    nat = nat.reset_index(drop=True)
    nat["assets"] = nat["assets"].astype(int)
    # terms over the mission
    penalty = roles["shortfall_penalty"]
    soft = set(penalty.index[penalty.notna()])
    enabler = nations_tab["enabler_only"]
    terms = {
        "cost": float(sched["cost"].sum()) + float(inst.frameworks.at[framework, "setup_cost"]),
        "shortfall": float(sum(penalty[r] * s for r, s in zip(role_tab["role"], role_tab["shortfall"], strict=True)
                               if r in soft)),
        "approval_risk": float(td.data.risk[framework]),
        "enabler_dependence": float(sched.loc[enabler.loc[sched["nation"]].to_numpy(dtype=bool),
                                              "contribution"].sum()) if len(sched) else 0.0,
    }
    sol.framework, sol.allocation, sol.roles, sol.nations = framework, alloc, role_tab, nat
    sol.terms, sol.objective = terms, objective_value(terms, weights)
    sol.schedule = sched
    sol.nation_periods = nation_periods(td, tours, sched)
    sol.mission = mission_summary(td, sched)
    return sol


def nation_periods(td: TimeData, tours: pd.DataFrame, sched: pd.DataFrame) -> pd.DataFrame:
    """Per nation (with assets) and period: assets deployed, resting after a tour, unused;
    and the contribution deployed."""
    inst = td.instance
    T = td.mission.periods
    resting: dict[tuple[str, int], set] = {}
    for a, k, e in tours[["asset", "unit", "end"]].itertuples(index=False):
        for t in range(e + 1, min(T, e + int(td.dwell[k])) + 1):  # a tour cut at T rests after the mission
            resting.setdefault((inst.assets.at[a, "nation"], t), set()).add(a)
    deployed = sched.groupby(["nation", "period"])["asset"].agg(set).to_dict()
    strength = sched.groupby(["nation", "period"])["contribution"].sum().to_dict()
    total = inst.assets.groupby("nation").size()
    rows = []
    for n in sorted(total.index):
        for t in range(1, T + 1):
            d = deployed.get((n, t), set())
            r = resting.get((n, t), set()) - d
            rows.append((n, inst.nations.at[n, "name"], t, len(d), len(r), int(total[n]) - len(d) - len(r),
                         float(strength.get((n, t), 0.0))))
    return pd.DataFrame(rows, columns=NATION_PERIOD_COLUMNS)


def mission_summary(td: TimeData, sched: pd.DataFrame) -> dict:
    """solution.json ``mission``: periods, label and the sustainment figure."""
    roles = td.instance.roles
    inside = sched[roles["in_theatre"].reindex(sched["role"]).to_numpy(dtype=bool)] if len(sched) else sched
    by_t = inside.groupby("period").agg(strength=("contribution", "sum"), units=("asset", "size"))
    max_strength = float(by_t["strength"].max()) if len(by_t) else 0.0
    max_units = int(by_t["units"].max()) if len(by_t) else 0
    used_inside = int(inside["asset"].nunique()) if len(inside) else 0
    return {
        "periods": td.mission.periods,
        "period_label": td.mission.period_label,
        "tour": td.mission.tour,
        "dwell": td.mission.dwell,
        "sustainment": {
            "max_in_theatre_strength": max_strength,
            "max_in_theatre_units": max_units,
            "assets_used": int(sched["asset"].nunique()) if len(sched) else 0,
            "in_theatre_assets_used": used_inside,
            "ratio": round(used_inside / max_units, 6) if max_units else None,
        },
    }


def mission_sentences(sol: Solution, instance) -> list[str]:
    """The sustainment figure in words, for the screen and the brief."""
    mis, sched = sol.mission, sol.schedule
    if not mis or sched is None or not len(sched):
        return []
    roles, nations = instance.roles, instance.nations
    unit = (sol.units or {}).get("strength", "points")
    label = f" of {mis['period_label']}" if mis.get("period_label") else ""
    T = mis["periods"]
    inside = roles.index[roles["in_theatre"]]
    req = sol.roles[sol.roles["role"].isin(inside)].groupby("role")["required"].max()
    out = []
    if len(req) and req.max() > 0:
        r = req.idxmax()
        rs = sched[sched["role"] == r]
        per_nation = rs.groupby("nation")["asset"].nunique().sort_values(ascending=False, kind="stable")
        text = (f"Keeping {req[r]:g} {unit} of {roles.at[r, 'name']} in theatre for {T} periods{label} takes "
                f"{rs['asset'].nunique()} assets from {rs['nation'].nunique()} nations")
        if len(per_nation):
            n = per_nation.index[0]
            text += (f"; {nations.at[n, 'name']} carries {per_nation.iloc[0]} of them in periods "
                     f"{_ranges(rs.loc[rs['nation'] == n, 'period'])}")
        out.append(text + ".")
    s = mis["sustainment"]
    ratio = f", {s['ratio']:.2f} assets for each one in theatre at the peak" if s["ratio"] else ""
    out.append(f"Over the whole mission {s['assets_used']} assets serve at least one tour; at most "
               f"{s['max_in_theatre_units']} are in theatre at once ({s['max_in_theatre_strength']:g} {unit})"
               f"{ratio}.")
    return out


def roles_short(roles: pd.DataFrame) -> str:
    """Per-period shortfalls summed by role, with their periods: 'backstop 150 (periods 1, 3, 5)'."""
    short = roles[roles["shortfall"] > 1e-9]
    return "; ".join(f"{r} {rows['shortfall'].sum():g} (periods {_ranges(rows['period'])})"
                     for r, rows in short.groupby("role", sort=False))
