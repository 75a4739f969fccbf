"""Write results and instances atomically: all files appear, or none do.

Every writer renders into a temporary folder beside the destination and moves
the finished files into place, so an interrupted or failing run never leaves a
half-written ``solution.json`` or a truncated workbook behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml

from solver.compare import describe
from solver.instance import Instance
from solver.schema import TABLES, cell_text

SOLUTION_FILES = ("solution.json", "allocation.csv", "roles.csv", "nations.csv", "solution.xlsx")


@contextmanager
def staged_dir(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success move its files into ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=dest))
    try:
        yield tmp
        for f in sorted(tmp.iterdir()):
            os.replace(f, dest / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write one file through a temporary name in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Lists become ';'-joined cells for CSV and xlsx."""
    out = df.copy()
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, (list, tuple))).any():
            out[c] = out[c].map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(v):
    """A text cell that a spreadsheet would run as a formula, made inert (OWASP's CSV
    injection rule: a leading quote). Numbers are left alone."""
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return v


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers cannot run as formulas in a spreadsheet."""
    out = df.copy()
    out.columns = [neutral(str(c)) for c in out.columns]
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutral)
    return out


def json_text(doc: dict) -> str:
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def write_solution(sol, out_dir: str | Path) -> list[Path]:
    """solution.json, allocation.csv, roles.csv, nations.csv and solution.xlsx."""
    out_dir = Path(out_dir)
    doc = sol.to_dict()
    with staged_dir(out_dir) as tmp:
        (tmp / "solution.json").write_text(json_text(doc), encoding="utf-8")
        tables = {"allocation": sol.allocation, "roles": _flat(sol.roles), "nations": sol.nations}
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
        summary = pd.DataFrame(
            [("instance", doc["instance"]), ("status", doc["status"]), ("framework", doc["framework"]),
             ("objective", doc["objective"]), ("mip_gap", doc["mip_gap"])]
            + [(f"term.{k}", v) for k, v in doc["terms"].items()]
            + [(f"solver.{k}", v) for k, v in doc["solver"].items()]
            + [("diagnosis", line) for line in doc.get("diagnosis", [])],
            columns=["key", "value"],
        )
        with pd.ExcelWriter(tmp / "solution.xlsx", engine="openpyxl") as xw:
            summary.to_excel(xw, sheet_name="summary", index=False)
            for name, df in tables.items():
                df.to_excel(xw, sheet_name=name, index=False)
    return [out_dir / f for f in SOLUTION_FILES]


# --------------------------------------------------------------------------- instances
def instance_tables(inst: Instance) -> tuple[dict[str, pd.DataFrame], dict]:
    """An Instance back as string tables and settings (lists of every framework as 'all')."""
    frameworks = tuple(inst.frameworks.index)
    tables = {}
    for name, spec in TABLES.items():
        df = getattr(inst, name)
        if len(spec.key) == 1:
            df = df.reset_index()
        df = df[list(spec.column_names)].copy()
        for col in ("frameworks", "available_under"):
            if col in df.columns:
                df[col] = df[col].map(lambda v: "all" if tuple(v) == frameworks else v)
        tables[name] = df.map(cell_text) if len(df) else df
    s = inst.settings
    settings = {"name": s.name, "description": s.description,
                "min_coalition_nations": s.min_coalition_nations,
                "objective": {**s.weights}}
    if s.lexicographic:
        settings["objective"]["lexicographic"] = list(s.lexicographic)
        settings["objective"]["lex_tolerance"] = s.lex_tolerance
    if s.units:
        settings["units"] = dict(s.units)
    if s.gap:
        settings["gap"] = dict(s.gap)
    return tables, settings


def _settings_rows(settings: dict, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for k, v in settings.items():
        if isinstance(v, dict):
            rows += _settings_rows(v, f"{prefix}{k}.")
        elif isinstance(v, list):
            rows.append((prefix + k, ";".join(map(str, v))))
        else:
            rows.append((prefix + k, "" if v is None else str(v)))
    return rows


def write_tables(tables: dict[str, pd.DataFrame], settings: dict, dest: str | Path) -> Path:
    """Write an instance as a CSV folder (+ instance.yaml) or, for ``.xlsx``, a workbook."""
    dest = Path(dest)
    ordered = [(n, tables[n]) for n in TABLES if n in tables]
    if dest.suffix.lower() == ".xlsx":
        def write(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                for name, df in ordered:
                    df.to_excel(xw, sheet_name=name, index=False)
                pd.DataFrame(_settings_rows(settings), columns=["key", "value"]).to_excel(
                    xw, sheet_name="settings", index=False)

        atomic_write(dest, write)
        return dest
    with staged_dir(dest) as tmp:
        for name, df in ordered:
            df.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "instance.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


def write_instance(inst: Instance, dest: str | Path) -> Path:
    tables, settings = instance_tables(inst)
    return write_tables(tables, settings, dest)


def alternatives_table(alts) -> pd.DataFrame:
    """One row per alternative: objective terms, framework, distance and what changed."""
    rows = []
    for a in alts.alternatives:
        s, ch = a.solution, a.changes
        rows.append({
            "rank": a.rank, "status": str(s.status), "objective": s.objective,
            **{t: s.terms.get(t) for t in ("cost", "shortfall", "approval_risk", "enabler_dependence")},
            "delta_objective": ch.get("deltas", {}).get("objective"),
            "framework": s.framework, "distance": a.distance, "min_distance": a.min_distance,
            "bound": a.bound, "certified_by": a.certified_by,
            "nations_join": ";".join(ch.get("nations_join", [])),
            "nations_leave": ";".join(ch.get("nations_leave", [])),
            "changes": describe(ch) if ch else "",
        })
    return pd.DataFrame(rows)


def write_alternatives(alts, out_dir: str | Path) -> list[Path]:
    """alternatives.json, alternatives.csv and alternatives.xlsx, all or none."""
    out_dir = Path(out_dir)
    table = alternatives_table(alts)
    allocs = pd.concat(
        [a.solution.allocation.assign(rank=a.rank)[["rank", *a.solution.allocation.columns]] for a in alts.alternatives],
        ignore_index=True) if alts.alternatives else pd.DataFrame(columns=["rank"])
    unavailable = pd.DataFrame(
        [{"framework": f, "reason": u.get("reason"), "vetoed_by": ";".join(u.get("vetoed_by", [])),
          "roles": " | ".join(u.get("roles", []))} for f, u in alts.unavailable.items()],
        columns=["framework", "reason", "vetoed_by", "roles"])
    with staged_dir(out_dir) as tmp:
        (tmp / "alternatives.json").write_text(json_text(alts.to_dict()), encoding="utf-8")
        table.to_csv(tmp / "alternatives.csv", index=False)
        with pd.ExcelWriter(tmp / "alternatives.xlsx", engine="openpyxl") as xw:
            table.to_excel(xw, sheet_name="alternatives", index=False)
            allocs.to_excel(xw, sheet_name="allocations", index=False)
            unavailable.to_excel(xw, sheet_name="unavailable", index=False)
    return [out_dir / f for f in ("alternatives.json", "alternatives.csv", "alternatives.xlsx")]


def write_skipped(skipped: list[dict], out_dir: str | Path) -> Path:
    """skipped.csv: the political commitments a sweep did not price, and why."""
    path = Path(out_dir) / "skipped.csv"
    df = pd.DataFrame(skipped, columns=["commitment", "description", "reason"])
    atomic_write(path, lambda p: csv_frame(df).to_csv(p, index=False))
    return path
