"""Generated what-ifs: withdrawals, a veto, requirement factors, and the price of each
political commitment.

The price of a commitment is what the coalition would save if it were lifted:
the base objective minus the objective with that one commitment relaxed. Only
commitments whose lifting can change the answer are priced; the rest are
listed as skipped with the reason (a refusal by a nation with no asset that
could serve under the framework, a caveat on a role none of its assets could
fill, a budget that covers all its assets, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from models.eligibility import eligible_pairs
from solver.instance import Instance
from solver.scenarios import MAX_SCENARIOS, Scenario
from solver.timeline_sweeps import sweep_dwell, sweep_periods

SWEEPS = ("withdrawal", "veto", "consent", "requirement", "periods", "dwell")
MAX_SWEEP_PERIODS = 12  # --sweep periods: mission lengths 1..max(2 T, 6), at most this


@dataclass
class Sweep:
    scenarios: list[Scenario]
    skipped: list[dict] = field(default_factory=list)  # {commitment, description, reason}


def _name(inst: Instance, table: str, key: str) -> str:
    df = getattr(inst, table)
    return str(df.at[key, "name"]) if key in df.index else key


def sweep_withdrawal(inst: Instance) -> Sweep:
    """Each nation with assets withdraws in turn (the N-1 test)."""
    return Sweep([Scenario(f"withdrawal:{n}", [{"withdraw": n}], description=f"{_name(inst, 'nations', n)} withdraws")
                  for n in sorted(set(inst.assets["nation"]))])


def sweep_veto(inst: Instance, framework: str) -> Sweep:
    """The chosen framework vetoed. Any one member of its approval group can cast the
    veto and each has the same effect (constraint 2), so this is one scenario, not one
    per member; vetoing a framework that is not chosen cannot change the answer."""
    group = inst.group_members(inst.frameworks.at[framework, "approval_group"])
    if not group:
        return Sweep([], [{"commitment": f"veto:{framework}", "description": f"a veto of {framework}",
                           "reason": "its approval group is empty: nobody can veto it"}])
    who = ", ".join(sorted(group))
    sc = Scenario(f"veto:{framework}", [{"set": {"table": "consent", "key": [sorted(group)[0], framework],
                                                 "column": "approval", "value": "veto"}}],
                  description=f"{_name(inst, 'frameworks', framework)} vetoed (by any one of {len(group)}: {who})")
    return Sweep([sc])


def factors(spec: str, max_scenarios: int = MAX_SCENARIOS) -> list[float]:
    """START:STOP:STEP (inclusive) as a list; refuses infinite ranges and more than
    ``max_scenarios`` factors (raises ValueError with what is expected)."""
    try:
        start, stop, step = (float(x) for x in spec.split(":"))
    except ValueError:
        raise ValueError(f"START:STOP:STEP, e.g. 0.5:2.0:0.25 (not {spec!r})") from None
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise ValueError(f"finite numbers in START:STOP:STEP (not {spec!r})")
    if step <= 0 or stop < start or start < 0:
        raise ValueError(f"START:STOP:STEP with 0 <= START <= STOP and STEP > 0 (not {spec!r})")
    n = math.floor((stop - start) / step + 1e-9) + 1
    if n > max_scenarios:
        raise ValueError(f"at most {max_scenarios:,} factors ({spec!r} makes {n:,}); "
                         "a larger STEP, or --max-scenarios to raise the cap")
    return [round(start + i * step, 10) for i in range(n)]


def sweep_requirement(spec: str, max_scenarios: int = MAX_SCENARIOS) -> Sweep:
    """Every role's requirement scaled by factors START:STOP:STEP (inclusive)."""
    return Sweep([Scenario(f"requirement:x{f:g}", [{"scale": {"table": "roles", "column": "requirement",
                                                               "factor": f}}],
                           description=f"every requirement x{f:g}") for f in factors(spec, max_scenarios)])


# --------------------------------------------------------------------------- commitments
def _set(table: str, key, column: str, value) -> dict:
    return {"set": {"table": table, "key": key, "column": column, "value": value}}


def _could_serve(inst: Instance, pairs: pd.DataFrame, nation: str, framework: str) -> bool:
    """Whether the nation has an asset that could fill a role active under the framework,
    were it willing (availability, enabler reach and eligibility permitting)."""
    assets = inst.assets[inst.assets["nation"] == nation]
    if inst.nations.at[nation, "enabler_only"] and not inst.frameworks.at[framework, "enablers_reach"]:
        return False
    ok = assets.index[assets["available_under"].map(lambda fs: framework in fs)]
    mine = pairs[pairs["asset"].isin(ok)]
    return bool(mine["role"].map(lambda r: framework in inst.roles.at[r, "frameworks"]).any())


