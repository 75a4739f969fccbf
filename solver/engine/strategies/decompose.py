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
from dataclasses import replace

from solver.domain.status import Status
from solver.engine.core import Engine, Forcing, Run, SolveOptions


def solve_by_framework(s: Engine, frameworks: list[str], start: Callable[[list[str]], object],
                       o: SolveOptions) -> Run:
    """The best allocation over ``frameworks`` (each searched apart), with the global bound."""
    deadline = time.perf_counter() + o.time_limit
    bounds: dict[str, float] = {}
    nodes = iterations = 0
    for f in frameworks:
        r = s.search(forcing=Forcing(framework=f), relaxation=True,
                     overrides={"time_limit": max(1e-3, deadline - time.perf_counter())})
        if r.status == Status.ERROR:
            return r
        # an infeasible LP: so is the MIP; a relaxation stopped short bounds nothing
        bounds[f] = r.objective if r.status == Status.OPTIMAL else math.inf if r.status == Status.INFEASIBLE else -math.inf
        iterations += r.lp_iterations
    best, stopped, proven = None, "", {}
    for f in sorted(frameworks, key=lambda f: (bounds[f], f)):
        if bounds[f] == math.inf:
            proven[f] = math.inf
            continue
        if best is not None and bounds[f] >= best.objective - o.mip_gap * max(1.0, abs(best.objective)):
            proven[f] = bounds[f]  # cannot do better than the gap allows: not searched
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            proven[f] = bounds[f]
            stopped = "time limit reached"
            continue
        with s.forced(framework=f), s.scratch():
            if best is not None:  # only a better allocation is of use
                s.add_row(s.model.objective.expr <= best.objective - 1e-6 * max(1.0, abs(best.objective)),
                          prefix="better_than")
            r = s.run_with(replace(o, time_limit=left), start=start([f]),
                           progress=overall_progress(s.progress, f, best, bounds, proven))
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
    return _combine(o, best, proven, stopped, nodes, iterations, time.perf_counter() - (deadline - o.time_limit))


def overall_progress(report, f: str, best, bounds: dict[str, float], proven: dict[str, float]):
    """While framework ``f`` is searched, report progress over all frameworks: the best
    allocation so far, and a bound that is the smallest of every framework's (the ones not
    searched yet by their LP bound). HiGHS alone would report f's bound, a gap that is not one."""
    if report is None:
        return None
    others = [proven.get(g, bounds[g]) for g in bounds if g != f]

    def overall(d: dict) -> None:
        inc, bound = d.get("incumbent"), d.get("bound")
        if bound is None or not math.isfinite(bound) or abs(bound) >= 1e20:
            bound = bounds[f]  # no bound from HiGHS yet: f's LP bound holds
        if best is not None:  # f is searched under "better than best": its bound is at most best
            inc = best.objective if inc is None or not math.isfinite(inc) or inc > best.objective else inc
            bound = min(bound, best.objective)
        bound = min([bound, *others])
        gap = d.get("gap")
        if inc is not None and bound is not None and math.isfinite(inc) and math.isfinite(bound) and abs(inc) < 1e20:
            gap = max(0.0, (inc - bound) / max(1.0, abs(inc)))
        report({**d, "incumbent": inc, "bound": bound, "gap": gap})

    return overall


def _combine(o: SolveOptions, best, proven: dict[str, float], stopped: str, nodes: int, iterations: int,
             wall: float) -> Run:
    if best is None:
        status = Status.TIME_LIMIT if stopped else Status.INFEASIBLE
        return Run(status=status, message=stopped, time_s=wall, nodes=nodes, lp_iterations=iterations)
    bound = min(proven.values())
    gap = max(0.0, (best.objective - bound) / max(1.0, abs(best.objective))) if math.isfinite(bound) else None
    bound = bound if math.isfinite(bound) else None  # a framework left with no bound at all
    status = Status.FEASIBLE if stopped and (gap is None or gap > o.mip_gap) else Status.OPTIMAL
    return Run(status=status, message=stopped if status == Status.FEASIBLE else "", time_s=wall, nodes=nodes,
               lp_iterations=iterations, objective=best.objective, bound=bound, gap=gap, columns=best.columns,
               counts=best.counts, framework=best.framework)
