"""Turn raw string tables into a validated :class:`Instance`, reporting every problem.

Three passes, all of which run before anything is raised so a planner sees every
problem at once:

1. structure: required tables and columns, unknown columns (a warning);
2. cells: booleans, numbers, whole numbers and lists are parsed cell by cell;
3. values: ranges, choices, references to other tables and duplicate keys are
   checked by pandera schemas (``lazy=True`` collects every failure case), and
   the conditional reference of ``links.target`` by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from solver.domain.errors import InstanceError, Issue
from solver.domain.instance import DEFAULT_WEIGHTS, TERMS, Instance, Settings
from solver.domain.mission import check_phases, parse_mission
from solver.domain.suggest import close_column
from solver.io.input_rules import lexicographic_problems, missing_column_warnings
from solver.io.readers import ROW, RawInstance, read_raw
from solver.io.robust_spec import parse_robust_settings
from solver.io.schema import OBJECTIVE_KEYS, SETTINGS_KEYS, TABLES, UNIT_KEYS, Column, Table

TRUE = {"true", "yes", "1", "y", "t"}
FALSE = {"false", "no", "0", "n", "f"}

CHECKS = {
    ">0": (lambda: pa.Check.gt(0, error="a number > 0"), "a number > 0"),
    ">=0": (lambda: pa.Check.ge(0, error="a number >= 0"), "a number >= 0"),
    "share": (
        lambda: pa.Check.in_range(0, 1, include_min=False, error="a share in (0, 1]"),
        "a share in (0, 1]",
    ),
    "probability": (
        lambda: pa.Check.in_range(0, 1, include_min=False, error="a probability in (0, 1]"),
        "a probability in (0, 1]",
    ),
}


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


class _Collector:
    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, source, message, row=None, column=None, value=None) -> None:
        self.errors.append(Issue(source, message, row, column, value))

    def warn(self, source, message, row=None, column=None, value=None) -> None:
        self.warnings.append(Issue(source, message, row, column, value, severity="warning"))


# --------------------------------------------------------------------------- cells
def _parse_column(df: pd.DataFrame, col: Column, source: str, out: _Collector) -> pd.Series:
    """Parse one column of strings into its kind; blank cells take the default."""
    raw = df[col.name]
    blank = raw == ""
    rows = df[ROW]
    if col.required:
        for r in rows[blank]:
            out.error(source, "a value (this column is required)", _row(r), col.name, "")
    if col.kind in ("str", "enum"):
        s = raw.str.lower() if col.kind == "enum" else raw.copy()
        if col.default is not None:
            s = s.where(~blank, col.default)
        return s.astype(object).where(~(blank & (col.default is None)), None)
    if col.kind == "bool":
        low = raw.str.lower()
        val = pd.Series(np.where(low.isin(TRUE), True, False), index=raw.index, dtype=object)
        bad = ~blank & ~low.isin(TRUE | FALSE)
        for r, v in zip(rows[bad], raw[bad], strict=True):
            out.error(source, "true/false, yes/no or 1/0", _row(r), col.name, v)
        val[blank] = col.default
        return val.astype(bool)
    if col.kind in ("float", "int"):
        num = pd.to_numeric(raw.where(~blank, None), errors="coerce").astype(float)
        bad = ~blank & ~np.isfinite(num)
        if col.kind == "int":
            bad |= ~blank & np.isfinite(num) & (num != np.round(num))
        what = "a whole number" if col.kind == "int" else "a number"
        for r, v in zip(rows[bad], raw[bad], strict=True):
            out.error(source, what + _number_hint(v, col), _row(r), col.name, v)
        num[bad] = np.nan
        default = np.nan if col.default is None else float(col.default)
        num[blank] = default
        return num
    if col.kind == "list":
        def split(cell: str):
            items = tuple(i.strip() for i in cell.split(";") if i.strip())
            if not items or (len(items) == 1 and items[0].lower() == "all"):
                return None
            return items

        return raw.map(split).astype(object)
    raise AssertionError(col.kind)


def _number_hint(value: str, col: Column) -> str:
    """Why a planner's number did not read, when it is a common spreadsheet habit."""
    v = value.strip()
    if v.endswith("%"):
        if col.check in ("share", "probability"):
            return f" (a fraction: {v} is written {_plain_number(v[:-1], 0.01)})"
        return " (without a per cent sign)"
    if "," in v and v.replace(",", "").replace(".", "").lstrip("+-").isdigit():
        return " (with a point as the decimal separator and no thousands separator, e.g. 1.5 or 1500)"
    return ""


def _plain_number(text: str, factor: float) -> str:
    try:
        return f"{float(text.replace(',', '.')) * factor:g}"
    except ValueError:
        return "a fraction of 1"


