"""Lexicographic (hierarchical) objectives: the terms in priority order on one session.

Each stage minimises one term; every later stage keeps the earlier terms within
a relative tolerance of their optimum (docs/model.md decision 8). Terms not
listed are minimised last with their weights (the shortfall at weight 1). The
stage rows are removed and the weighted objective restored afterwards.
"""

from __future__ import annotations

import time
from dataclasses import replace

from models.objective import model_weights
from solver.engine.core import Engine, Run, SolveOptions


def solve_stages(session: Engine, stages: tuple[str, ...], tolerance: float, o: SolveOptions) -> Run:
    """Optimise ``stages`` in order; the run carries each stage's value and tolerance."""
    weights = model_weights(session.instance.settings.weights)
    deadline = time.perf_counter() + o.time_limit
    held, info, run = [], [], None
    plan = [(t, {t: 1.0}, tolerance) for t in stages]
    rest = {t: w for t, w in weights.items() if t not in stages and w > 0}
    if rest:
        plan.append(("+".join(rest), rest, None))
    try:
        for label, part, tol in plan:
            expr = session.objective_of(part)
            session.set_objective(expr)
            run = session.run_with(replace(o, time_limit=deadline - time.perf_counter()))
            info.append({"stage": label, "status": str(run.status), "value": run.objective, "bound": run.bound,
                         "time_s": round(run.time_s, 4), "tolerance": tol})
            if not run.status.has_solution:
                break
            if tol is not None:
                v = run.objective
                slack = tol * abs(v) + 1e-6 * max(1.0, abs(v))
                held.append(session.add_row(session.objective_of(part) <= v + slack, prefix=f"lex_{label}"))
    finally:
        for con in held:
            session.remove_constraint(con)
        session.restore_objective()
    run.stages = info
    return run
