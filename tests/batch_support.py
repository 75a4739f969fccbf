"""What the batch tests share: the CLI in a subprocess, the summary as written, the columns
two runs of one batch must agree on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

FORCEALLOC = [sys.executable, "-m", "solver"]
COMPARE = ["scenario", "status", "objective", "cost", "shortfall", "approval_risk", "enabler_dependence",
           "framework", "nations", "nation_list", "total_shortfall", "delta_objective", "delta_cost",
           "delta_shortfall", "nations_join", "nations_leave", "roles_short", "error"]


def _summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "summary.csv").sort_values("scenario").reset_index(drop=True)


def _cli(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*FORCEALLOC, *map(str, args)], capture_output=True, text=True, timeout=timeout)
