"""Plan B (MODEL.md v3): a primary plan and a fallback if its framework is not approved.

The mode chooses f1 with plan 1 and f2 != f1 with plan 2 minimising

    P1 C1 + (1 - P1) C2 + change_penalty D

(C: the objective without its approval-risk term; D: nation-role pledges in one plan
and not the other). Exactly, and cheaply:

- C1 >= C_f1 and C2 >= C_f2 (each framework's own optimum) and D >= 0, so
  LB(f1, f2) = P1 C_f1 + (1 - P1) C_f2 bounds every plan pair of (f1, f2); with a
  change penalty of 0 the bound is attained by the two optima and the pairs separate.
- With a penalty, each pair whose bound is below the best value found is solved as
  one two-plan MILP: two copies of the built model as blocks of one Pyomo model, each
  held to its framework, with d[n,r] >= w1[n,r] - w2[n,r] and d >= w2 - w1, solved
  through the engine (``Engine.over``: the same runs as every other question); pairs
  are taken in order of their bound.

The proof is each MILP's gap (and each framework optimum's gap).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pyomo.environ as pyo

from models.build import build_model
from models.objective import model_weights, objective_expression
from solver.analysis.thresholds import FrameworkOptimum, framework_optima
from solver.domain.status import Status
from solver.engine.core import Engine, Run
from solver.engine.session import Session
from solver.results.solution import Solution


def _pledges(sol: Solution) -> set[tuple[str, str]]:
    return sol.nation_roles()


def _without_risk(sol: Solution) -> float:
    return sol.objective - sol.weights.get("approval_risk", 0.0) * sol.terms["approval_risk"]


class TwoPlans:
    """The two-plan MILP, built once and re-held to each framework pair."""

    def __init__(self, session: Session):
        self.session = session
        data = session.data
        top = pyo.ConcreteModel(name=f"{data.instance.name}-plan-b")
        b1, b2 = build_model(data), build_model(data)
        top.plan1, top.plan2 = b1.model, b2.model
        top.plan1.objective.deactivate()
        top.plan2.objective.deactivate()
        self.index = b1.index
        pairs = sorted(self.index.by_nation_role)
        top.change = pyo.Var(range(len(pairs)), domain=pyo.NonNegativeReals)
        top.change_up = pyo.Constraint(range(len(pairs)), rule=lambda m, i: m.change[i] >= m.plan1.participates[
            pairs[i]] - m.plan2.participates[pairs[i]])
        top.change_down = pyo.Constraint(range(len(pairs)), rule=lambda m, i: m.change[i] >= m.plan2.participates[
            pairs[i]] - m.plan1.participates[pairs[i]])
        weights = {**model_weights(data.instance.settings.weights), "approval_risk": 0.0}
        self.c1 = objective_expression(top.plan1, data, b1.index, weights)
        self.c2 = objective_expression(top.plan2, data, b2.index, weights)
        self.d = sum(top.change[i] for i in range(len(pairs)))
        top.objective = pyo.Objective(expr=self.c1 + self.c2, sense=pyo.minimize)
        self.model = top
        self.engine = Engine.over(top, data.instance, session.options, data)
        self.highs = self.engine.highs
        self.x1 = self.highs.cols(top.plan1.assign[k] for k in self.index.keys)
        self.x2 = self.highs.cols(top.plan2.assign[k] for k in self.index.keys)

    def solve(self, f1: str, f2: str, p1: float, penalty: float, time_limit: float) -> tuple[Run, Run, Run]:
        """The best plan pair under (f1, f2); the whole run and one Run per plan."""
        m, data, o = self.model, self.session.data, self.session.options
        for block, held in ((m.plan1, f1), (m.plan2, f2)):
            for f in data.frameworks:
                block.framework[f].setlb(1 if f == held else 0)
                block.framework[f].setub(1 if f == held else 0)
        self.highs.update_variables([b.framework[f] for b in (m.plan1, m.plan2) for f in data.frameworks])
        self.engine.set_objective(p1 * self.c1 + (1 - p1) * self.c2 + penalty * self.d)
        run = self.engine.run_with(replace(o, time_limit=time_limit))
        plans = []
        for cols, f in ((self.x1, f1), (self.x2, f2)):
            r = Run(status=run.status, message=run.message, time_s=run.time_s, nodes=run.nodes,
                    lp_iterations=run.lp_iterations, gap=run.gap, options=run.options)
            if run.columns is not None:
                r.counts = np.rint(run.columns[cols]).astype(np.int64)
                r.framework = f
            plans.append(r)
        return run, plans[0], plans[1]


def _value(p1: float, s1: Solution, s2: Solution | None, penalty: float) -> tuple[float, int]:
    if s2 is None:
        return _without_risk(s1), 0
    d = len(_pledges(s1) ^ _pledges(s2))
    return p1 * _without_risk(s1) + (1 - p1) * _without_risk(s2) + penalty * d, d


def plan_b(session: Session, *, change_penalty: float = 0.0, known: Solution | None = None,
           optima: dict[str, FrameworkOptimum] | None = None) -> tuple[dict | None, list[Solution], str]:
    """(fallback dict or None, [plan 1, plan 2] or [plan 1], reason when there is no Plan B).
    ``optima`` (each framework's optimum) is computed on ``session`` when not given."""
    optima = optima if optima is not None else framework_optima(session, known=known)
    feasible = {f: o for f, o in optima.items() if o.feasible}
    prob = {f: math.exp(-o.risk) for f, o in optima.items()}
    if not feasible:
        return None, [], "no framework can carry the force"
    # candidates: (lower bound, f1, f2); f2 None when P1 = 1 (no Plan B needed)
    cands = []
    for f1, o1 in feasible.items():
        p1 = prob[f1]
        if p1 >= 1.0 - 1e-12:
            cands.append((o1.without_risk, f1, None))
            continue
        for f2, o2 in feasible.items():
            if f2 != f1:
                cands.append((p1 * o1.without_risk + (1 - p1) * o2.without_risk, f1, f2))
    if not cands:  # one feasible framework, approved with P < 1: plan 1 alone
        (f1, o1), = feasible.items()
        return None, [o1.solution], (f"only the {f1} can carry the force: fewer than two feasible frameworks, "
                                     "no Plan B")
    cands.sort(key=lambda c: (c[0], c[1], c[2] or ""))
    best = None  # (value, d, f1, f2, s1, s2, proof)
    gaps = [o.solution.mip_gap or 0.0 for o in feasible.values()]
    o = session.options
    two: TwoPlans | None = None
    solved = 0
    pair_gaps: list[list] = []  # [f1, f2, the two-plan MILP's proven gap]
    unproven = [f"{f}: {fo.solution.solver.get('message') or fo.solution.status}" for f, fo in feasible.items()
                if fo.solution.status != Status.OPTIMAL]
    for lb, f1, f2 in cands:
        if best is not None and lb >= best[0] - o.mip_gap * max(1.0, abs(best[0])):
            break  # sorted by bound: no later pair can do better
        s1 = feasible[f1].solution
        if f2 is None or change_penalty == 0:
            s2 = feasible[f2].solution if f2 is not None else None
            value, d = _value(prob[f1], s1, s2, change_penalty)
        else:
            two = two or TwoPlans(session)
            run, r1, r2 = two.solve(f1, f2, prob[f1], change_penalty, o.time_limit)
            solved += 1
            if not run.status.has_solution:
                unproven.append(f"{f1}/{f2}: {run.message or run.status}")
                continue
            if run.status != Status.OPTIMAL:
                unproven.append(f"{f1}/{f2}: {run.message or run.status}, gap {100 * (run.gap or 0):.3g} %")
            gaps.append(run.gap or 0.0)
            pair_gaps.append([f1, f2, run.gap])
            s1, s2 = session.solution(r1), session.solution(r2)
            value, d = _value(prob[f1], s1, s2, change_penalty)
        if best is None or value < best[0] - 1e-9:
            best = (value, d, f1, f2, s1, s2)
    if best is None:
        return None, [known] if known is not None else [], "no plan pair was found within the time limit"
    value, d, f1, f2, s1, s2 = best
    how = (f"{solved} two-plan MILP(s) solved, the other framework pairs pruned by the bound P1 C_f1 + (1 - P1) "
           "C_f2" if change_penalty else "with no change penalty the pairs separate into each framework's own "
           "optimum")
    if unproven:
        proof = (f"NOT proven to the relative MIP gap {o.mip_gap:g}: stopped short in " + "; ".join(unproven)
                 + f" (largest proven gap {100 * max(gaps):.3g} %); {how}")
    else:
        proof = (f"exact to the relative MIP gap {o.mip_gap:g}: every framework's own optimum proven (largest gap "
                 f"{100 * max(gaps):.3g} %); {how}")
    if f2 is None:
        return None, [s1], f"the {f1} is certain to be approved (probability 1): no Plan B is needed ({proof})"
    p1 = prob[f1]
    w1, w2 = _pledges(s1), _pledges(s2)
    m1, m2 = s1.money["total"], s2.money["total"]
    fb = {
        "primary": f1, "fallback": f2, "p_primary": p1, "p_fallback": prob[f2],
        "expected_objective": p1 * _without_risk(s1) + (1 - p1) * _without_risk(s2),
        "value": value, "changes_count": d, "expected_money": p1 * m1 + (1 - p1) * m2,
        "change_penalty": change_penalty,
        "common": [list(x) for x in sorted(w1 & w2)],
        "changes": [{"nation": n, "role": r, "in": "primary"} for n, r in sorted(w1 - w2)]
        + [{"nation": n, "role": r, "in": "fallback"} for n, r in sorted(w2 - w1)],
        "proof": proof,
        "gaps": {"frameworks": {f: fo.solution.mip_gap for f, fo in feasible.items()}, "pairs": pair_gaps},
    }
    return fb, [s1, s2], ""