def _check_structure(name: str, table: Table, df: pd.DataFrame, source: str, out: _Collector,
                     known_tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame | None:
    """Report missing and unknown columns; None when the key columns are missing."""
    present = [c for c in df.columns if c != ROW]
    missing_key = False
    known = set(table.column_names)
    misspelt = {c: close_column(c, [k for k in table.column_names if k not in present]) for c in present
                if c not in known}
    for col in table.columns:
        if col.name not in present and (col.required or col.header_required or col.name in table.key):
            if col.name not in misspelt.values():  # a misspelling of it is reported below, once
                why = " (a blank cell means 0, a missing column is an error: MODEL.md v3)" if col.header_required else ""
                out.error(source, f"a column named '{col.name}'{why}", row=1)
            missing_key = missing_key or col.name in table.key
    for c, near in misspelt.items():
        if near is not None:
            out.error(source, f"a known column: did you mean '{near}'? (a misspelt column would be ignored and "
                              f"'{near}' take its default)", row=1, column=c, value=c)
            missing_key = missing_key or near in table.key
        else:
            hint = ", ".join(table.column_names)
            out.warn(source, f"a known column ({hint}); this column is ignored", row=1, column=c)
    for message in missing_column_warnings(name, table, [*present, *misspelt.values()], known_tables):
        out.warn(source, message, row=1)
    if missing_key:
        return None
    df = df.copy()
    for col in table.columns:
        df[col.name] = df[col.name].fillna("") if col.name in df.columns else ""  # NaN: a scenario's added rows
    return df[[*table.column_names, ROW]]


# --------------------------------------------------------------------------- values
def _column_checks(col: Column, keys: dict[str, set]) -> list[pa.Check]:
    checks = []
    if col.check:
        checks.append(CHECKS[col.check][0]())
    if col.choices:
        checks.append(pa.Check.isin(list(col.choices), error="one of " + ", ".join(col.choices)))
    if col.ref and col.kind != "list" and col.ref in keys:
        checks.append(pa.Check.isin(sorted(keys[col.ref]), error=f"{_a(col.ref[:-1])} listed in the {col.ref} table"))
    return checks


def _schema(table: Table, keys: dict[str, set]) -> pa.DataFrameSchema:
    columns = {col.name: pa.Column(checks=_column_checks(col, keys), nullable=True, required=True)
               for col in table.columns}
    return pa.DataFrameSchema(
        columns, unique=None if table.is_set else list(table.key), report_duplicates="all", strict=False
    )


def _check_values(table: Table, typed: pd.DataFrame, raw: pd.DataFrame, source: str, keys: dict[str, set], out: _Collector) -> None:
    try:
        _schema(table, keys).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        for _, f in fc.iterrows():
            idx = f["index"]
            row = _row(typed.loc[idx, ROW]) if idx is not None and not _isna(idx) else None
            if f["check"] == "multiple_fields_uniqueness":
                key = ", ".join(f"{k}={typed.loc[idx, k]}" for k in table.key)
                if f["column"] == table.key[0]:
                    out.error(source, f"a unique key; ({key}) appears more than once", row, ", ".join(table.key))
                continue
            value = raw.loc[idx, f["column"]] if idx in raw.index else f["failure_case"]
            out.error(source, str(f["check"]), row, f["column"], value)
    if table.is_set:  # MODEL.md: a repeated row of a set is a warning, and counts once
        key = list(table.key)
        first = typed.drop_duplicates(subset=key)
        for r, *k in typed.loc[typed.duplicated(subset=key), [ROW, *key]].itertuples(index=False):
            where = typed.loc[first.index[(first[key] == k).all(axis=1)][0], ROW] if len(first) else None
            out.warn(source, f"each row once; this one repeats row {_row(where)} and is ignored", _row(r),
                     ", ".join(key), ", ".join(map(str, k)))
    for col in table.columns:
        if col.kind == "list" and col.ref in keys:
            for r, items in zip(typed[ROW], typed[col.name], strict=True):
                for item in items or ():
                    if item not in keys[col.ref]:
                        out.error(source, f"'all' or a ';'-separated list of {col.ref} from the {col.ref} table", _row(r), col.name, item)


def _isna(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _row(r) -> int | None:
    """The file row of a cell; None for rows a scenario added."""
    return None if r is None or _isna(r) else int(r)


def parse_cells(table: str, column: str, cells: list[str], source: str) -> pd.Series:
    """New values for one (non-key) column, parsed and checked exactly as the validator
    does for files; raises InstanceError. Lets a what-if change a parameter without
    validating the whole instance again."""
    col = TABLES[table].column(column)
    df = pd.DataFrame({column: cells, ROW: [None] * len(cells)})
    out = _Collector()
    typed = _parse_column(df, col, source, out)
    if not out.errors:
        try:
            pa.DataFrameSchema({column: pa.Column(checks=_column_checks(col, {}), nullable=True)}).validate(
                typed.to_frame(column), lazy=True)
        except pa.errors.SchemaErrors as exc:
            for _, f in exc.failure_cases.iterrows():
                out.error(source, str(f["check"]), None, column, cells[int(f["index"])])
    if out.errors:
        raise InstanceError(out.errors)
    return typed


# --------------------------------------------------------------------------- settings
def _number(settings: dict, key: str, source: str, out: _Collector, default: float, integer=False, prefix=""):
    v = settings.get(key, default)
    if v is None or v == "":
        return default
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
    if ok and integer and float(v) != int(v):
        ok = False
    if not ok:
        out.error(source, f"a {'whole ' if integer else ''}number >= 0", column=prefix + key, value=v)
        return default
    return int(v) if integer else float(v)


def _settings(raw: RawInstance, out: _Collector) -> Settings:
    s, src = raw.settings, raw.settings_source
    for k in s:
        if k not in SETTINGS_KEYS:
            near = close_column(str(k), SETTINGS_KEYS)
            if near is not None:
                out.error(src, f"a known setting: did you mean '{near}'? (a misspelt key would be ignored)",
                          column=k, value=k)
            else:
                out.warn(src, f"a known setting ({', '.join(SETTINGS_KEYS)}); this one is ignored", column=k)
    obj = s.get("objective") or {}
    if not isinstance(obj, dict):
        out.error(src, "a mapping of objective weights", column="objective", value=obj)
        obj = {}
    weights = dict(DEFAULT_WEIGHTS)
    for k in obj:
        if k not in OBJECTIVE_KEYS:
            near = close_column(str(k), OBJECTIVE_KEYS)
            hint = f": did you mean '{near}'?" if near else ""
            out.error(src, f"an objective key ({', '.join(OBJECTIVE_KEYS)}){hint}", column=f"objective.{k}", value=k)
    for k in DEFAULT_WEIGHTS:
        weights[k] = _number(obj, k, src, out, DEFAULT_WEIGHTS[k], prefix="objective.")
    lex = obj.get("lexicographic") or []
    if isinstance(lex, str):
        lex = [t.strip() for t in lex.replace(";", ",").split(",") if t.strip()]
    if not isinstance(lex, list):
        out.error(src, "a list of objective terms", column="objective.lexicographic", value=lex)
        lex = []
    for term, problem in lexicographic_problems(lex):
        out.error(src, problem, column="objective.lexicographic", value=term)
    units = s.get("units") or {}
    if not isinstance(units, dict):
        out.error(src, f"a mapping of units ({', '.join(UNIT_KEYS)}), e.g. cost: EUR million per year",
                  column="units", value=units)
        units = {}
    for k, v in list(units.items()):
        if k not in UNIT_KEYS and close_column(str(k), UNIT_KEYS):
            out.error(src, f"a unit of {' or '.join(UNIT_KEYS)}: did you mean '{close_column(str(k), UNIT_KEYS)}'?",
                      column=f"units.{k}", value=k)
        elif k not in UNIT_KEYS:
            out.warn(src, f"a unit of {' or '.join(UNIT_KEYS)}; this one is ignored", column=f"units.{k}", value=k)
        elif not isinstance(v, (str, int, float)) or isinstance(v, bool):
            out.error(src, "a unit as text, e.g. EUR million per year", column=f"units.{k}", value=v)
    units = {k: str(v).strip() for k, v in units.items() if k in UNIT_KEYS and isinstance(v, (str, int, float))}
    gap = s.get("gap")
    if gap is not None and not (isinstance(gap, dict) and gap.get("sense") in ("min", "max")):
        out.error(src, "a mapping with sense: min|max (written by import-gap)", column="gap", value=gap)
        gap = None
    fb = s.get("fallback") or {}
    if not isinstance(fb, dict) or not set(fb) <= {"change_penalty"}:
        out.error(src, "a mapping with change_penalty (Plan B), e.g. fallback: {change_penalty: 10}",
                  column="fallback", value=fb)
        fb = {}
    penalty = _number(fb, "change_penalty", src, out, 0.0, prefix="fallback.")
    robust, persistence = parse_robust_settings(s, src, out.error)
    return Settings(  # v3: robust, persistence (solver.io.robust_spec)
        robust=robust, persistence=persistence,
        name=str(s.get("name") or (raw.path.stem if raw.path else "instance")),
        fallback_change_penalty=float(penalty) if isinstance(penalty, (int, float)) else 0.0,
        description=str(s.get("description") or ""),
        min_coalition_nations=_number(s, "min_coalition_nations", src, out, 0, integer=True),
        weights=weights,
        lexicographic=tuple(t for t in lex if t in TERMS),
        lex_tolerance=_number(obj, "lex_tolerance", src, out, 0.0, prefix="objective."),
        gap=gap,
        units=units,
        mission=parse_mission(s.get("mission"), src, out.error),
    )


def parse_settings(settings: dict, source: str) -> Settings:
    """instance.yaml content checked as the validator does (raises InstanceError)."""
    out = _Collector()
    stub = RawInstance(tables={}, settings=settings, sources={}, settings_source=source)
    parsed = _settings(stub, out)
    if out.errors:
        raise InstanceError(out.errors)
    return parsed


# --------------------------------------------------------------------------- main
def validate(raw: RawInstance) -> Instance:
    """Validate raw tables; raise :class:`InstanceError` listing every error."""
    out = _Collector()
    out.errors.extend(raw.read_issues)
    out.warnings.extend(raw.read_warnings)
    typed: dict[str, pd.DataFrame | None] = {}
    for name, table in TABLES.items():
        src = raw.sources.get(name, name)
        df = _check_structure(name, table, raw.tables[name], src, out, raw.tables)
        if df is None:
            typed[name] = None
            continue
        t = pd.DataFrame({ROW: df[ROW]}, index=df.index)
        for col in table.columns:
            t[col.name] = _parse_column(df, col, src, out)
        typed[name] = t[[*table.column_names, ROW]]

    # a table that could not be read has unknown keys: no knock-on reference errors into it
    keys = {
        name: set(typed[name][TABLES[name].key[0]].dropna())
        for name in ("nations", "frameworks", "roles", "assets")
        if typed[name] is not None and name not in raw.unreadable
    }
    for name, table in TABLES.items():
        if typed[name] is not None:
            _check_values(table, typed[name], raw.tables[name], raw.sources.get(name, name), keys, out)
    for name, what in (("frameworks", "framework"), ("assets", "asset"), ("roles", "role"), ("nations", "nation")):
        if typed[name] is not None and typed[name].empty and name not in raw.unreadable:
            out.error(raw.sources[name], f"at least one {what} row (the table has a header but no rows)")
    links = typed["links"]
    if links is not None:
        for _, r in links.iterrows():
            ref = {"requires_nation": "nations", "requires_role": "roles"}.get(r["kind"])
            if ref in keys and r["target"] is not None and r["target"] not in keys[ref]:
                out.error(raw.sources["links"], f"{_a(ref[:-1])} listed in the {ref} table (kind {r['kind']})", _row(r[ROW]), "target", r["target"])
    settings = _settings(raw, out)
    check_phases(typed["phases"], raw, settings.mission, out)  # MODEL.md v3: periods in 1..T
    if out.errors:
        raise InstanceError(_sorted(raw, out.errors), _sorted(raw, out.warnings))
    return _assemble(raw, typed, settings, out)


def _sorted(raw: RawInstance, issues: list[Issue]) -> list[Issue]:
    """Issues in file order: table by table as MODEL.md lists them, then by row."""
    order = {src: i for i, src in enumerate(raw.sources.values())}
    return sorted(issues, key=lambda i: (order.get(i.source, len(order)), i.row or 0))


def _assemble(raw: RawInstance, typed: dict[str, pd.DataFrame], settings: Settings, out: _Collector) -> Instance:
    frameworks = tuple(typed["frameworks"]["framework"])

    def expand(items):
        if items is None:
            return frameworks
        wanted = set(items)
        return tuple(f for f in frameworks if f in wanted)

    tables: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        df = typed[name]
        if table.is_set:
            df = df.drop_duplicates(subset=list(table.key))
        df = df.drop(columns=ROW).reset_index(drop=True)
        if "name" in df.columns:
            df["name"] = df["name"].where(df["name"].notna(), df[table.key[0]])
        if len(table.key) == 1:
            df = df.set_index(table.key[0])
        tables[name] = df
    roles = tables["roles"]
    roles["all_frameworks"] = roles["frameworks"].map(lambda v: v is None or set(v) >= set(frameworks))
    roles["frameworks"] = roles["frameworks"].map(expand)
    assets = tables["assets"]
    assets["available_under"] = assets["available_under"].map(expand)
    tables["roles"]["min_nations"] = roles["min_nations"].astype(int)

    nations = tables["nations"]
    with_assets = set(assets["nation"])
    row_of = dict(zip(typed["nations"]["nation"], typed["nations"][ROW], strict=True))
    for n in nations.index[nations["coalition"]]:
        if n not in with_assets:
            out.warn(raw.sources["nations"], "an asset in the assets table for this coalition nation",
                     _row(row_of[n]), "nation", n)
    return Instance(settings=settings, source=raw.path, warnings=tuple(_sorted(raw, out.warnings)), **tables)


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance folder or workbook (raises InstanceError)."""
    return validate(read_raw(path))
