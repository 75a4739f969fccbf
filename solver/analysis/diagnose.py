"""Why an instance is infeasible, in a planner's words.

For each framework: vetoed (and by whom), or the roles that cannot be covered
under it. Cheap counting checks come first (not enough eligible strength, too
few nations, must-deploy assets with nowhere to go); when they find nothing the
elastic model (``models.elastic``) is solved under that framework to name the
roles that fall short once budgets, burden shares, capacities and links bind,
and failing that, constraint families are dropped one at a time to find which
ones conflict.
"""

from __future__ import annotations

from dataclasses import replace

from models.elastic import make_elastic
from models.eligibility import ModelData, strength_required, usable_under
from solver.engine.core import Engine, Forcing
from solver.engine.session import Session

FAMILIES = {
    "deploy": "must-deploy assets (constraint 3)",
    "consent": "consent to frameworks (constraint 4)",
    "capacity": "role capacities (constraint 6)",
    "burden_share": "burden shares (constraint 10)",
    "budget": "national budgets (constraint 11)",
    "enabler_share": "enabler shares (constraint 12)",
    "requires_nation": "nation links (constraint 13)",
    "requires_role": "role links (constraint 13)",
}


def _static_reasons(data: ModelData, f: str) -> list[str]:
    opt, units, roles = data.options, data.units, data.roles
    usable = usable_under(data, f)
    reasons = []
    for r in roles.index:
        if f not in roles.at[r, "frameworks"]:
            continue
        sel = usable & (opt["role"].to_numpy() == r)
        req = float(roles.at[r, "requirement"])
        hard = roles.at[r, "shortfall_penalty"] != roles.at[r, "shortfall_penalty"]
        most = float((opt["contribution"].to_numpy() * opt["ub"].to_numpy())[sel].sum())
        if hard and req > 0 and most < req - 1e-9:
            who = sorted(set(opt.loc[sel, "nation"]))
            reasons.append(
                f"role '{r}' cannot be covered: eligible assets give at most {most:g} of {req:g}"
                + (f" (from {', '.join(who)})" if who else " (no eligible asset)")
            )
        need = int(roles.at[r, "min_nations"])
        have = len(set(opt.loc[sel, "nation"]))
        if need > have:
            reasons.append(f"role '{r}' needs {need} nations but only {have} can serve in it")
    stuck = [k for k in units.index[units["must_deploy"]] if not (usable & (opt["unit"].to_numpy() == k)).any()]
    if stuck:
        names = [a for k in stuck for a in units.at[k, "members"]]
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        reasons.append(f"must-deploy assets have no role they may fill: {shown}")
    required = strength_required(data.instance)[f]
    nats = data.nations
    for n in nats.index[nats["max_share"] < 1]:
        least, names = 0.0, []
        for k in units.index[(units["must_deploy"]) & (units["nation"] == n)]:
            sel = usable & (opt["unit"].to_numpy() == k)
            if sel.any():
                least += float(opt.loc[sel, "contribution"].min()) * int(units.at[k, "size"])
                names += list(units.at[k, "members"])
        cap = float(nats.at[n, "max_share"]) * required
        if least > cap + 1e-9:
            reasons.append(f"{nats.at[n, 'name']} must deploy {', '.join(names)} (at least {least:g} of strength) "
                           f"but its burden share allows {cap:g} ({100 * nats.at[n, 'max_share']:g} % of the "
                           f"{required:g} required under {f})")
    breadth = data.instance.settings.min_coalition_nations
    if breadth:
        nats = data.nations
        able = {n for n in opt.loc[usable, "nation"] if nats.at[n, "coalition"]}
        if len(able) < breadth:
            reasons.append(f"the coalition needs {breadth} contributing nations but only {len(able)} can contribute")
    return reasons


class _Elastic:
    """One elastic engine for a whole diagnosis: built once, searched under each framework,
    with a constraint family taken out of HiGHS for a search and put back after."""

    def __init__(self, session: Session):
        o = session.options
        self.options = replace(o, verbose=False, warm_start=False, lexicographic=(),
                               time_limit=min(o.time_limit, 60.0))
        self.engine: Engine | None = None
        self.session = session

    def _engine(self) -> Engine:
        if self.engine is None:
            s = self.session
            self.engine = Engine(s.instance, self.options, data=s.data, transform=lambda m, _i: make_elastic(m))
        return self.engine

    def search(self, f: str, drop: str | None = None):
        e = self._engine()
        rows = [c for c in getattr(e.model, drop).values() if c.active] if drop and hasattr(e.model, drop) else []
        if rows:
            e.highs.remove_constraints(rows)
        try:
            return e.search(forcing=Forcing(framework=f))
        finally:
            if rows:
                e.highs.add_constraints(rows)


def explain_framework(session: Session, f: str, elastic: _Elastic | None = None) -> list[str]:
    """Why framework f cannot carry the force (it is not vetoed)."""
    reasons = _static_reasons(session.data, f)
    if reasons:
        return reasons
    elastic = elastic or _Elastic(session)
    run = elastic.search(f)
    if run.status.has_solution:
        slack_of = elastic.engine.transformed
        for ((family, idx), v) in zip(slack_of, elastic.engine.values(run, slack_of.values()), strict=True):
            v = float(v)
            if v <= 1e-6:
                continue
            if family == "requirement":
                reasons.append(f"role '{idx}' falls short by {v:g} once budgets, burden shares, capacities and links are respected")
            elif family == "multinationality":
                reasons.append(f"role '{idx}' lacks {v:g} contributing nation(s)")
            else:
                reasons.append(f"the coalition lacks {v:g} contributing nation(s)")
    if not reasons:
        culprits = [label for family, label in FAMILIES.items() if elastic.search(f, drop=family).status.has_solution]
        reasons.append("the constraints conflict even with every requirement relaxed"
                       + (": " + "; ".join(culprits) if culprits else ""))
    return reasons


def recorded_veto(data: ModelData, f: str, lines: list[str], found: dict) -> bool:
    """A vetoed framework's finding (who vetoes it), added to ``lines`` and ``found``;
    False, adding nothing, when f is not vetoed. Every diagnosis says a veto the same way."""
    if not data.vetoes[f]:
        return False
    found[f] = {"status": "vetoed", "vetoed_by": data.vetoes[f], "reasons": []}
    lines.append(f"{f}: vetoed by {', '.join(data.vetoes[f])}")
    return True


def diagnose(session: Session) -> tuple[list[str], dict]:
    """Why no framework can carry the force: lines for the planner and the same as a dict
    (framework -> findings)."""
    data, elastic = session.data, _Elastic(session)
    lines, found = [], {}
    for f in data.frameworks:
        if recorded_veto(data, f, lines, found):
            continue
        reasons = explain_framework(session, f, elastic)
        found[f] = {"status": "infeasible", "vetoed_by": [], "reasons": reasons}
        lines.extend(f"{f}: {r}" for r in reasons)
    return lines, found
