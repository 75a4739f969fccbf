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

from solver.domain.errors import OutputError
from solver.domain.instance import Instance, Settings
from solver.io.schema import TABLES, cell_text
from solver.io.sheets import csv_frame, write_csv, write_workbook

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


def _readable(path: Path) -> None:
    """Files get the permissions a new file would (mkstemp's are the owner's only)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write one file through a temporary name in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        _readable(Path(tmp))
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


def json_text(doc: dict) -> str:
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _summary_sheet(doc: dict) -> pd.DataFrame:
    """The answer in a planner's words; solver internals go to their own sheet."""
    units = doc.get("units") or {}
    cost_unit = f" ({units['cost']})" if units.get("cost") else ""
    rows = [("instance", doc["instance"]), ("status", doc["status"]), ("framework", doc["framework"]),
            ("approval probability", doc.get("approval_probability")),
            ("objective (money, penalties and weights together)", doc["objective"]),
            ("proven within (gap)", doc["mip_gap"])]
    rows += [(f"{k}{cost_unit if k == 'cost' else ''}", v) for k, v in doc["terms"].items()]
    money = doc.get("money") or {}
    rows += [(f"money: {k}{cost_unit}", v) for k, v in money.items() if k in ("asset", "reserve", "setup", "total")]
    rows += [(f"unit of {k}", v) for k, v in units.items()]
    if doc.get("mission"):
        mission = doc["mission"]
        rows += [("periods", mission["periods"]), ("period", mission["period_label"])]
        rows += [(k.replace("_", " "), v) for k, v in mission["sustainment"].items()]
    rows += [("why no allocation", line) for line in doc.get("diagnosis", [])]
    return pd.DataFrame(rows, columns=["item", "value"])


def write_solution(sol, out_dir: str | Path) -> list[Path]:
    """solution.json, allocation.csv, roles.csv, nations.csv and solution.xlsx."""
    out_dir = Path(out_dir)
    doc = sol.to_dict()
    with staged_dir(out_dir) as tmp:
        (tmp / "solution.json").write_text(json_text(doc), encoding="utf-8")
        alloc = sol.allocation
        if sol.extra.get("plans"):  # Plan B: both plans' allocations, by plan (1 primary, 2 fallback)
            alloc = pd.concat([p.allocation.assign(plan=i) for i, p in enumerate(sol.extra["plans"], 1)],
                              ignore_index=True)
        tables = {"allocation": alloc, "roles": _flat(sol.roles), "nations": sol.nations}
        if getattr(sol, "schedule", None) is not None:  # MODEL.md v3 "Time" (T > 1): roles.csv is per period
            tables |= {"schedule": sol.schedule, "nation_periods": sol.nation_periods}
        for name, df in tables.items():
            write_csv(df, tmp / f"{name}.csv")
        solver = pd.DataFrame(list(doc["solver"].items()), columns=["item", "value"])
        write_workbook(tmp / "solution.xlsx", {"summary": _summary_sheet(doc), **tables, "solver": solver})
    extra = [f"{n}.csv" for n in tables if f"{n}.csv" not in SOLUTION_FILES]
    return [out_dir / f for f in (*SOLUTION_FILES, *extra)]


# --------------------------------------------------------------------------- instances
def settings_document(s: Settings) -> dict:
    """instance.yaml as a mapping: every setting whose value differs from the default, in the
    format's keys (the writers and the scenario editor both read settings this way)."""
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
    if s.fallback_change_penalty:
        settings["fallback"] = {"change_penalty": s.fallback_change_penalty}
    if s.robust:
        settings["robust"] = dict(s.robust)
    if s.persistence:
        settings["persistence"] = dict(s.persistence)
    if s.mission.to_dict() != type(s.mission)().to_dict():  # MODEL.md v3 "Time"
        settings["mission"] = s.mission.to_dict()
    return settings


def instance_tables(inst: Instance) -> tuple[dict[str, pd.DataFrame], dict]:
    """An Instance back as typed tables and settings (lists of every framework as 'all')."""
    frameworks = tuple(inst.frameworks.index)
    tables = {}
    for name, spec in TABLES.items():
        df = getattr(inst, name)
        if df is None:  # an Instance made in code without the optional phases
            df = pd.DataFrame(columns=list(spec.column_names))
        if len(spec.key) == 1:
            df = df.reset_index()
        df = df[list(spec.column_names)].copy()
        for col in ("frameworks", "available_under"):
            if col in df.columns:
                df[col] = df[col].map(lambda v: "all" if tuple(v) == frameworks else v)
        tables[name] = df
    settings = settings_document(inst.settings)
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


