"""Political commitments: the unit of every explanation.

A commitment is one thing a nation, a role or the coalition has committed to
that could be negotiated: a veto, a refusal to serve under a framework, a
caveat, a link (joining only with another nation, or with a role covered), a
budget, a burden share, a requirement, a minimum number of nations, an enabler
share, a capacity, an asset that must deploy, an asset's availability, a
role's readiness deadline, the coalition's breadth. Everything else (one
framework, each asset once, capabilities, in-theatre and enabler-only rules,
lead-only roles, the linking logic) is hard.

Lifting a commitment changes the instance exactly as the explain issue's table
says ("relaxed means"): ``lift`` applies it to the tables, so an independent
formulation can check every conflict and repair on the lifted instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from solver.domain.instance import Instance

# Most negotiable first: conflicts prefer these. A requirement comes before the shares: a
# lifted requirement shrinks the strength that burden and enabler shares count against, so
# the filter tests the shares first and conflicts name the requirement, not a share it tightened.
COMMITMENT_KINDS = ("caveat", "refusal", "availability", "readiness", "link", "budget", "capacity", "min_nations", "breadth",
         "requirement", "burden_share", "enabler_share", "must_deploy", "veto")
LIFT_WEIGHTS = {"caveat": 1.0, "refusal": 2.0, "availability": 1.0, "readiness": 1.0, "link": 2.0, "budget": 3.0,
                   "burden_share": 3.0, "capacity": 2.0, "enabler_share": 2.0, "min_nations": 3.0, "breadth": 3.0,
                   "must_deploy": 4.0, "requirement": 5.0, "veto": 5.0}


@dataclass(frozen=True)
class Commitment:
    """One commitment: its kind, its keys (as the explain issue's table names them) and
    the sentence a planner reads."""

    kind: str
    keys: tuple[tuple[str, str], ...]  # (("nation", "FRA"), ("framework", "nato"))
    text: str

    @property
    def key(self) -> dict[str, str]:
        return dict(self.keys)

    @property
    def id(self) -> str:
        return ":".join([self.kind, *[v for _, v in self.keys]])

    def to_dict(self) -> dict:
        return {"kind": self.kind, **self.key, "text": self.text}


def _name(df: pd.DataFrame, key: str) -> str:
    return str(df.at[key, "name"]) if key in df.index else key


def commitments(inst: Instance) -> list[Commitment]:
    """Every commitment the instance holds (a veto only from a member of the approval group)."""
    nat = lambda n: _name(inst.nations, n)  # noqa: E731
    fw = lambda f: _name(inst.frameworks, f)  # noqa: E731
    role = lambda r: _name(inst.roles, r)  # noqa: E731
    out: list[Commitment] = []

    def add(kind: str, text: str, **keys: str) -> None:
        out.append(Commitment(kind, tuple(keys.items()), text))

    c = inst.consent
    for n, f in c.loc[c["approval"] == "veto", ["nation", "framework"]].itertuples(index=False):
        if n in inst.group_members(inst.frameworks.at[f, "approval_group"]):
            add("veto", f"{nat(n)} vetoes the {fw(f)}", nation=n, framework=f)
    for n, f in c.loc[~c["contributes"], ["nation", "framework"]].itertuples(index=False):
        add("refusal", f"{nat(n)} will not serve under the {fw(f)}", nation=n, framework=f)
    for n, r in inst.caveats[["nation", "role"]].itertuples(index=False):
        add("caveat", f"{nat(n)}'s caveat on {role(r)}", nation=n, role=r)
    for n, kind, t in inst.links[["nation", "kind", "target"]].itertuples(index=False):
        what = f"{role(t)} fully covered" if kind == "requires_role" else f"{nat(t)} taking part"
        add("link", f"{nat(n)} joins only with {what}", nation=n, link=kind, target=t)
    for n, row in inst.nations.iterrows():
        if not math.isnan(row["budget"]):
            add("budget", f"{nat(n)}'s budget of {row['budget']:g}", nation=n)
        if row["max_share"] < 1:
            add("burden_share", f"{nat(n)}'s burden share of {100 * row['max_share']:g} %", nation=n)
    for r, row in inst.roles.iterrows():
        if row["requirement"] > 0:
            add("requirement", f"the requirement of {row['requirement']:g} for {role(r)}", role=r)
        if row["min_nations"] > 0:
            add("min_nations", f"at least {int(row['min_nations'])} nations in {role(r)}", role=r)
        if row["max_enabler_share"] < 1:
            add("enabler_share", f"enablers at most {100 * row['max_enabler_share']:g} % of {role(r)}", role=r)
        if not math.isnan(row["capacity"]):
            add("capacity", f"the capacity of {row['capacity']:g} for {role(r)}", role=r)
        if not math.isnan(row["needed_by"]):
            add("readiness", f"{role(r)} needed by day {row['needed_by']:g}", role=r)
    every = tuple(inst.frameworks.index)
    for a, row in inst.assets.iterrows():
        if row["must_deploy"]:
            add("must_deploy", f"{a} ({nat(row['nation'])}) must deploy", asset=a)
        if tuple(row["available_under"]) != every:
            add("availability", f"{a} ({nat(row['nation'])}) only under {', '.join(row['available_under'])}",
                asset=a)
    if inst.settings.min_coalition_nations > 0:
        add("breadth", f"at least {inst.settings.min_coalition_nations} coalition nations take part")
    return out


def lift(inst: Instance, lifted: list[Commitment]) -> Instance:
    """The instance with these commitments lifted, as the table's "relaxed means" says."""
    nations, frameworks = inst.nations.copy(), inst.frameworks
    roles, assets, consent = inst.roles.copy(), inst.assets.copy(), inst.consent.copy()
    caveats, links, settings = inst.caveats, inst.links, inst.settings
    every = tuple(frameworks.index)
    for c in lifted:
        k = c.key
        if c.kind == "veto":
            consent.loc[(consent["nation"] == k["nation"]) & (consent["framework"] == k["framework"]),
                        "approval"] = "abstain"
        elif c.kind == "refusal":
            consent.loc[(consent["nation"] == k["nation"]) & (consent["framework"] == k["framework"]),
                        "contributes"] = True
        elif c.kind == "caveat":
            caveats = caveats[~((caveats["nation"] == k["nation"]) & (caveats["role"] == k["role"]))]
        elif c.kind == "link":
            links = links[~((links["nation"] == k["nation"]) & (links["kind"] == k["link"])
                            & (links["target"] == k["target"]))]
        elif c.kind == "budget":
            nations.at[k["nation"], "budget"] = np.nan
        elif c.kind == "burden_share":
            nations.at[k["nation"], "max_share"] = 1.0
        elif c.kind == "requirement":
            roles.at[k["role"], "requirement"] = 0.0
        elif c.kind == "min_nations":
            roles.at[k["role"], "min_nations"] = 0
        elif c.kind == "enabler_share":
            roles.at[k["role"], "max_enabler_share"] = 1.0
        elif c.kind == "capacity":
            roles.at[k["role"], "capacity"] = np.nan
        elif c.kind == "readiness":
            roles.at[k["role"], "needed_by"] = np.nan
        elif c.kind == "must_deploy":
            assets.at[k["asset"], "must_deploy"] = False
        elif c.kind == "availability":
            assets.at[k["asset"], "available_under"] = every
        elif c.kind == "breadth":
            settings = replace(settings, min_coalition_nations=0)
    return replace(inst, nations=nations, roles=roles, assets=assets, consent=consent,
                   caveats=caveats.reset_index(drop=True), links=links.reset_index(drop=True), settings=settings)


def open_instance(inst: Instance) -> Instance:
    """Every commitment lifted: the structure every explanation model is built on."""
    return lift(inst, commitments(inst))
