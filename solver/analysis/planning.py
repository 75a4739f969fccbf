"""What a solve adds for a planner (issue 19): a held framework against the free optimum,
the thresholds of the choice, and Plan B — all on the one Session of the solve."""

from __future__ import annotations

import time

from solver.analysis.fallback import plan_b
from solver.analysis.thresholds import basis, framework_optima, thresholds
from solver.domain.errors import OptionError
from solver.domain.status import Status
from solver.engine.session import Forcing, Run, Session
from solver.results.solution import Solution


def check_framework(session: Session, framework: str | None) -> None:
    """An unknown framework is bad input (exit 2)."""
    if framework is not None and framework not in session.data.frameworks:
        raise OptionError("--framework", f"a framework of the instance ({', '.join(session.data.frameworks)}), "
                                         f"not {framework!r}")


def _delta(a, b):
    return None if a is None or b is None else round(a - b, 9) + 0.0


def solve_held(session: Session, *, framework: str) -> Solution:
    """The optimum with ``framework`` held, and what holding it changes against the free
    optimum: objective difference and money difference, labelled as such."""
    vetoed = session.data.vetoes.get(framework)
    if vetoed:  # closed by constraint 2: forcing it would ask HiGHS for y = 1 with an upper bound of 0
        sol = session.solution(Run(status=Status.INFEASIBLE, message=f"{framework} is vetoed"))
    else:
        sol = session.solve(forcing=Forcing(framework=framework))
    free = session.solve()
    held = {"framework": framework,
            "free_optimum": {"status": str(free.status), "framework": free.framework, "objective": free.objective,
                             "money": (free.money or {}).get("total")},
            "delta_objective": None, "delta_money": None,
            "note": "delta_objective: the held plan's objective minus the free optimum's (money, penalties and "
                    "weights together; not a cost); delta_money: the same for money in the instance's units"}
    if sol.status.has_solution and free.status.has_solution:
        held["delta_objective"] = _delta(sol.objective, free.objective)
        held["delta_money"] = _delta(sol.money["total"], free.money["total"])
    sol.extra["framework_held"] = held
    sol.extra["thresholds"] = None  # a held framework has no thresholds (MODEL.md)
    return sol


def has_group(session: Session, framework: str) -> bool:
    inst = session.instance
    return bool(inst.group_members(str(inst.frameworks.at[framework, "approval_group"])))


def add_thresholds(session: Session, sol: Solution, *, optima=None, time_limit: float | None = None) -> dict | None:
    """solution.json ``thresholds`` (null under lexicographic priorities); the extra solve
    time is recorded in solver.thresholds_s."""
    s = session.instance.settings
    if session.stages() is not None or not sol.status.has_solution:
        sol.extra["thresholds"] = None
        return None
    t0 = time.perf_counter()
    optima = optima if optima is not None else framework_optima(session, known=sol, time_limit=time_limit)
    th = thresholds(chosen=sol.framework, optima=optima, weight=float(s.weights.get("approval_risk", 0.0)),
                    has_group=has_group(session, sol.framework))
    sol.extra["thresholds"] = th
    sol.extra["threshold_basis"] = basis(optima)
    sol.solver["thresholds_s"] = round(time.perf_counter() - t0, 4)
    return th


def solve_fallback(session: Session, *, change_penalty: float, with_thresholds: bool = True) -> Solution:
    """Plan B: plan 1 as the top-level solution with ``fallback`` and ``plans``."""
    free = session.solve()
    if not free.status.has_solution:
        free.extra.update(fallback=None, fallback_reason="no framework can carry the force", plans=[])
        return free
    t0 = time.perf_counter()
    optima = framework_optima(session, known=free)
    fb, plans, reason = plan_b(session, change_penalty=change_penalty, known=free, optima=optima)
    sol = plans[0] if plans else free
    if with_thresholds:
        add_thresholds(session, free, optima=optima)
        sol.extra["thresholds"] = free.extra.get("thresholds")
        sol.extra["threshold_basis"] = free.extra.get("threshold_basis")
    sol.extra["fallback"] = fb
    if fb is None:
        sol.extra["fallback_reason"] = reason
    sol.extra["plans"] = plans
    sol.solver["fallback_s"] = round(time.perf_counter() - t0, 4)
    return sol


BRIEF_FALLBACK_BELOW = 0.5  # the brief leads with Plan B below this approval chance


def brief_fallback(session: Session, sol: Solution) -> tuple[dict | None, str | None]:
    """For the brief: Plan B (instance.yaml's change penalty) when the chosen framework's
    approval chance is below 50 %, as (the fallback dict of solution.json, or None, and
    the reason there is none); (None, None) when not asked for. Uses the plan already in
    ``sol`` when it was solved with --fallback."""
    if "fallback" in sol.extra:
        return sol.extra["fallback"], sol.extra.get("fallback_reason")
    p = sol.approval_probability
    if not sol.status.has_solution or p is None or p >= BRIEF_FALLBACK_BELOW:
        return None, None
    planned = solve_fallback(session, change_penalty=session.instance.settings.fallback_change_penalty,
                             with_thresholds=False)
    fb = planned.extra.get("fallback")
    if fb is not None:
        fb = {**fb, "money": [p.money for p in planned.extra.get("plans", [])]}
    return fb, planned.extra.get("fallback_reason")
