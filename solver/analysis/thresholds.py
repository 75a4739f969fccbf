"""Each framework's own optimum, and the thresholds of the choice (MODEL.md v3, "Thresholds").

C_f is framework f's optimum without its approval-risk term and r_f = -ln P_f, so f's
objective is C_f + W r_f (W the approval_risk weight). The risk term is a constant once
f is held, so f's optimum under the full objective is also its optimum of C_f: one
forced re-solve per open framework on the SAME session (the plain optimum's own
framework is reused, not solved again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.engine.session import Forcing, Session
from solver.results.solution import Solution


@dataclass
class FrameworkOptimum:
    """Framework f's best plan (None when f cannot carry the force) and C_f, r_f."""

    framework: str
    solution: Solution | None
    risk: float  # r_f = -ln P_f

    @property
    def feasible(self) -> bool:
        return self.solution is not None and self.solution.status.has_solution

    @property
    def without_risk(self) -> float:
        """C_f: the objective without the approval-risk term."""
        s = self.solution
        return s.objective - s.weights.get("approval_risk", 0.0) * s.terms["approval_risk"]


def open_frameworks(session: Session) -> list[str]:
    """Frameworks the model may choose (not closed by a veto)."""
    y = session.model.framework
    return [f for f in session.data.frameworks if y[f].ub != 0]


def framework_optima(session: Session, *, known: Solution | None = None,
                     time_limit: float | None = None) -> dict[str, FrameworkOptimum]:
    """Every framework's optimum by forced re-solves on this session, weighted objective
    (lexicographic priorities set aside). ``known``: a solution already proven optimal for
    its framework (the plain optimum), reused. ``time_limit``: seconds per re-solve (default
    the session's); a re-solve stopped by it reports its gap. Vetoed frameworks come back
    infeasible."""
    data = session.data
    out: dict[str, FrameworkOptimum] = {}
    overrides = {"lexicographic": ()} | ({} if time_limit is None else {"time_limit": time_limit})
    for f in data.frameworks:
        if f not in open_frameworks(session):
            out[f] = FrameworkOptimum(f, None, data.risk[f])
            continue
        if known is not None and known.framework == f and known.status.has_solution and not known.stages:
            out[f] = FrameworkOptimum(f, known, data.risk[f])
            continue
        sol = session.solve(forcing=Forcing(framework=f), overrides=overrides)
        out[f] = FrameworkOptimum(f, sol if sol.status.has_solution else None, data.risk[f])
    return out


def thresholds(*, chosen: str, optima: dict[str, FrameworkOptimum], weight: float,
               has_group: bool) -> dict:
    """The approval floor of the chosen framework and the range of the approval weight in
    which it stays best, per MODEL.md; null entries where it says so."""
    me = optima[chosen]
    cf, rf = me.without_risk, me.risk
    others = [o for g, o in optima.items() if g != chosen and o.feasible]
    floor = successor = None
    if weight > 0 and has_group and others:
        best = min(others, key=lambda o: (o.without_risk + weight * o.risk, o.framework))
        floor = math.exp((cf - (best.without_risk + weight * best.risk)) / weight)
        successor = best.framework
    low = high = low_by = high_by = None
    for o in sorted(others, key=lambda o: o.framework):
        dr = rf - o.risk
        if abs(dr) < 1e-12:
            continue  # the same risk: W never flips the two
        end = (o.without_risk - cf) / dr
        if dr > 0 and (high is None or end < high):  # f riskier: it loses as W grows past end
            high, high_by = end, o.framework
        elif dr < 0 and (low is None or end > low):  # f safer: it loses as W falls below end
            low, low_by = end, o.framework
    if low is not None and low < 0:
        low = low_by = None
    if high is not None and high < 0:
        high = high_by = None
    return {"framework": chosen, "approval_floor": floor, "successor": successor,
            "weight_range": [low, high], "weight_successors": [low_by, high_by]}


def basis(optima: dict[str, FrameworkOptimum]) -> dict:
    """What the thresholds rest on: each framework's C_f, r_f, its proven gap."""
    out = {}
    for f, o in optima.items():
        out[f] = {"feasible": o.feasible, "risk": o.risk,
                  "objective_without_risk": o.without_risk if o.feasible else None,
                  "mip_gap": o.solution.mip_gap if o.feasible else None}
    return out
