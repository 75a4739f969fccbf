"""Political commitments: the unit of every explanation.

A commitment is one thing a nation, a role or the coalition has committed to
that could be negotiated: a veto, a refusal to serve under a framework, a
caveat, a link (joining only with another nation, or with a role covered), a
budget, a burden share, a requirement, a minimum number of nations, an enabler
share, a capacity, an asset that must deploy, an asset's availability, a
role's readiness deadline, the coalition's breadth. Everything else (one
framework, each asset once, capabilities, in-theatre and enabler-only rules,
lead-only roles, the linking logic) is hard.

Each kind is declared once, in :data:`KINDS`: how to find its commitments in an
instance (with the sentence a planner reads), how lifting one changes the tables
(exactly as the explain issue's table says, so an independent formulation can
check every conflict and repair on the lifted instance), and, for the kinds a
commitments sweep prices, the scenario change that lifts it and the scenario's
name. The model's gate rows for each kind are in ``models.relaxable.GATES``
(one function per kind; a test holds the two in step). Sweeps, explanations and
scenario checks read this registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from solver.domain.instance import Instance


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


@dataclass
class Tables:
    """Copies of an instance's tables that lifting edits in place."""

    nations: pd.DataFrame
    frameworks: pd.DataFrame
    roles: pd.DataFrame
    assets: pd.DataFrame
    consent: pd.DataFrame
    caveats: pd.DataFrame
    links: pd.DataFrame
    settings: object


Found = Iterator[tuple[dict[str, str], str]]  # (keys, sentence) per commitment


@dataclass(frozen=True)
class Kind:
    """One kind of political commitment, declared once (the module docstring)."""

    name: str
    weight: float  # its default weight in the cheapest repair (a higher one is lifted less readily)
    find: Callable[[Instance], Found]
    lift: Callable[[Tables, dict[str, str]], None]
    edit: Callable[[dict[str, str]], list[dict]] | None = None  # scenario changes that lift it (sweeps)
    scenario: Callable[[dict[str, str]], str] | None = None  # the sweep scenario's name
    note: str = field(default="", compare=False)


def _name(df: pd.DataFrame, key: str) -> str:
    return str(df.at[key, "name"]) if key in df.index else key


def _nat(inst: Instance, n: str) -> str:
    return _name(inst.nations, n)


def _fw(inst: Instance, f: str) -> str:
    return _name(inst.frameworks, f)


def _role(inst: Instance, r: str) -> str:
    return _name(inst.roles, r)


def _set(table: str, key, column: str, value) -> dict:
    return {"set": {"table": table, "key": key, "column": column, "value": value}}


def _consent_row(t: Tables, k: dict) -> pd.Series:
    return (t.consent["nation"] == k["nation"]) & (t.consent["framework"] == k["framework"])


# ------------------------------------------------------------------ the kinds, one block each
def _find_veto(inst: Instance) -> Found:
    c = inst.consent
    for n, f in c.loc[c["approval"] == "veto", ["nation", "framework"]].itertuples(index=False):
        if n in inst.group_members(inst.frameworks.at[f, "approval_group"]):  # only a member's veto counts
            yield {"nation": n, "framework": f}, f"{_nat(inst, n)} vetoes the {_fw(inst, f)}"


def _lift_veto(t: Tables, k: dict) -> None:
    t.consent.loc[_consent_row(t, k), "approval"] = "abstain"


def _find_refusal(inst: Instance) -> Found:
    c = inst.consent
    for n, f in c.loc[~c["contributes"], ["nation", "framework"]].itertuples(index=False):
        yield {"nation": n, "framework": f}, f"{_nat(inst, n)} refuses to serve under the {_fw(inst, f)}"


def _lift_refusal(t: Tables, k: dict) -> None:
    t.consent.loc[_consent_row(t, k), "contributes"] = True


def _find_caveat(inst: Instance) -> Found:
    for n, r in inst.caveats[["nation", "role"]].itertuples(index=False):
        yield {"nation": n, "role": r}, f"{_nat(inst, n)}'s caveat on {_role(inst, r)}"


def _lift_caveat(t: Tables, k: dict) -> None:
    cv = t.caveats
    t.caveats = cv[~((cv["nation"] == k["nation"]) & (cv["role"] == k["role"]))]


