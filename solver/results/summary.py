"""The what-if summary: one row per scenario, its deltas against the base said plainly.

A scenario's objective moves for three different reasons, and a planner must
not confuse them: money (``delta_cost``: what the coalition pays, setup
included), penalties (``delta_shortfall``: roles left short, priced by their
shortfall penalty) and re-weighting (``delta_weights``: a scenario that only
changes objective weights moves the objective with the same allocation).
``delta_objective`` = weights(base) . (terms(scenario) - terms(base)) +
``delta_weights``, and the first term is cost weight x ``delta_cost`` +
``delta_shortfall`` + ``delta_other`` (approval risk and enabler dependence at
the base's weights). ``delta_money`` is the change of money (asset, reserve and
setup costs, unweighted; equal to ``delta_cost`` until reserves exist). Who joins and who leaves, and which roles fall short
by how much, are named.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from solver.io.sheets import write_csv
from solver.io.writers import atomic_write

SUMMARY_COLUMNS = [
    "scenario", "description", "status", "framework", "approval_probability", "objective", "cost", "shortfall",
    "approval_risk", "enabler_dependence", "delta_objective", "delta_cost", "delta_shortfall", "delta_other",
    "delta_weights", "money", "delta_money", "nations", "nations_join", "nations_leave", "roles_short",
    "total_shortfall", "nation_list",
    "objective_at_base_weights", "other_at_base_weights", "solve_time_s", "path", "attempts", "error", "digest",
    "pledge_changes", "forced_changes", "changed_pledges",  # with --keep (MODEL.md v3 re-plans)
]
MISSION_COLUMNS = ["periods", "max_in_theatre_strength", "max_in_theatre_units", "assets_used",
                   "in_theatre_assets_used", "ratio"]  # MODEL.md v3 "Time", when a scenario has T > 1
SCREEN_COLUMNS = ["scenario", "status", "framework", "delta_cost", "delta_shortfall", "delta_objective",
                  "nations_join", "nations_leave", "roles_short"]


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _diff(a, b) -> float | None:
    a, b = _num(a), _num(b)
    return None if a is None or b is None else round(a - b, 9) + 0.0


def _names(text) -> set[str]:
    return set(str(text).split(";")) - {""} if isinstance(text, str) else set()


def summary_frame(rows: list[dict]) -> pd.DataFrame:
    """The summary table, base first, every delta against the base."""
    timed = [c for c in MISSION_COLUMNS if any(c in r and r[c] is not None for r in rows)]
    df = pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS + timed)  # mission columns only over time
    if not len(df):
        return df
    df = df.astype({c: object for c in ("nations_join", "nations_leave", "delta_objective", "delta_cost",
                                        "delta_shortfall", "delta_other", "delta_weights", "delta_money")})
    base = df[df["scenario"] == "base"]
    b = base.iloc[0].to_dict() if len(base) else {}
    solved = bool(b) and b.get("status") in ("optimal", "feasible")
    base_nations = _names(b.get("nation_list")) if solved else set()
    for i, r in df.iterrows():
        has = r["status"] in ("optimal", "feasible")
        if r["scenario"] == "base" or not has or not solved:
            for c in ("delta_objective", "delta_cost", "delta_shortfall", "delta_other", "delta_weights",
                      "delta_money"):
                df.at[i, c] = None
            df.at[i, "nations_join"] = df.at[i, "nations_leave"] = ""
            continue
        df.at[i, "delta_objective"] = _diff(r["objective"], b["objective"])
        df.at[i, "delta_cost"] = _diff(r["cost"], b["cost"])
        df.at[i, "delta_money"] = _diff(r["money"], b.get("money"))  # asset, reserve and setup costs
        df.at[i, "delta_shortfall"] = _diff(r["shortfall"], b["shortfall"])
        df.at[i, "delta_weights"] = _diff(r["objective"], r["objective_at_base_weights"])
        df.at[i, "delta_other"] = _diff(r["other_at_base_weights"], b.get("other_at_base_weights"))
        mine = _names(r["nation_list"])
        df.at[i, "nations_join"] = ";".join(sorted(mine - base_nations))
        df.at[i, "nations_leave"] = ";".join(sorted(base_nations - mine))
    order = (df["scenario"] != "base").astype(int)
    df = df.assign(_o=order).sort_values(["_o", "scenario"], kind="stable").drop(columns="_o")
    return df.reset_index(drop=True)


def write_summary(rows: list[dict], out_dir: Path) -> pd.DataFrame:
    df = summary_frame(rows)
    atomic_write(out_dir / "summary.csv", lambda p: write_csv(df, p))
    atomic_write(out_dir / "summary.parquet", lambda p: df.to_parquet(p, index=False))
    return df