def cells(df: pd.DataFrame) -> pd.DataFrame:
    """A table as the cells of an instance file: blanks for none, true/false, ';' lists."""
    return df.map(cell_text) if len(df) else df.astype(object)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """A table for a workbook: numbers stay numbers (whole ones as integers), lists joined."""
    def cell(v):
        if isinstance(v, (list, tuple)):
            return ";".join(map(str, v))
        if isinstance(v, float) and v != v:
            return None
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, bool):
            return "true" if v else "false"
        return v
    return df.map(cell) if len(df) else df.astype(object)


def write_tables(tables: dict[str, pd.DataFrame], settings: dict, dest: str | Path) -> Path:
    """Write an instance as a CSV folder (+ instance.yaml) or, for ``.xlsx``, a workbook."""
    dest = Path(dest)
    ordered = [(n, tables[n]) for n in TABLES if n in tables]
    if dest.suffix.lower() == ".xlsx":
        sheets = {name: _typed(df) for name, df in ordered}
        sheets["settings"] = pd.DataFrame(_settings_rows(settings), columns=["key", "value"])
        atomic_write(dest, lambda tmp: write_workbook(tmp, sheets))
        return dest
    with staged_dir(dest) as tmp:
        for name, df in ordered:
            csv_frame(cells(df)).to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "instance.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


def write_instance(inst: Instance, dest: str | Path) -> Path:
    tables, settings = instance_tables(inst)
    return write_tables(tables, settings, dest)


def alternatives_table(alts) -> pd.DataFrame:
    """One row per alternative: objective terms, framework, distance and what changed."""
    rows = []
    first = (alts.alternatives[0].solution.money or {}).get("total") if alts.alternatives else None
    for a in alts.alternatives:
        s, ch = a.solution, a.changes
        rows.append({
            "rank": a.rank, "status": str(s.status), "objective": s.objective,
            **{t: s.terms.get(t) for t in ("cost", "shortfall", "approval_risk", "enabler_dependence")},
            "delta_objective": ch.get("deltas", {}).get("objective"),
            "money": (s.money or {}).get("total"),
            "delta_money": None if s.money is None or first is None else round(s.money["total"] - first, 9) + 0.0,
            "framework": s.framework, "distance": a.distance, "min_distance": a.min_distance,
            "bound": a.bound, "certified_by": a.certified_by,
            "nations_join": ";".join(ch.get("nations_join", [])),
            "nations_leave": ";".join(ch.get("nations_leave", [])),
            "changes": a.summary,
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
        write_csv(table, tmp / "alternatives.csv")
        write_workbook(tmp / "alternatives.xlsx", {"alternatives": table, "allocations": allocs,
                                                   "unavailable": unavailable})
    return [out_dir / f for f in ("alternatives.json", "alternatives.csv", "alternatives.xlsx")]


def write_skipped(skipped: list[dict], out_dir: str | Path) -> Path:
    """skipped.csv: the political commitments a sweep did not price, and why."""
    path = Path(out_dir) / "skipped.csv"
    df = pd.DataFrame(skipped, columns=["commitment", "description", "reason"])
    atomic_write(path, lambda p: write_csv(df, p))
    return path


# --------------------------------------------------------------------------- destinations



def check_destination(path: str | Path, kind: str = "folder", option: str = "--out", force: bool = True,
                      suffixes: tuple[str, ...] = ()) -> Path:
    """Check before any work that ``path`` can take a folder (or a file) of results:
    no file in its way, a folder we may write in (probed, so a read-only file system
    is found too), a known suffix; with ``force`` False, refuse to replace an existing
    instance folder or file. Raises OutputError naming the path."""
    p = Path(path)
    where = f"{option} {p}"
    if suffixes and p.suffix.lower() not in suffixes:
        raise OutputError([f"{where}: a file ending in {' or '.join(suffixes)}"])
    if p.exists():
        if kind == "folder" and not p.is_dir():
            raise OutputError([f"{where}: a folder, but this is a file"])
        if kind == "file" and p.is_dir():
            raise OutputError([f"{where}: a file name, but this is a folder"])
        if not force and (p.is_file() or any(p.iterdir())):
            raise OutputError([f"{where}: a new or empty destination; it holds files already "
                               "(--force replaces them)"])
    parent = p if (kind == "folder" and p.is_dir()) else p.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError([f"{where}: a folder path, but {parent} is a file"])
    try:
        fd, probe = tempfile.mkstemp(prefix=".forcealloc-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError([f"{where}: a folder forcealloc may write in; {parent} is not ({exc.strerror})"]) from None
    return p