def _find_link(inst: Instance) -> Found:
    for n, kind, tg in inst.links[["nation", "kind", "target"]].itertuples(index=False):
        what = f"{_role(inst, tg)} fully covered" if kind == "requires_role" else f"{_nat(inst, tg)} taking part"
        yield {"nation": n, "link": kind, "target": tg}, f"{_nat(inst, n)} joins only with {what}"


def _lift_link(t: Tables, k: dict) -> None:
    lk = t.links
    t.links = lk[~((lk["nation"] == k["nation"]) & (lk["kind"] == k["link"]) & (lk["target"] == k["target"]))]


def _find_budget(inst: Instance) -> Found:
    for n, v in inst.nations["budget"].items():
        if not math.isnan(v):
            yield {"nation": n}, f"{_nat(inst, n)}'s budget of {v:g}"


def _lift_budget(t: Tables, k: dict) -> None:
    t.nations.at[k["nation"], "budget"] = np.nan


def _find_burden_share(inst: Instance) -> Found:
    for n, v in inst.nations["max_share"].items():
        if v < 1:
            yield {"nation": n}, f"{_nat(inst, n)}'s burden share of {100 * v:g} %"


def _lift_burden_share(t: Tables, k: dict) -> None:
    t.nations.at[k["nation"], "max_share"] = 1.0


def _role_finder(column: str, holds: Callable[[float], bool], sentence: Callable[[Instance, str, float], str]):
    def find(inst: Instance) -> Found:
        for r, v in inst.roles[column].items():
            if holds(v):
                yield {"role": r}, sentence(inst, r, v)
    return find


def _role_lifter(column: str, value):
    def lift_(t: Tables, k: dict) -> None:
        t.roles.at[k["role"], column] = value
    return lift_


def _find_must_deploy(inst: Instance) -> Found:
    for a, row in inst.assets.iterrows():
        if row["must_deploy"]:
            yield {"asset": a}, f"{a} ({_nat(inst, row['nation'])}) must deploy"


def _lift_must_deploy(t: Tables, k: dict) -> None:
    t.assets.at[k["asset"], "must_deploy"] = False


def _find_availability(inst: Instance) -> Found:
    every = tuple(inst.frameworks.index)
    for a, row in inst.assets.iterrows():
        if tuple(row["available_under"]) != every:
            yield {"asset": a}, f"{a} ({_nat(inst, row['nation'])}) only under {', '.join(row['available_under'])}"


def _lift_availability(t: Tables, k: dict) -> None:
    t.assets.at[k["asset"], "available_under"] = tuple(t.frameworks.index)


def _find_breadth(inst: Instance) -> Found:
    if inst.settings.min_coalition_nations > 0:
        yield {}, f"at least {inst.settings.min_coalition_nations} coalition nations take part"


def _lift_breadth(t: Tables, k: dict) -> None:
    t.settings = replace(t.settings, min_coalition_nations=0)


