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

import pandas as pd

from models.eligibility import eligible_pairs
from solver.analysis.whatif.scenarios import MAX_SCENARIOS, Scenario
from solver.analysis.whatif.time_sweeps import sweep_dwell, sweep_periods
from solver.domain import commitments as registry
from solver.domain.instance import Instance

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
PRICED = ("veto", "refusal", "caveat", "link", "budget", "burden_share")  # kinds with a scenario edit


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
    """One scenario per political commitment whose lifting can change the answer; the
    commitments, their sentences and the changes that lift them come from the registry
    (``solver.domain.commitments.KINDS``), the reasons a lift cannot matter from here.

    ``pairs`` are the eligible (asset, role) pairs of the instance, ``uncaveated``
    those of the same instance without its caveats (models.eligibility)."""
    out, skipped = [], []
    nat = lambda n: _name(inst, "nations", n)  # noqa: E731
    fw = lambda f: _name(inst, "frameworks", f)  # noqa: E731
    with_assets = set(inst.assets["nation"])
    found = registry.commitments(inst, PRICED)
    vetoes: dict[str, list] = {}
    for c in found:
        if c.kind == "veto":
            vetoes.setdefault(c.key["framework"], []).append(c)
    cost = inst.assets.groupby("nation")["cost"].sum()
    best = pairs.groupby("asset")["contribution"].max()
    strength = inst.assets.assign(best=best.reindex(inst.assets.index).fillna(0.0)).groupby("nation")["best"].sum()
    required = [sum(q for q, fs in zip(inst.roles["requirement"], inst.roles["frameworks"], strict=True) if f in fs)
                for f in inst.frameworks.index]
    least = min(required) if required else 0.0

    def why_not_priced(c: registry.Commitment) -> str | None:
        """Why lifting ``c`` alone cannot change the answer, or None when it can."""
        k = c.key
        n = k.get("nation")
        if c.kind == "veto":
            return "other vetoes remain: priced together with them" if len(vetoes[k["framework"]]) > 1 else None
        if c.kind in ("refusal", "link", "budget", "burden_share") and n not in with_assets:
            return f"{nat(n)} offers no asset"
        if c.kind == "refusal":
            f = k["framework"]
            if not _could_serve(inst, pairs, n, f):
                return f"none of {nat(n)}'s assets could serve under the {fw(f)} anyway"
            if f in vetoes:
                return f"the {fw(f)} is vetoed"
        if c.kind == "caveat" and not ((uncaveated["nation"] == n) & (uncaveated["role"] == k["role"])).any():
            return f"no asset of {nat(n)} could fill {k['role']} anyway"
        if c.kind == "budget" and cost.get(n, 0.0) <= inst.nations.at[n, "budget"]:
            return "it covers all of the nation's assets"
        if c.kind == "burden_share" and strength.get(n, 0.0) <= inst.nations.at[n, "max_share"] * least:
            return "all its assets together stay within it"
        return None

    for c in found:
        kind = registry.KINDS[c.kind]
        reason = why_not_priced(c)
        if reason is not None:
            skipped.append({"commitment": kind.scenario(c.key), "description": c.text, "reason": reason})
        else:
            out.append(Scenario(kind.scenario(c.key), kind.edit(c.key), description=c.text))
    # a vetoed framework's vetoes lifted together (one of several alone cannot reopen it)
    for f, group in vetoes.items():
        group = sorted(group, key=lambda c: c.key["nation"])
        if len(group) > 1:
            edit = registry.KINDS["veto"].edit
            out.append(Scenario(f"vetoes:{f}", [e for c in group for e in edit(c.key)],
                                description=f"all vetoes of the {fw(f)} ({', '.join(c.key['nation'] for c in group)})"))
    # vetoes by nations outside the approval group do not count: said so, not priced
    consent = inst.consent
    for n, f in consent.loc[consent["approval"] == "veto", ["nation", "framework"]].itertuples(index=False):
        if n not in inst.group_members(inst.frameworks.at[f, "approval_group"]):
            skipped.append({"commitment": f"veto:{n}:{f}", "description": f"{nat(n)} vetoes the {fw(f)}",
                            "reason": f"{nat(n)} is not in the {f} approval group: its veto does not count"})
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
