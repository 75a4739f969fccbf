"""Benchmark of the mission over time: a 1,000-asset catalogue force list over 8 periods.

Run on demand (not collected by pytest): ``python -m benchmarks.time_bench [--seeds 1 2]
[--factor 0.34] [--naive]``. Each seed's catalogue (benchmarks/families.py) gets
``mission: {periods: 8, tour: 1, dwell: 2}`` and every requirement scaled by
``--factor`` (1:2 rotations need three units per unit in theatre, and the catalogue
asks 25-40 % of what is offered, so unscaled requirements cannot be sustained: the
default 0.34 keeps the force in theatre a third of it). forcealloc's time to 1 % and
0.1 % come from its progress trace; with ``--naive``, the per-asset time-expanded
model (benchmarks/naive_time.py) is run in the same process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.families import catalogue
from solver.engine.session import Session, SolveOptions
from solver.io.validate import load_instance
from solver.io.writers import write_tables

CACHE = Path(__file__).resolve().parent / ".cache"


def instance_path(seed: int, factor: float, periods: int = 8, dwell: int = 2) -> Path:
    dest = CACHE / f"catalogue-time-{seed}-{factor:g}-{periods}-{dwell}"
    if not (dest / "instance.yaml").exists():
        tables, settings = catalogue(seed)
        tables["roles"]["requirement"] = (tables["roles"]["requirement"] * factor).round()
        settings["mission"] = {"periods": periods, "period_label": "6 months", "tour": 1, "dwell": dwell}
        write_tables(tables, settings, dest)
    return dest


def first_within(trace: list[tuple[float, float, float]], gap: float) -> float | None:
    for t, inc, bound in trace:
        if inc is not None and abs(inc) < 1e300 and abs(inc - bound) <= gap * max(1.0, abs(inc)):
            return round(t, 2)
    return None


def run_forcealloc(path: Path, gap: float, time_limit: float) -> dict:
    t0 = time.perf_counter()
    trace: list = []
    inst = load_instance(path)
    s = Session(inst, SolveOptions(mip_gap=gap, time_limit=time_limit),
                progress=lambda d: trace.append((time.perf_counter() - t0, d["incumbent"], d["bound"])))
    built = time.perf_counter() - t0
    sol = s.solve()
    total = time.perf_counter() - t0
    if sol.objective is not None:
        trace.append((total, sol.objective, sol.bound if sol.bound is not None else sol.objective))
    return {"status": str(sol.status), "objective": sol.objective, "gap": sol.mip_gap, "build_s": round(built, 2),
            "total_s": round(total, 2), "to_1pct_s": first_within(trace, 0.01), "to_0.1pct_s": first_within(trace, 1e-3),
            "variables": sol.solver.get("variables"), "constraints": sol.solver.get("constraints"),
            "sustainment": (sol.mission or {}).get("sustainment")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--factor", type=float, default=0.34)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--naive", action="store_true")
    a = ap.parse_args()
    for seed in a.seeds:
        path = instance_path(seed, a.factor)
        out = {"seed": seed, "factor": a.factor, "forcealloc": run_forcealloc(path, a.gap, a.time_limit)}
        if a.naive:
            from benchmarks.naive_time import solve as naive_solve  # noqa: PLC0415

            r = naive_solve(load_instance(path), mip_gap=a.gap, time_limit=a.time_limit)
            trace = r.pop("trace")
            if r["status"].endswith("kOptimal"):
                trace.append((r["total_s"], r["objective"], r["bound"]))
            r["to_1pct_s"], r["to_0.1pct_s"] = first_within(trace, 0.01), first_within(trace, 1e-3)
            out["naive"] = r
        print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
