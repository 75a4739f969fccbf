"""Where a mission over time breaks (T > 1): from which period, which role, by how much,
and what would fix it.

Per framework that is not vetoed, the elastic copy of the time-phased model
(``models.elastic``: requirement, multinationality and breadth rows may fall short,
the total normalised shortfall is minimised) names each role's shortfall per
period. Then repairs are proven on the real model: every asset resting one
period less, and each of the largest nations able to serve in the short roles
resting one period less on its own. The extra units a role needs are estimated from its
largest shortfall and the classic figure: a unit kept in theatre for tours of
``tour`` with ``dwell`` at home takes (tour + dwell) / tour units.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from models.elastic import make_elastic
from models.time import time_data
from solver.analysis.diagnose import recorded_veto
from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.engine.session import Session, SolveOptions
from solver.results.timeline import _ranges

MAX_NATION_TRIALS = 5  # nations whose shorter dwell is tried, largest contributors to the short roles first


def _elastic(instance: Instance, options: SolveOptions, f: str) -> tuple[Session, object]:
    def transform(m, index):
        slack_of = make_elastic(m)
        for g in m.framework:
            if g != f:
                m.framework[g].setub(0)
        m.framework[f].setlb(1)
        return slack_of

    session = Session(instance, options, transform=transform)
    return session, session.run()


def _slacks(session: Session, run) -> dict[tuple[str, object], float]:
    slack_of = session.transformed
    values = session.values(run, slack_of.values())
    return {k: float(v) for k, v in zip(slack_of, values, strict=True) if v > 1e-6}


def shorter_dwell(instance: Instance, nations: list[str] | None = None) -> Instance:
    """The instance with every asset (or the given nations' assets) resting one period less."""
    m = instance.settings.mission
    assets = instance.assets.copy()
    own = assets["dwell"].fillna(m.dwell)
    mask = np.ones(len(assets), bool) if nations is None else assets["nation"].isin(nations).to_numpy()
    assets["dwell"] = own.where(~mask, (own - 1).clip(lower=0))
    return replace(instance, assets=assets)


def explain_mission(instance: Instance, options: SolveOptions, *, repair: bool = True) -> tuple[list[str], dict]:
    """Lines for the planner and the same findings per framework; ``repair`` also proves
    which shorter dwells would sustain the force (several more solves)."""
    opts = replace(options, verbose=False, warm_start=False, lexicographic=(), by_framework=False,
                   time_limit=min(options.time_limit, 30.0))
    data, roles = time_data(instance, opts.aggregate).data, instance.roles
    unit = instance.settings.units.get("strength", "")
    lines, found = [], {}
    for f in data.frameworks:
        if recorded_veto(data, f, lines, found):
            continue
        session, run = _elastic(instance, opts, f)
        if not run.status.has_solution:
            reason = ("the mission cannot be held even with every requirement relaxed (must-deploy assets, "
                      "consent, budgets or links conflict over the periods)")
            found[f] = {"status": "infeasible", "vetoed_by": [], "reasons": [reason], "short": []}
            lines.append(f"{f}: {reason}")
            continue
        slack = _slacks(session, run)
        short: dict[str, dict[int, float]] = {}
        reasons = []
        for (family, idx), v in slack.items():
            if family == "requirement":
                r, t = idx
                short.setdefault(r, {})[int(t)] = v
            elif family == "multinationality":
                r, t = idx
                reasons.append(f"role '{r}' lacks {v:g} contributing nation(s) in period {t}")
            else:
                reasons.append(f"the coalition lacks {v:g} contributing nation(s)")
        records = []
        opt = data.options
        for r, by_t in sorted(short.items(), key=lambda kv: min(kv[1])):
            first = min(by_t)
            per = ", ".join(f"{by_t[t]:g} in {t}" for t in sorted(by_t))
            sel = opt[opt["role"] == r].sort_values(["enabler_only", "contribution", "unit"], ascending=[True, False, True])
            strongest = float(sel["contribution"].iloc[0]) if len(sel) else 0.0  # a coalition unit, not an enabler's
            like = data.units.at[sel["unit"].iloc[0], "representative"] if len(sel) else None
            extra = extra_units(instance, by_t, strongest, like)
            text = (f"role '{r}' ({roles.at[r, 'name']}) falls short from period {first}: by {per}"
                    f"{f' {unit}' if unit else ''} (periods {_ranges(by_t)})")
            if extra:
                text += f"; about {extra} more unit(s) like {like} ({strongest:g} each) would cover it"
            reasons.append(text)
            records.append({"role": r, "first_period": first, "shortfall": {str(t): v for t, v in by_t.items()},
                            "extra_units": extra, "like": like, "unit_strength": strongest})
        if not reasons:
            reasons.append("the constraints conflict over the periods even with every requirement relaxed")
        found[f] = {"status": "infeasible", "vetoed_by": [], "reasons": reasons, "short": records}
        lines.extend(f"{f}: {x}" for x in reasons)
    fixes = repairs(instance, opts, found) if repair else []
    found["fixes"] = fixes
    lines.extend(f"fix: {x}" for x in fixes)
    return lines, found


def extra_units(instance: Instance, by_t: dict[int, float], strength: float, like: str | None) -> int | None:
    """About how many more units of ``strength`` (rotating like asset ``like``) cover a role's
    shortfall by period: enough for the worst period, and enough unit-periods over the
    mission, one unit serving at most tour x ceil(T / (tour + dwell)) periods."""
    if not strength or like is None:
        return None
    m = instance.settings.mission
    a = instance.assets.loc[like]
    tour = int(a["tour"]) if a.get("tour") == a.get("tour") and a.get("tour") is not None else m.tour
    dwell = int(a["dwell"]) if a.get("dwell") == a.get("dwell") and a.get("dwell") is not None else m.dwell
    tour = min(tour, m.periods)
    serve = sum(min(tour, m.periods - s + 1) for s in range(1, m.periods + 1, tour + dwell))
    worst = math.ceil(max(by_t.values()) / strength - 1e-9)
    overall = math.ceil(sum(by_t.values()) / (strength * serve) - 1e-9)
    return max(worst, overall)


def with_units(instance: Instance, like: str, count: int) -> Instance:
    """The instance with ``count`` copies of asset ``like`` (same nation, capability, rotation)."""

    assets = instance.assets
    new = pd.DataFrame([assets.loc[like]] * count, index=pd.Index([f"{like}+{i + 1}" for i in range(count)],
                                                                 name=assets.index.name))
    new["must_deploy"] = False
    return replace(instance, assets=pd.concat([assets, new]))


def _sustained(instance: Instance, options: SolveOptions) -> bool | None:
    """Whether the mission can be held (True/False), None when the search did not tell in time."""
    run = Session(instance, options).run()
    if run.status.has_solution:
        return True
    return False if run.status == Status.INFEASIBLE else None


def repairs(instance: Instance, options: SolveOptions, found: dict) -> list[str]:
    """Shorter dwells that would make the mission sustainable, each proven on the real model:
    every unit resting one period less, then each nation serving in a short role alone."""
    mission = instance.settings.mission
    opts = replace(options, mip_gap=0.05, time_limit=min(options.time_limit, 20.0))
    out = []
    # more units: for the framework with the least shortfall, every short role's extra units at once
    best = min((v for v in found.values() if isinstance(v, dict) and v.get("short")),
               key=lambda v: sum(sum(r["shortfall"].values()) for r in v["short"]), default=None)
    plan = [(r["extra_units"], r["like"]) for r in (best or {}).get("short", []) if r["extra_units"]]
    if plan:
        more = instance
        for n, like in plan:
            more = with_units(more, like, n)
        ok = _sustained(more, opts)
        what = ", ".join(f"{n} like {like} ({instance.nations.at[instance.assets.at[like, 'nation'], 'name']})"
                         for n, like in plan)
        if ok is not None:
            out.append(f"{what} more would {'sustain the force' if ok else 'not be enough'}")
    dwell = instance.assets["dwell"].fillna(mission.dwell)
    if not (dwell > 0).any():
        return out
    everyone = _sustained(shorter_dwell(instance), opts)
    if not everyone:
        return out + (["even every unit resting one period less would not sustain the force: it needs more "
                       "units or lower requirements"] if everyone is False else [])
    out += ["every unit resting one period less (a dwell of "
           + ", ".join(f"{d - 1:g}" for d in sorted(set(dwell[dwell > 0]))) + " instead of "
           + ", ".join(f"{d:g}" for d in sorted(set(dwell[dwell > 0]))) + ") would sustain the force"]
    short_roles = {rec["role"] for v in found.values() if isinstance(v, dict) for rec in v.get("short", [])}
    assets = instance.assets
    caps = instance.capabilities
    able = set(caps.loc[caps["role"].isin(short_roles), "capability"])
    contributors = (assets[assets["capability"].isin(able) & (dwell > 0)].groupby("nation")["strength"].sum()
                    .sort_values(ascending=False, kind="stable"))
    for n in contributors.index[:MAX_NATION_TRIALS]:
        if _sustained(shorter_dwell(instance, [n]), opts):
            out.append(f"{instance.nations.at[n, 'name']} alone resting one period less would sustain the force")
    return out
