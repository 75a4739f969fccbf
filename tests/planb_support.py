"""A tiny two-role instance for Plan B, thresholds and money, written by hand, and a brute
force over its plans that reads the same hand data (never forcealloc's reader or model).

Frameworks: A (group nato: N1 approves with probability pA, setup 10), B (group eu: N2
approves with pB, setup 30), U (group unsc_p5: P5 vetoes; setup 0). N1 does not serve
under B; asset a3 is available under B only. Roles R (requirement 10) and S (5).
"""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import yaml
from spec import COLUMNS

# asset: (nation, role it can fill, strength, cost, frameworks it is available under or None)
ASSETS = {
    "a1": ("N1", "R", 10, 100.0, None),
    "a2": ("N2", "R", 10, 150.0, None),
    "a3": ("N2", "R", 10, 120.0, ["B"]),
    "b1": ("N1", "S", 5, 20.0, None),
    "b2": ("N2", "S", 5, 30.0, None),
}
REQUIRED = {"R": 10, "S": 5}
SETUP = {"A": 10.0, "B": 30.0, "U": 0.0}
NO_SERVICE = {("N1", "B")}  # (nation, framework) pairs where the nation does not contribute


def write_tiny(dest: Path, *, p_a: float = 0.5, p_b: float = 0.9, weight: float = 50.0,
               penalty: float | None = None, b_open: bool = True) -> Path:
    """The instance as a CSV folder. ``b_open`` False: N2 will not serve under B either,
    so only A can carry the force."""
    dest.mkdir(parents=True, exist_ok=True)
    no_service = set(NO_SERVICE) | (set() if b_open else {("N2", "B")})
    rows = {
        "nations": [{"nation": "N1", "name": "Nation one", "nato": "yes"},
                    {"nation": "N2", "name": "Nation two", "eu": "yes"},
                    {"nation": "P5", "name": "Permanent five", "unsc_p5": "yes", "coalition": "no"}],
        "frameworks": [{"framework": "A", "name": "Alliance", "approval_group": "nato", "setup_cost": SETUP["A"]},
                       {"framework": "B", "name": "Bloc", "approval_group": "eu", "setup_cost": SETUP["B"]},
                       {"framework": "U", "name": "Union", "approval_group": "unsc_p5", "setup_cost": SETUP["U"]}],
        "consent": [{"nation": "N1", "framework": "A", "approval_probability": p_a},
                    {"nation": "N2", "framework": "B", "approval_probability": p_b,
                     "contributes": "no" if ("N2", "B") in no_service else "yes"},
                    {"nation": "P5", "framework": "U", "approval": "veto"}]
        + [{"nation": n, "framework": f, "contributes": "no"} for n, f in sorted(no_service) if n != "N2"],
        "roles": [{"role": r, "name": f"Role {r}", "requirement": v} for r, v in REQUIRED.items()],
        "assets": [{"asset": a, "nation": n, "capability": f"cap{r}", "strength": s, "cost": c,
                    "available_under": ";".join(fs) if fs else ""} for a, (n, r, s, c, fs) in ASSETS.items()],
        "capabilities": [{"capability": f"cap{r}", "role": r} for r in REQUIRED],
    }
    for table, cols in COLUMNS.items():
        with open(dest / f"{table}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for r in rows.get(table, []):
                w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    settings = {"name": "tiny-planb", "objective": {"cost": 1.0, "approval_risk": weight},
                "units": {"cost": "EUR million"}}
    if penalty is not None:
        settings["fallback"] = {"change_penalty": penalty}
    (dest / "instance.yaml").write_text(yaml.safe_dump(settings))
    return dest


# --------------------------------------------------------------------------- brute force
def plans(framework: str, *, b_open: bool = True) -> list[tuple[float, frozenset]]:
    """Every feasible plan under a framework: (C = money, the pledges (nation, role))."""
    if framework == "U":
        return []  # vetoed
    no_service = set(NO_SERVICE) | (set() if b_open else {("N2", "B")})
    usable = [a for a, (n, _r, _s, _c, fs) in ASSETS.items()
              if (n, framework) not in no_service and (fs is None or framework in fs)]
    out = []
    for k in range(len(usable) + 1):
        for chosen in itertools.combinations(usable, k):
            cover = {r: sum(ASSETS[a][2] for a in chosen if ASSETS[a][1] == r) for r in REQUIRED}
            if all(cover[r] >= REQUIRED[r] for r in REQUIRED):
                out.append((sum(ASSETS[a][3] for a in chosen) + SETUP[framework],
                            frozenset((ASSETS[a][0], ASSETS[a][1]) for a in chosen)))
    return out


def best_plan_value(framework: str, *, b_open: bool = True) -> float | None:
    found = plans(framework, b_open=b_open)
    return min(c for c, _ in found) if found else None


def brute_plan_b(*, p: dict[str, float], penalty: float, b_open: bool = True) -> tuple[float, str, str | None]:
    """min over (f1, plan 1, f2 != f1, plan 2) of P1 C1 + (1 - P1) C2 + penalty D, and
    over f1 with P1 = 1 of C1 alone: (value, f1, f2 or None)."""
    best = (math.inf, "", None)
    for f1 in ("A", "B", "U"):
        for c1, w1 in plans(f1, b_open=b_open):
            if p[f1] >= 1.0:
                best = min(best, (c1, f1, None), key=lambda t: t[0])
                continue
            for f2 in ("A", "B", "U"):
                if f2 == f1:
                    continue
                for c2, w2 in plans(f2, b_open=b_open):
                    v = p[f1] * c1 + (1 - p[f1]) * c2 + penalty * len(w1 ^ w2)
                    if v < best[0] - 1e-9:
                        best = (v, f1, f2)
    return best


# --------------------------------------------------------------------------- the command line
class Ran:
    """A command's exit code, stdout and stderr (click's runner: no new process)."""

    def __init__(self, result):
        self.returncode = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr


def cli(*args: str) -> Ran:
    """forcealloc ARGS in this process (80 columns: output is not a terminal)."""
    from click.testing import CliRunner

    from solver.app.cli import main

    return Ran(CliRunner().invoke(main, [str(a) for a in args]))
