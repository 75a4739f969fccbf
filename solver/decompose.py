"""Solve framework by framework: the choice of framework splits the search, and bounds prune.

Constraint 1 makes the model a disjunction over the frameworks, and the branch
and bound of the whole model keeps exploring frameworks that cannot win (on a
generated force list, 33 s in the framework that loses against 7.5 s in the one
that wins). Here each open framework is first bounded by its LP relaxation; the
frameworks are then solved in the order of their bounds, each with the
framework fixed and, once an allocation is known, a row that asks for a better
one; a framework whose bound is already within the gap of the best allocation
is not searched at all. The proof is the smallest of the frameworks' proven
bounds. The order and the rows are fixed by the data, so the same input and
options give the same allocation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from solver.adapter import RunResult
from solver.status import Status

if TYPE_CHECKING:
    from solver.session import Session


def solve_by_framework(s: Session, frameworks: list[str], start: Callable[[list[str]], object]) -> RunResult:
    """The best allocation over ``frameworks`` (each searched apart), with the global bound."""
    o = s.options
    deadline = time.perf_counter() + o.time_limit
    bounds: dict[str, float] = {}
    nodes = iterations = 0
    for f in frameworks:
        with s.forced(framework=f):
            r = s.run(time_limit=max(1e-3, deadline - time.perf_counter()), relaxation=True)
        bounds[f] = r.objective if r.status.has_solution else math.inf
        iterations += r.lp_iterations
    best, stopped, proven = None, "", {}
    for f in sorted(frameworks, key=lambda f: (bounds[f], f)):
        if bounds[f] == math.inf:
            proven[f] = math.inf  # the LP is infeasible: so is the MIP
            continue
        if best is not None and bounds[f] >= best.objective - o.mip_gap * max(1.0, abs(best.objective)):
            proven[f] = bounds[f]  # cannot do better than the gap allows: not searched
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            proven[f] = bounds[f]
            stopped = "time limit reached"
            continue
        with s.forced(framework=f):
            cut = None
            if best is not None:  # only a better allocation is of use
                cut = s.add_constraint(s.model.objective.expr <= best.objective - 1e-6 * max(1.0, abs(best.objective)),
                                       prefix="better_than")
            try:
                r = s.run(time_limit=left, start=start([f]))
            finally:
                if cut is not None:
                    s.remove_constraint(cut)
        nodes, iterations = nodes + r.nodes, iterations + r.lp_iterations
        if r.status.has_solution:
            best = r
            proven[f] = r.bound if r.bound is not None else r.objective
            if r.status == Status.FEASIBLE:
                stopped = r.message
        elif r.status == Status.INFEASIBLE:
            proven[f] = best.objective if best is not None else math.inf
        else:
            proven[f] = bounds[f]
            stopped = r.message or str(r.status)
        if r.status == Status.ERROR:
            return r
    return _combine(s, best, proven, stopped, nodes, iterations, time.perf_counter() - (deadline - o.time_limit))


def _combine(s: Session, best, proven: dict[str, float], stopped: str, nodes: int, iterations: int,
             wall: float) -> RunResult:
    if best is None:
        status = Status.TIME_LIMIT if stopped else Status.INFEASIBLE
        return RunResult(status=status, message=stopped, time_s=wall, nodes=nodes, lp_iterations=iterations)
    bound = min(proven.values())
    gap = max(0.0, (best.objective - bound) / max(1.0, abs(best.objective)))
    status = Status.FEASIBLE if stopped and gap > s.options.mip_gap else Status.OPTIMAL
    run = RunResult(status=status, message=stopped if status == Status.FEASIBLE else "", time_s=wall, nodes=nodes,
              lp_iterations=iterations, objective=best.objective, bound=bound, gap=gap, columns=best.columns)
    run.counts, run.framework = best.counts, best.framework
    return run
