"""Read instance files into raw string tables, remembering where each row came from.

Nothing is interpreted here: every cell stays a stripped string (blank = ""),
column names are lower-cased, and each table gets a ``_row`` column with the
row number a planner sees in the file (the header is row 1). The validator
turns these into an :class:`~solver.instance.Instance`.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from solver.instance import InstanceError, Issue
from solver.schema import TABLES

ROW = "_row"


@dataclass
class RawInstance:
    """Tables as read, before validation; scenarios edit this form."""

    tables: dict[str, pd.DataFrame]
    settings: dict
    sources: dict[str, str]  # table -> "assets.csv" / "sheet assets"
    settings_source: str
    path: Path | None = None
    read_issues: list[Issue] = field(default_factory=list)

    def copy(self) -> RawInstance:
        return RawInstance(
            tables={k: v.copy() for k, v in self.tables.items()},
            settings=copy.deepcopy(self.settings),
            sources=dict(self.sources),
            settings_source=self.settings_source,
            path=self.path,
            read_issues=list(self.read_issues),
        )


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    """Lower-case headers, strip cells, drop blank rows, keep file row numbers."""
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    df = df.fillna("").astype(str)
    for c in df.columns:
        df[c] = df[c].str.strip()
    df[ROW] = df.index.to_numpy() + 2
    if len(df.columns) > 1:
        blank = (df.drop(columns=ROW) == "").all(axis=1)
        df = df[~blank]
    return df.reset_index(drop=True)


def _empty(name: str) -> pd.DataFrame:
    cols = list(TABLES[name].column_names) + [ROW]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def read_folder(path: Path) -> RawInstance:
    """A folder of ``<table>.csv`` files plus ``instance.yaml``."""
    issues: list[Issue] = []
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for name in TABLES:
        f = path / f"{name}.csv"
        sources[name] = f.name
        if not f.exists():
            tables[name] = _empty(name)
            if TABLES[name].required:
                issues.append(Issue(f.name, f"the required table '{name}' is missing (no {f.name} in {path})"))
            continue
        try:
            df = pd.read_csv(
                f, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
            )
        except pd.errors.EmptyDataError:
            df = _empty(name).drop(columns=ROW)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            issues.append(Issue(f.name, f"a readable CSV file ({exc})"))
            tables[name] = _empty(name)
            continue
        tables[name] = _clean(df)
    settings: dict = {}
    yml = path / "instance.yaml"
    if yml.exists():
        try:
            loaded = yaml.safe_load(yml.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            loaded = {}
            issues.append(Issue(yml.name, f"valid YAML ({exc})"))
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            issues.append(Issue(yml.name, "a mapping of settings (name, objective, ...)", value=loaded))
            loaded = {}
        settings = loaded
    settings.setdefault("name", path.name)
    return RawInstance(tables, settings, sources, yml.name, path, issues)


def _settings_from_sheet(df: pd.DataFrame, issues: list[Issue]) -> dict:
    """``key``/``value`` rows; dotted keys (``objective.cost``) nest."""
    settings: dict = {}
    if df.empty:
        return settings
    if not {"key", "value"} <= set(df.columns):
        issues.append(Issue("sheet settings", "two columns named 'key' and 'value'"))
        return settings
    for _, r in df.iterrows():
        key, value = r["key"], r["value"]
        if not key:
            continue
        parts = key.split(".")
        node = settings
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                issues.append(Issue("sheet settings", "keys that do not clash", row=int(r[ROW]), column="key", value=key))
                break
        else:
            if parts[-1] == "lexicographic":
                value = [v.strip() for v in value.split(";") if v.strip()]
            elif value != "" and parts[-1] not in ("name", "description"):
                with contextlib.suppress(yaml.YAMLError):
                    value = yaml.safe_load(value)
            node[parts[-1]] = value
    return settings


def read_workbook(path: Path) -> RawInstance:
    """One ``.xlsx`` workbook: a sheet per table and a ``settings`` sheet."""
    issues: list[Issue] = []
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InstanceError([Issue(path.name, f"a readable .xlsx workbook ({exc})")]) from exc
    sheets = {str(k).strip().lower(): v for k, v in sheets.items()}
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for name in TABLES:
        sources[name] = f"{path.name} sheet {name}"
        if name not in sheets:
            tables[name] = _empty(name)
            if TABLES[name].required:
                issues.append(Issue(sources[name], f"the required sheet '{name}' is missing"))
            continue
        tables[name] = _clean(sheets[name])
    settings = _settings_from_sheet(_clean(sheets["settings"]), issues) if "settings" in sheets else {}
    settings.setdefault("name", path.stem)
    return RawInstance(tables, settings, sources, f"{path.name} sheet settings", path, issues)


def read_raw(path: str | Path) -> RawInstance:
    """Read a folder or an ``.xlsx`` workbook; raises InstanceError if it is neither."""
    p = Path(path)
    if p.is_dir():
        return read_folder(p)
    if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(p)
    if not p.exists():
        raise InstanceError([Issue(str(p), "an existing instance folder or .xlsx workbook (no such path)")])
    raise InstanceError([Issue(str(p), "an instance folder (CSV files + instance.yaml) or an .xlsx workbook")])
