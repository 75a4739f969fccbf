"""Withdrawals on a 1,000-asset catalogue force list with 10 hesitant nations (issue 20).

Not a pytest benchmark (too slow for the default run): ``python -m benchmarks.robust_bench
[SEED ...]`` prints, per seed, the K = 0 solve and the K = 2 solve without recourse, both to
0.1 %, and K = 1 with recourse to 1 % (limit 300 s), with their times, gaps and sizes. The
hesitant nations are the last ten (C30 ... C39). With every fourth nation (C00, C04, ...,
C36; C00 is a big lead nation) K = 2 is infeasible on seed 0: no plan survives any two of
them leaving (proven in 0.9 s); benchmarks/NOTES-robust.md has the numbers.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks.families import catalogue
from solver.engine.session import Session, SolveOptions
from solver.io import load_instance
from solver.io.robust_spec import resolve_robust
from solver.io.writers import write_tables

HESITANT = [f"C{i:02d}" for i in range(30, 40)]


def instance_path(seed: int, dest: Path) -> Path:
    tables, settings = catalogue(seed)
    tables["nations"]["hesitant"] = tables["nations"]["nation"].isin(HESITANT)
    return write_tables(tables, settings, dest / f"catalogue-{seed}")


def run(seed: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        inst = load_instance(instance_path(seed, Path(tmp)))
        for label, k, recourse, gap, limit in (("K=0", 0, False, 1e-3, 600), ("K=2", 2, False, 1e-3, 600),
                                               ("K=1 recourse", 1, True, 1e-2, 300)):
            spec = resolve_robust(inst, survive=k, recourse=recourse)
            t0 = time.perf_counter()
            s = Session(inst, SolveOptions(mip_gap=gap, time_limit=limit, robust=spec))
            sol = s.solve()
            wall = time.perf_counter() - t0
            row = {"seed": seed, "case": label, "status": str(sol.status), "objective": sol.objective,
                   "gap": sol.mip_gap, "wall_s": round(wall, 1), **s.size()}
            rows.append(row)
            print(row, flush=True)
    return rows


if __name__ == "__main__":
    for seed in [int(a) for a in sys.argv[1:]] or [0]:
        run(seed)