def commitments(inst: Instance, pairs: pd.DataFrame, uncaveated: pd.DataFrame) -> Sweep:
    """One scenario per political commitment whose lifting can change the answer.

    ``pairs`` are the eligible (asset, role) pairs of the instance, ``uncaveated``
    those of the same instance without its caveats (models.eligibility)."""
    out, skipped = [], []

    def skip(key: str, text: str, reason: str) -> None:
        skipped.append({"commitment": key, "description": text, "reason": reason})

    nat = lambda n: _name(inst, "nations", n)  # noqa: E731
    fw = lambda f: _name(inst, "frameworks", f)  # noqa: E731
    with_assets = set(inst.assets["nation"])
    consent = inst.consent
    # vetoes: one at a time where it alone closes the framework; each group's together
    for f in inst.frameworks.index:
        group = set(inst.group_members(inst.frameworks.at[f, "approval_group"]))
        vetoes = sorted(n for n in consent.loc[(consent["framework"] == f) & (consent["approval"] == "veto"), "nation"])
        for n in vetoes:
            text = f"{nat(n)}'s veto of the {fw(f)}"
            if n not in group:
                skip(f"veto:{n}:{f}", text, f"{nat(n)} is not in the {f} approval group: its veto does not count")
            elif len([v for v in vetoes if v in group]) > 1:
                skip(f"veto:{n}:{f}", text, "other vetoes remain: priced together with them")
            else:
                out.append(Scenario(f"veto:{n}:{f}", [_set("consent", [n, f], "approval", "abstain")], description=text))
        counted = [n for n in vetoes if n in group]
        if len(counted) > 1:
            out.append(Scenario(f"vetoes:{f}", [_set("consent", [n, f], "approval", "abstain") for n in counted],
                                description=f"all vetoes of the {fw(f)} ({', '.join(counted)})"))
    vetoed = {f for f in inst.frameworks.index
              if set(consent.loc[(consent["framework"] == f) & (consent["approval"] == "veto"), "nation"])
              & set(inst.group_members(inst.frameworks.at[f, "approval_group"]))}
    # refusals to contribute under a framework
    for n, f in consent.loc[~consent["contributes"], ["nation", "framework"]].itertuples(index=False):
        text = f"{nat(n)} refuses to serve under the {fw(f)}"
        if n not in with_assets:
            skip(f"refusal:{n}:{f}", text, f"{nat(n)} offers no asset")
        elif not _could_serve(inst, pairs, n, f):
            skip(f"refusal:{n}:{f}", text, f"none of {nat(n)}'s assets could serve under the {fw(f)} anyway")
        elif f in vetoed:
            skip(f"refusal:{n}:{f}", text, f"the {fw(f)} is vetoed")
        else:
            out.append(Scenario(f"refusal:{n}:{f}", [_set("consent", [n, f], "contributes", True)], description=text))
    # caveats
    for n, r in inst.caveats[["nation", "role"]].itertuples(index=False):
        text = f"{nat(n)}'s caveat on {_name(inst, 'roles', r)}"
        if not ((uncaveated["nation"] == n) & (uncaveated["role"] == r)).any():
            skip(f"caveat:{n}:{r}", text, f"no asset of {nat(n)} could fill {r} anyway")
        else:
            out.append(Scenario(f"caveat:{n}:{r}", [{"remove": {"table": "caveats", "key": [n, r]}}], description=text))
    # links: the conditions on which a nation joins
    for n, kind, t in inst.links[["nation", "kind", "target"]].itertuples(index=False):
        what = _name(inst, "roles", t) + " covered" if kind == "requires_role" else nat(t) + " taking part"
        text = f"{nat(n)} joins only with {what}"
        if n not in with_assets:
            skip(f"link:{n}:{t}", text, f"{nat(n)} offers no asset")
        else:
            out.append(Scenario(f"link:{n}:{t}", [{"remove": {"table": "links", "key": [n, kind, t]}}],
                                description=text))
    # budgets and burden shares
    cost = inst.assets.groupby("nation")["cost"].sum()
    best = pairs.groupby("asset")["contribution"].max()
    strength = inst.assets.assign(best=best.reindex(inst.assets.index).fillna(0.0)).groupby("nation")["best"].sum()
    required = [sum(q for q, fs in zip(inst.roles["requirement"], inst.roles["frameworks"], strict=True) if f in fs)
                for f in inst.frameworks.index]
    least = min(required) if required else 0.0
    for n, row in inst.nations.iterrows():
        if not np.isnan(row["budget"]):
            text = f"{nat(n)}'s budget ({row['budget']:g})"
            if n not in with_assets:
                skip(f"budget:{n}", text, f"{nat(n)} offers no asset")
            elif cost.get(n, 0.0) <= row["budget"]:
                skip(f"budget:{n}", text, "it covers all of the nation's assets")
            else:
                out.append(Scenario(f"budget:{n}", [_set("nations", n, "budget", "")], description=text))
        if row["max_share"] < 1:
            text = f"{nat(n)}'s burden share ({100 * row['max_share']:g} %)"
            if n not in with_assets:
                skip(f"share:{n}", text, f"{nat(n)} offers no asset")
            elif strength.get(n, 0.0) <= row["max_share"] * least:
                skip(f"share:{n}", text, "all its assets together stay within it")
            else:
                out.append(Scenario(f"share:{n}", [_set("nations", n, "max_share", 1)], description=text))
    return Sweep(out, skipped)


def generate(kind: str, inst: Instance, factor: str = "0.5:2.0:0.25", max_scenarios: int = MAX_SCENARIOS,
             framework: str | None = None) -> Sweep:
    """The scenarios of one sweep. ``framework`` is the base's chosen framework (the
    veto sweep needs it; with none, there is nothing to veto)."""
    if kind == "withdrawal":
        return sweep_withdrawal(inst)
    if kind == "requirement":
        return sweep_requirement(factor, max_scenarios)
    if kind == "veto":
        return sweep_veto(inst, framework) if framework else Sweep([])
    if kind in ("periods", "dwell"):
        return Sweep(sweep_periods(inst, MAX_SWEEP_PERIODS) if kind == "periods" else sweep_dwell(inst))
    if kind == "consent":
        uncaveated = replace(inst, caveats=inst.caveats.iloc[0:0])
        return commitments(inst, eligible_pairs(inst), eligible_pairs(uncaveated))
    raise ValueError(f"a sweep of {', '.join(SWEEPS)} (not {kind!r})")
