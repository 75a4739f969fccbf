"""Reasons that bind, and repairs with their price: every claim checked by lifting it.

Why is a nation out of the plan? Not what the data suggests (a late battalion, a
caveat, a refusal) but what actually keeps it out: each candidate commitment of
the nation is lifted *alone* (every other one kept) and the problem re-solved
with the nation forced in. A commitment *binds* when lifting it lowers the price
of bringing the nation in (or makes it possible at all); the remaining price, if
any, is "more expensive than the nations chosen". Reasons are listed cheapest
first, each with its price: the objective difference against the optimum and,
apart, its money part (asset and setup costs in the instance's units).

A "why not" that is impossible gets its repairs the same way: every commitment of
its minimal conflicts is lifted alone; those that cure it are one-of repairs
(any one suffices), ranked by price; when none suffices alone, the cheapest set
(``Relaxer.repair``) must go together (all-of).

Re-solves run on the explainer's relaxable session (``solver.analysis.conflicts``): keeping or
lifting a commitment is a bound change there, so a check is one warm re-solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from solver.analysis.conflicts import Relaxer
from solver.domain.commitments import Commitment
from solver.domain.instance import Instance
from solver.engine.core import Forcing

# kinds of commitment that belong to one nation (by its key) and can keep it out
NATION_KINDS = ("refusal", "caveat", "link", "budget", "burden_share")


@dataclass(frozen=True)
class Priced:
    """A re-solve: the objective and its money part, or None when infeasible."""

    objective: float | None
    money: float | None
    framework: str | None = None

    @property
    def feasible(self) -> bool:
        return self.objective is not None


class LiftChecker:
    """Re-solves of the instance with some commitments lifted, optionally with a forcing;
    the unforced optimum of each lifted set is remembered."""

    def __init__(self, relaxer: Relaxer, base_objective: float, base_money: float, mip_gap: float):
        self.relaxer = relaxer
        self.base_objective, self.base_money = base_objective, base_money
        self.tol = max(1e-6, mip_gap * max(1.0, abs(base_objective)))
        self.ids = {c.id for c in relaxer.found}
        self._unforced: dict[frozenset[str], Priced] = {}
        self.runs = 0

    def priced(self, lifted: frozenset[str], forcing: Forcing | None = None) -> Priced:
        """The best plan with ``lifted`` lifted (every other commitment kept), under the forcing."""
        if forcing is None and lifted in self._unforced:
            return self._unforced[lifted]
        r, s = self.relaxer, self.relaxer.session
        r._set(self.ids - lifted)
        self.runs += 1
        run = s.search(forcing=forcing)
        if not run.status.has_solution:
            out = Priced(None, None)
        else:
            out = Priced(float(run.objective), float(s.solution(run).terms["cost"]), run.framework)
        if forcing is None:
            self._unforced[lifted] = out
        return out

    def price(self, p: Priced) -> dict:
        """A re-solve as differences against the optimum: objective and money apart."""
        if not p.feasible:
            return {"objective": None, "delta": None, "delta_money": None}
        return {"objective": p.objective, "delta": _r(p.objective - self.base_objective),
                "delta_money": _r(p.money - self.base_money)}

    def joins(self, lifted: frozenset[str], forced: Priced) -> bool:
        """Whether the forced plan is as good as the lifted instance's own optimum (the
        nation then joins without being forced, up to ties)."""
        best = self.priced(lifted)
        return forced.feasible and best.feasible and forced.objective <= best.objective + self.tol


def _r(v: float) -> float:
    return round(v, 9) + 0.0


# --------------------------------------------------------------------------- nations
def nation_candidates(inst: Instance, found: list[Commitment], nation: str,
                      framework: str | None) -> list[list[Commitment]]:
    """The commitments that could keep this nation out of a plan under ``framework``, each
    a group lifted together: its refusal of that framework, each caveat on a role one of
    its assets could fill, its links, budget and burden share, the readiness deadline of
    every role one of its assets could fill but is too late for, and its assets'
    availability (one group: lifted for all of them at once)."""
    assets = inst.assets[inst.assets["nation"] == nation]
    caps = inst.capabilities
    suit = inst.suitability

    def fills(a_index, role: str) -> bool:
        sub = assets.loc[a_index]
        return bool(((caps["role"] == role) & caps["capability"].isin(set(sub["capability"]))).any()
                    or ((suit["role"] == role) & suit["asset"].isin(set(sub.index))).any())

    out: list[list[Commitment]] = []
    availability: list[Commitment] = []
    for c in found:
        k = c.key
        own = k.get("nation") == nation and (
            (c.kind == "refusal" and (framework is None or k["framework"] == framework))
            or (c.kind == "caveat" and fills(assets.index, k["role"]))
            or c.kind in ("link", "budget", "burden_share"))
        if own:
            out.append([c])
        elif c.kind == "readiness":
            needed = inst.roles.at[k["role"], "needed_by"]
            late = assets.index[assets["ready_day"] > needed]
            if len(late) and fills(late, k["role"]):
                out.append([c])
        elif c.kind == "availability" and k["asset"] in assets.index:
            availability.append(c)
    if availability:
        out.append(availability)
    return out


def nation_reasons(inst: Instance, checker: LiftChecker, nation: str, framework: str | None,
                   forced: Priced) -> list[dict]:
    """The reasons that keep ``nation`` out, each checked by lifting it alone with the
    nation forced in, cheapest price first. ``forced`` is the nation forced in as things
    stand. A commitment is listed when lifting it lowers that price (or makes it possible);
    "cost" is listed when the nation can be brought in as things stand."""
    name = str(inst.nations.at[nation, "name"])
    forcing = Forcing(nation=nation)
    worst = forced.objective if forced.feasible else math.inf
    out = []
    for group in nation_candidates(inst, checker.relaxer.found, nation, framework):
        lifted = frozenset(c.id for c in group)
        p = checker.priced(lifted, forcing)
        if not p.feasible or p.objective >= worst - checker.tol:
            continue  # lifting it alone changes nothing for this nation: not a reason
        joins = checker.joins(lifted, p)
        c = group[0]
        out.append({"kind": c.kind, "commitment": c.to_dict(), "lifted": [x.to_dict() for x in group],
                    "text": _reason_text(inst, group, nation), **checker.price(p), "joins": joins,
                    "then": f"{name} joins" if joins else f"{name} could join at that price"})
    if forced.feasible:
        out.append({"kind": "cost", "commitment": None, "lifted": [], "text": "more expensive than the nations chosen",
                    **checker.price(forced), "joins": False, "then": f"{name} could join at that price"})
    out.sort(key=lambda d: (d["delta"], d["kind"] == "cost"))
    return out


def _reason_text(inst: Instance, group: list[Commitment], nation: str) -> str:
    """The commitment(s) as a reason for this nation, with the fact behind it."""
    c = group[0]
    k = c.key
    if c.kind == "readiness":
        role = inst.roles.loc[k["role"]]
        late = inst.assets[(inst.assets["nation"] == nation) & (inst.assets["ready_day"] > role["needed_by"])]
        first = late.sort_values("ready_day").iloc[0]
        return (f"{role['name']} needed by day {role['needed_by']:g}; {inst.nations.at[nation, 'name']}'s "
                f"{first['capability']} ({first.name}) is ready on day {first['ready_day']:g}")
    if c.kind == "availability" and len(group) > 1:
        return f"{len(group)} of {inst.nations.at[nation, 'name']}'s assets are available only under some frameworks"
    return c.text


def reason_line(r: dict, units: str = "") -> str:
    """One reason in planner words with its price (objective difference against the
    optimum, money apart; ``units`` names the money's units when given)."""
    money = "" if r.get("delta_money") is None else f", money {r['delta_money']:+,.2f}{' ' + units if units else ''}"
    price = f"objective {r['delta']:+,.2f}{money}"
    if r["kind"] == "cost":
        return f"{r['text']} (forced in: {price})"
    if r["joins"]:
        return f"{r['text']} (lifted, {r['then']}: {price})"
    return f"{r['text']} (lifted, it could join at {price})"


def price_words(r: dict, units: str = "") -> str:
    """'objective +6.00, of which money +6.00 EUR million per year': never a 'cost'."""
    if r.get("delta") is None:
        return "not possible"
    money = "" if r.get("delta_money") is None else f", money {r['delta_money']:+,.2f}{' ' + units if units else ''}"
    return f"objective {r['delta']:+,.2f} vs the optimum{money}"


# --------------------------------------------------------------------------- why not
def repairs(checker: LiftChecker, forcing: Forcing, conflicts: list[list[dict]], weights: dict[str, float],
            most: int = 3) -> tuple[str | None, list[dict]]:
    """Repairs of an impossible forcing, cheapest first: ("one_of", [...]) when lifting a
    single commitment suffices (each listed alone), else ("all_of", [the cheapest set]);
    (None, []) when nothing found cures it."""
    by_id = {c.id: c for c in checker.relaxer.found}
    members = list(dict.fromkeys(_cid(c) for conflict in conflicts for c in conflict))
    singles = []
    for i in members:
        if i not in by_id:
            continue
        p = checker.priced(frozenset({i}), forcing)
        if p.feasible:
            singles.append({"lift": [by_id[i].to_dict()], "framework": p.framework, **checker.price(p)})
    if singles:
        singles.sort(key=lambda d: d["delta"])
        return "one_of", singles[:most]
    rep = checker.relaxer.repair(forcing, weights)
    if rep is None or not rep["lift"]:
        return None, []
    lifted = frozenset(c.id for c in rep["lift"])
    p = checker.priced(lifted, forcing)
    return "all_of", [{"lift": [c.to_dict() for c in rep["lift"]], "weight": rep["weight"], "framework": p.framework,
                       **checker.price(p)}]


def _cid(c: dict) -> str:
    """The id of a commitment written as a dict (Commitment.to_dict)."""
    keys = [v for k, v in c.items() if k not in ("kind", "text")]
    return ":".join([c["kind"], *keys])


def already(inst: Instance, optimum, forcing: Forcing) -> str | None:
    """"nato is already the choice" / "ITA already contributes to land", or None."""
    if not optimum.status.has_solution:
        return None
    if forcing.framework is not None:
        if forcing.framework == optimum.framework:
            return f"{forcing.framework} is already the choice ({inst.frameworks.at[forcing.framework, 'name']})"
        return None
    alloc = optimum.allocation
    roles = sorted(set(alloc.loc[alloc["nation"] == forcing.nation, "role"]))
    if forcing.role is not None:
        return f"{forcing.nation} already contributes to {forcing.role}" if forcing.role in roles else None
    return f"{forcing.nation} already contributes to {', '.join(roles)}" if roles else None


def answer_lines(w: dict, inst: Instance) -> list[str]:
    """A "why not" as a few short lines: already so; possible at a price; or the repairs
    (one of, or all of) with their prices."""
    units = inst.settings.units.get("cost", "")
    q = w["question"]
    if w.get("already"):
        return [f"{q}: {w['already']}."]
    if w.get("delta") is not None:
        brief = f"; {w['brief']}" if w.get("brief") else ""
        return [f"{q}: possible, {price_words(w, units)}{brief}."]
    if w.get("hard_limit"):
        return [f"{q}: impossible, {w['hard_limit']}; no commitment could change that."]
    mode, reps = w.get("repair_mode"), w.get("repairs") or []
    if not reps:
        return [f"{q}: impossible as the commitments stand; no repair found."]
    if mode == "one_of":
        best = reps[0]
        lines = [f"{q}: impossible as the commitments stand. Lifting any one of these would do; cheapest first:"]
        for rep in reps:
            lines.append(f"  - {rep['lift'][0]['text']}: then{_under(rep, w)} {price_words(rep, units)}")
        if best.get("delta") is None:
            lines.append("  (no price: the repaired plan was not found)")
        return lines
    rep = reps[0]
    lines = [f"{q}: impossible as the commitments stand. All of these must go (lifting one alone is not enough):"]
    lines += [f"  - {c['text']}" for c in rep["lift"]]
    lines.append(f"  then{_under(rep, w)} {price_words(rep, units)}")
    return lines


def _under(rep: dict, w: dict) -> str:
    """' under nato,' when a nation's repair brings it in under a framework."""
    return f" under {rep['framework']}," if rep.get("framework") and not w.get("framework") else ""


def reasons_table(nations: list[dict]) -> pd.DataFrame:
    """The checked reasons of every nation out, one row each (for the CSV files)."""
    rows = [{"nation": n["nation"], "kind": r["kind"], "reason": r["text"], "delta": r["delta"],
             "delta_money": r["delta_money"], "joins": r["joins"]}
            for n in nations for r in n.get("binding") or []]
    return pd.DataFrame(rows, columns=["nation", "kind", "reason", "delta", "delta_money", "joins"])
