"""One end-to-end run of a case, measured stage by stage."""

from __future__ import annotations

import resource
import tempfile
import time
from dataclasses import replace

from benchmarks.cases import Case
from solver.engine.session import Session
from solver.io import load_instance
from solver.io.robust_spec import resolve_robust
from solver.io.writers import write_solution


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(case: Case) -> dict:
    """Load, validate, build, translate, solve and write; every figure of the run."""
    path = case.path()
    t0 = time.perf_counter()
    inst = load_instance(path)
    t1 = time.perf_counter()
    options = replace(case.options, robust=resolve_robust(inst, survive=case.survive)) if case.survive else case.options
    session = Session(inst, options)
    t2 = time.perf_counter()
    sol = session.solve()
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_solution(sol, tmp)
    t4 = time.perf_counter()
    highs = float(sol.solver["time_s"])
    out = {
        "case": case.name,
        "assets": len(inst.assets),
        "status": str(sol.status),
        "objective": sol.objective,
        "gap": sol.mip_gap,
        "wall_s": t4 - t0,
        "load_s": t1 - t0,
        "build_total_s": t2 - t1,
        "solve_total_s": t3 - t2,
        "highs_s": highs,
        "write_s": t4 - t3,
        "overhead_s": (t4 - t0) - highs,
        "peak_rss_mb": peak_rss_mb(),
    }
    for k in ("eligibility_s", "build_s", "translate_s", "greedy_s", "variables", "constraints", "nonzeros",
              "nodes", "lp_iterations"):
        out[k] = sol.solver.get(k)
    if sol.gap_objective is not None:
        out["gap_objective"] = sol.gap_objective
    return out
