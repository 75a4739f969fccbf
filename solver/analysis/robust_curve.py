"""The price-of-robustness curve: the best plan for k = 0, 1, ..., k_max (MODEL.md v3)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from solver.analysis.recourse import needs_generation, solve_by_generation
from solver.domain.instance import Instance
from solver.engine.session import Session, SolveOptions
from solver.io.robust_spec import RobustSpec
from solver.results.robust import check_recourse_size, robust_summary
from solver.results.solution import Solution

CURVE_COLUMNS = ["k", "status", "objective", "money", "nations", "reserves", "critical_nations", "time_s"]


@dataclass
class Curve:
    """One row per k; ``note`` says when k_max was cut to |H|."""

    table: pd.DataFrame
    solutions: list[Solution] = field(default_factory=list)
    note: str = ""


def robust_curve(inst: Instance, *, spec: RobustSpec, k_max: int, options: SolveOptions | None = None) -> Curve:
    """Solve at every k from 0 to min(k_max, |H|) through the same engine (one Session per k)."""
    options = options or SolveOptions()
    top = min(k_max, len(spec.hesitant))
    note = (f"--k-max {k_max} is more than the {len(spec.hesitant)} nations that may withdraw "
            f"({', '.join(spec.hesitant) or 'none'}): the curve stops at k = {top}") if k_max > top else ""
    for k in range(top + 1):
        check_recourse_size(dataclasses.replace(spec, k=k))
    rows, sols = [], []
    for k in range(top + 1):
        s = dataclasses.replace(spec, k=k, recourse=spec.recourse and k > 0)
        opts = dataclasses.replace(options, robust=s)
        sol = solve_by_generation(inst, opts)[1] if needs_generation(s) else Session(inst, opts).solve()
        row = {"k": k, "status": str(sol.status), "objective": sol.objective,
               "money": sol.terms.get("cost"), "time_s": sol.solver.get("time_s")}
        if sol.status.has_solution:
            sol.robust = robust_summary(inst, sol, s)
            dep = sol.allocation[sol.allocation["status"] != "reserve"]
            row["nations"] = int(dep["nation"].nunique())
            row["reserves"] = sol.robust["reserves"]
            row["critical_nations"] = ";".join(sol.robust["critical_nations"] or [])
            for w in sol.robust["worst_case"]:
                row[f"worst_{w['role']}"] = (f"{';'.join(w['withdrawn']) or '-'} "
                                             f"({w['covered_after']:g}/{w['requirement']:g})")
        rows.append(row)
        sols.append(sol)
    table = pd.DataFrame(rows)
    cols = [c for c in CURVE_COLUMNS if c in table.columns] + [c for c in table.columns if c.startswith("worst_")]
    return Curve(table=table.reindex(columns=cols), solutions=sols, note=note)


def write_curve(curve: Curve, out_dir: str | Path) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "curve.csv"
    curve.table.to_csv(path, index=False)
    return path