# Most negotiable first: conflicts prefer these. A requirement comes before the shares: a
# lifted requirement shrinks the strength that burden and enabler shares count against, so
# the filter tests the shares first and conflicts name the requirement, not a share it tightened.
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("caveat", 1.0, _find_caveat, _lift_caveat,
         edit=lambda k: [{"remove": {"table": "caveats", "key": [k["nation"], k["role"]]}}],
         scenario=lambda k: f"caveat:{k['nation']}:{k['role']}"),
    Kind("refusal", 2.0, _find_refusal, _lift_refusal,
         edit=lambda k: [_set("consent", [k["nation"], k["framework"]], "contributes", True)],
         scenario=lambda k: f"refusal:{k['nation']}:{k['framework']}"),
    Kind("availability", 1.0, _find_availability, _lift_availability),
    Kind("readiness", 1.0, _role_finder("needed_by", lambda v: not math.isnan(v),
                                        lambda i, r, v: f"{_role(i, r)} needed by day {v:g}"),
         _role_lifter("needed_by", np.nan)),
    Kind("link", 2.0, _find_link, _lift_link,
         edit=lambda k: [{"remove": {"table": "links", "key": [k["nation"], k["link"], k["target"]]}}],
         scenario=lambda k: f"link:{k['nation']}:{k['target']}"),
    Kind("budget", 3.0, _find_budget, _lift_budget,
         edit=lambda k: [_set("nations", k["nation"], "budget", "")], scenario=lambda k: f"budget:{k['nation']}"),
    Kind("capacity", 2.0, _role_finder("capacity", lambda v: not math.isnan(v),
                                       lambda i, r, v: f"the capacity of {v:g} for {_role(i, r)}"),
         _role_lifter("capacity", np.nan)),
    Kind("min_nations", 3.0, _role_finder("min_nations", lambda v: v > 0,
                                          lambda i, r, v: f"at least {int(v)} nations in {_role(i, r)}"),
         _role_lifter("min_nations", 0)),
    Kind("breadth", 3.0, _find_breadth, _lift_breadth),
    Kind("requirement", 5.0, _role_finder("requirement", lambda v: v > 0,
                                          lambda i, r, v: f"the requirement of {v:g} for {_role(i, r)}"),
         _role_lifter("requirement", 0.0)),
    Kind("burden_share", 3.0, _find_burden_share, _lift_burden_share,
         edit=lambda k: [_set("nations", k["nation"], "max_share", 1)], scenario=lambda k: f"share:{k['nation']}",
         note="sweep scenarios keep the name share:NATION of earlier versions"),
    Kind("enabler_share", 2.0, _role_finder("max_enabler_share", lambda v: v < 1,
                                            lambda i, r, v: f"enablers at most {100 * v:g} % of {_role(i, r)}"),
         _role_lifter("max_enabler_share", 1.0)),
    Kind("must_deploy", 4.0, _find_must_deploy, _lift_must_deploy),
    Kind("veto", 5.0, _find_veto, _lift_veto,
         edit=lambda k: [_set("consent", [k["nation"], k["framework"]], "approval", "abstain")],
         scenario=lambda k: f"veto:{k['nation']}:{k['framework']}"),
)}
COMMITMENT_KINDS = tuple(KINDS)
LIFT_WEIGHTS = {name: kind.weight for name, kind in KINDS.items()}
# The order commitments are listed in: the tables they come from, and within the nations,
# roles and assets tables row by row (a nation's budget, then its share). Ties between
# equally cheap repairs are broken in this order, so it is part of the answer.
_LISTED = ("veto", "refusal", "caveat", "link", "budget", "burden_share", "requirement", "min_nations",
           "enabler_share", "capacity", "readiness", "must_deploy", "availability", "breadth")
_ROW_OF = {"budget": "nation", "burden_share": "nation", "requirement": "role", "min_nations": "role",
           "enabler_share": "role", "capacity": "role", "readiness": "role", "must_deploy": "asset",
           "availability": "asset"}


def commitments(inst: Instance, kinds: tuple[str, ...] = _LISTED) -> list[Commitment]:
    """Every commitment the instance holds, of the given kinds, in the listed order."""
    found = [Commitment(name, tuple(keys.items()), text) for name in kinds for keys, text in KINDS[name].find(inst)]
    position = {"nation": {n: i for i, n in enumerate(inst.nations.index)},
                "role": {r: i for i, r in enumerate(inst.roles.index)},
                "asset": {a: i for i, a in enumerate(inst.assets.index)}}
    groups = {k: ("nation" if k in ("budget", "burden_share") else _ROW_OF.get(k, k)) for k in _LISTED}
    group_rank = {g: i for i, g in enumerate(dict.fromkeys(groups[k] for k in _LISTED))}

    def place(c: Commitment) -> tuple:
        row = _ROW_OF.get(c.kind)
        return (group_rank[groups[c.kind]], position[row][c.key[row]] if row else 0, _LISTED.index(c.kind))

    return sorted(found, key=place)


def lift(inst: Instance, lifted: list[Commitment]) -> Instance:
    """The instance with these commitments lifted, as the table's "relaxed means" says."""
    t = Tables(inst.nations.copy(), inst.frameworks, inst.roles.copy(), inst.assets.copy(), inst.consent.copy(),
               inst.caveats, inst.links, inst.settings)
    for c in lifted:
        KINDS[c.kind].lift(t, c.key)
    return replace(inst, nations=t.nations, roles=t.roles, assets=t.assets, consent=t.consent,
                   caveats=t.caveats.reset_index(drop=True), links=t.links.reset_index(drop=True), settings=t.settings)


def open_instance(inst: Instance) -> Instance:
    """Every commitment lifted: the structure every explanation model is built on."""
    return lift(inst, commitments(inst))
