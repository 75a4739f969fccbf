"""The scaling curve: time and peak memory against assets for S, M, L and XL.

Each size runs end to end in a fresh process (so its peak memory is its own):

    python -m benchmarks.scale            # all sizes, prints JSON lines
    python -m benchmarks.scale --report   # also writes benchmarks/scaling.json and scaling.png

L is solved to a 0.1 % gap with a 600 s limit and XL with a 240 s limit (the
targets of the benchmarks issue); S and M to HiGHS's default gap.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS = {"S": (1e-4, 300), "M": (1e-4, 600), "L": (1e-3, 600), "XL": (1e-4, 240)}


def one(size: str) -> dict:
    from benchmarks.cases import Case
    from benchmarks.measure import measure
    from solver.engine.session import SolveOptions

    gap, limit = SETTINGS[size]
    return measure(Case(size, f"generate:{size}:1", options=SolveOptions(mip_gap=gap, time_limit=limit)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=list(SETTINGS))
    ap.add_argument("--report", action="store_true")
    args = ap.parse_args()
    if args.size:
        print(json.dumps(one(args.size)))
        return
    rows = []
    for size in SETTINGS:
        r = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--size", size], capture_output=True, text=True,
                           cwd=HERE.parent, check=True)
        row = json.loads(r.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.report:
        (HERE / "scaling.json").write_text(json.dumps(rows, indent=2) + "\n")
        plot(rows, HERE / "scaling.png")


def plot(rows: list[dict], dest: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assets = [r["assets"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.loglog(assets, [r["wall_s"] for r in rows], "o-", label="end to end")
    a.loglog(assets, [r["highs_s"] for r in rows], "s--", label="HiGHS")
    a.loglog(assets, [r["overhead_s"] for r in rows], "^:", label="everything but HiGHS")
    a.set_xlabel("assets")
    a.set_ylabel("seconds")
    a.set_title("time against instance size")
    a.legend()
    b.loglog(assets, [r["peak_rss_mb"] for r in rows], "o-")
    b.set_xlabel("assets")
    b.set_ylabel("peak memory (MB)")
    b.set_title("peak memory against instance size")
    for ax in (a, b):
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(dest, dpi=110)


if __name__ == "__main__":
    main()
