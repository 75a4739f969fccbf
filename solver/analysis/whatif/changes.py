"""Apply a scenario's changes to an instance, and check them all before anything is solved.

Changes are applied to the raw string tables (``apply_changes``), so a changed
instance is validated exactly like a file; a scenario that touches only
parameters (columns flagged ``parametric`` in the schema, objective weights,
solver options) is applied to the validated base instead (``parametric_instance``),
each new value parsed and checked as in a file, so a worker can retarget its
persistent model without re-validating the whole instance.

``check_scenarios`` runs every change of every scenario against the instance
before the first solve and reports every problem at once, with the file line
of the change and the offending value: an unknown key or nation, a misspelt
column, a value of the wrong kind or out of range, a ``where`` that matches no
row, a consent row for an unknown nation or framework.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from solver.analysis.whatif.scenarios import Scenario
from solver.domain.errors import ChangeError, InstanceError, Issue
from solver.domain.instance import Instance
from solver.domain.suggest import did_you_mean
from solver.io.readers import ROW, RawInstance
from solver.io.schema import TABLES, cell_text
from solver.io.validate import parse_cells, parse_settings, validate
from solver.io.writers import settings_document

SOLVER_CHECKS = {"time_limit": ("a number of seconds > 0", lambda v: v > 0),
                 "mip_gap": ("a relative gap >= 0", lambda v: v >= 0),
                 "seed": ("a whole number >= 0", lambda v: v >= 0 and float(v).is_integer())}





# --------------------------------------------------------------------------- rows
def _hint(value, known) -> str:
    """`` (did you mean 'ESP' (Spain)?)``: ``known`` is a list of keys, or a mapping of
    each key to its name, so a nation is matched by code and by name (solver.domain.suggest)."""
    if isinstance(value, list):  # a two-column key: the first part names the row
        value = value[0] if value else ""
    return did_you_mean(value, known if isinstance(known, dict) else [str(k) for k in known])


def _names(df: pd.DataFrame, table: str) -> dict[str, str]:
    """Each key of a raw table with its name (the key itself where the table has none)."""
    first = TABLES[table].key[0]
    names = df["name"] if "name" in df.columns else df[first]
    return {str(k): str(n or k) for k, n in zip(df[first], names, strict=True)}


def key_mask(df: pd.DataFrame, table: str, key) -> pd.Series:
    """Rows of a raw table whose key is ``key`` (a list for two-column keys)."""
    cols = TABLES[table].key
    values = key if isinstance(key, list) else [key]
    if len(values) != len(cols):
        raise ChangeError(f"a key of {len(cols)} value(s) ({', '.join(cols)}) for {table}", key)
    mask = pd.Series(True, index=df.index)
    for c, v in zip(cols, values, strict=True):
        mask &= df[c] == cell_text(v)
    return mask


def where_mask(df: pd.DataFrame, table: str, where: dict) -> pd.Series:
    """Rows of a raw table matching every ``column: value or [values]`` of ``where``."""
    if not isinstance(where, dict):
        raise ChangeError("'where' as a mapping of column: value", where)
    mask = pd.Series(True, index=df.index)
    for c, v in where.items():
        if c not in TABLES[table].column_names:
            raise ChangeError(f"a column of {table} in 'where' ({', '.join(TABLES[table].column_names)})"
                              + _hint(c, TABLES[table].column_names), c)
        vals = v if isinstance(v, list) else [v]
        mask &= df[c].isin([cell_text(x) for x in vals])
    return mask


def _existing(df: pd.DataFrame, table: str, key) -> pd.Series:
    mask = key_mask(df, table, key)
    if not mask.any():
        first = TABLES[table].key[0]
        known = _names(df, table) if len(TABLES[table].key) == 1 else sorted(set(df[first]))
        raise ChangeError(f"the key of a row of {table}" + _hint(key, known), key)
    return mask


def _matching(df: pd.DataFrame, table: str, where: dict, nations: dict[str, str] | None = None) -> pd.Series:
    """Rows matching ``where``; when none do, the message suggests the value meant
    (a nation by code and name when ``nations`` maps codes to names)."""
    mask = where_mask(df, table, where or {})
    if not mask.any():
        hint = ""
        for c, v in (where or {}).items():
            for x in v if isinstance(v, list) else [v]:
                if not hint and cell_text(x) not in set(df[c]):
                    values = sorted({str(y) for y in df[c] if str(y)})
                    if TABLES[table].column(c).ref == "nations" or (table, c) == ("nations", "nation"):
                        values = {k: (nations or {}).get(k, k) for k in values}
                    hint = _hint(x, values)
        raise ChangeError(f"a 'where' that matches at least one row of {table}{hint}", where)
    return mask


def _known(raw_tables: dict, table: str, value) -> None:
    keys = set(raw_tables[table][TABLES[table].key[0]])
    if cell_text(value) not in keys:
        raise ChangeError(f"{'an' if table[0] in 'aeiou' else 'a'} {table[:-1]} listed in the {table} table"
                          + _hint(value, _names(raw_tables[table], table)), value)


def _consent_row(df: pd.DataFrame, raw_tables: dict, key) -> tuple[pd.DataFrame, pd.Series]:
    """The consent row of (nation, framework); created (approve, 1, contributes) when missing,
    but only for a nation and a framework the instance knows."""
    if not isinstance(key, list) or len(key) != 2:
        raise ChangeError("a key [nation, framework] for consent", key)
    mask = key_mask(df, "consent", key)
    if mask.any():
        return df, mask
    _known(raw_tables, "nations", key[0])
    _known(raw_tables, "frameworks", key[1])
    row = dict.fromkeys(df.columns, "")
    row.update({"nation": cell_text(key[0]), "framework": cell_text(key[1]), ROW: None})
    df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
    return df, key_mask(df, "consent", key)


def _check_value(raw_tables: dict, table: str, column: str, cells: list[str]) -> None:
    """Parse and check new cells exactly as the validator checks a file's."""
    col = TABLES[table].column(column)
    try:
        parse_cells(table, column, cells, "scenario")
    except InstanceError as exc:
        i = exc.issues[0]
        raise ChangeError(f"{column}: {i.message}", i.value) from None
    if col.ref and col.kind != "list":
        for c in cells:
            if c:
                _known(raw_tables, col.ref, c)
    if col.ref and col.kind == "list":
        for c in cells:
            for item in (i.strip() for i in c.split(";")):
                if item and item.lower() != "all":
                    _known(raw_tables, col.ref, item)


def _check_settings(settings: dict) -> None:
    try:
        parse_settings(settings, "scenario")
    except InstanceError as exc:
        i = exc.issues[0]
        raise ChangeError(f"{i.column}: {i.message}", i.value) from None


# --------------------------------------------------------------------------- applying
def apply_change(out: RawInstance, change: dict) -> None:
    """Apply one change to raw tables in place; raises ChangeError naming the problem."""
    t = out.tables
    kind, arg = next(iter(change.items()))
    if kind == "set":
        table, col = arg["table"], arg["column"]
        if col in TABLES[table].key:
            raise ChangeError(f"a column of {table} that is not its key ({', '.join(TABLES[table].key)} name the row)", col)
        df = t[table]
        if table == "consent":
            t[table] = df = _consent_row(df, t, arg["key"])[0]
        mask = _existing(df, table, arg["key"])
        _check_value(t, table, col, [cell_text(arg["value"])])
        df.loc[mask, col] = cell_text(arg["value"])
    elif kind == "remove":
        df = t[arg["table"]]
        if "key" in arg:
            mask = _existing(df, arg["table"], arg["key"])
        else:
            mask = _matching(df, arg["table"], arg["where"], _names(t["nations"], "nations"))
        t[arg["table"]] = df[~mask].reset_index(drop=True)
        if arg["table"] == "assets":  # a removed asset takes its per-asset overrides along
            gone = set(df.loc[mask, "asset"])
            t["suitability"] = t["suitability"][~t["suitability"]["asset"].isin(gone)].reset_index(drop=True)
    elif kind == "withdraw":
        t.update(withdraw_tables(t, arg))
    elif kind == "add":
        rows = arg["rows"] if isinstance(arg["rows"], list) else [arg["rows"]]
        cols = TABLES[arg["table"]].column_names
        if not all(isinstance(r, dict) for r in rows):
            raise ChangeError("rows as a list of mappings of column: value", arg["rows"])
        bad = sorted({c for r in rows for c in r if c not in cols})
        if bad:
            raise ChangeError(f"columns of {arg['table']} ({', '.join(cols)})" + _hint(bad[0], cols), ", ".join(bad))
        new = pd.DataFrame([{c: cell_text(r.get(c)) for c in cols} | {ROW: None} for r in rows])
        t[arg["table"]] = pd.concat([t[arg["table"]], new], ignore_index=True)
    elif kind == "scale":
        table, col, factor = arg["table"], arg["column"], float(arg["factor"])
        df = t[table]
        mask = _matching(df, table, arg.get("where") or {}, _names(t["nations"], "nations"))
        num = pd.to_numeric(df.loc[mask, col].where(df.loc[mask, col] != ""), errors="coerce")
        scaled = num * factor
        if TABLES[table].column(col).kind == "int":
            scaled = np.round(scaled)
        cells = [cell_text(float(v)) if v == v else "" for v in scaled]
        _check_value(t, table, col, cells)
        df.loc[mask, col] = cells
    elif kind == "objective":
        out.settings["objective"] = {**(out.settings.get("objective") or {}), **arg}
        _check_settings(out.settings)
    elif kind == "settings":
        out.settings.update(merge_mission(out.settings, arg))
        plan = (arg.get("persistence") or {}).get("plan") if isinstance(arg.get("persistence"), dict) else None
        if isinstance(plan, str) and out.path is not None and not Path(plan).is_absolute():
            # a re-plan's earlier plan lies beside the base instance, wherever the scenario is written
            base = Path(out.path) if Path(out.path).is_dir() else Path(out.path).parent
            out.settings["persistence"] = {**arg["persistence"], "plan": str((base / plan).resolve())}
        _check_settings(out.settings)
    elif kind == "solver":
        for k, v in arg.items():
            what, ok = SOLVER_CHECKS[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not ok(v):
                raise ChangeError(f"solver {k}: {what}", v)


def merge_mission(settings: dict, arg: dict) -> dict:
    """A settings change with ``mission`` changes only the mission keys it names
    (``settings: {mission: {dwell: 2}}`` keeps the periods)."""
    if isinstance(arg, dict) and isinstance(arg.get("mission"), dict) and isinstance(settings.get("mission"), dict):
        return {**arg, "mission": {**settings["mission"], **arg["mission"]}}
    return arg


def apply_changes(raw: RawInstance, scenario: Scenario) -> RawInstance:
    """A copy of the raw instance with the scenario's changes (raises InstanceError)."""
    out = raw.copy()
    for i, change in enumerate(scenario.changes):
        try:
            apply_change(out, change)
        except ChangeError as exc:
            raise InstanceError([Issue(scenario.where(i), str(exc), value=exc.value)]) from None
    return out


def withdraw_tables(t: dict[str, pd.DataFrame], nation: str) -> dict[str, pd.DataFrame]:
    """A withdrawn nation's assets, their suitability rows and its own links go; its
    votes (nations, consent) stay, and links that require it stay, so the nations
    that depend on it cannot take part."""
    _known(t, "nations", nation)
    assets = t["assets"]
    gone = set(assets.loc[assets["nation"] == nation, "asset"])
    return {
        "assets": assets[assets["nation"] != nation].reset_index(drop=True),
        "suitability": t["suitability"][~t["suitability"]["asset"].isin(gone)].reset_index(drop=True),
        "links": t["links"][t["links"]["nation"] != nation].reset_index(drop=True),
    }


def scenario_instance(raw: RawInstance, scenario: Scenario) -> Instance:
    """Apply and validate; every error is named with the scenario (InstanceError)."""
    changed = apply_changes(raw, scenario)
    try:
        return validate(changed)
    except InstanceError as exc:
        where = scenario.where()
        issues = [Issue(f"{where}: {i.source}", i.message, i.row, i.column, i.value) for i in exc.issues]
        raise InstanceError(issues, exc.warnings) from None


# --------------------------------------------------------------------------- parametric
def parametric_instance(base: Instance, scenario: Scenario) -> Instance:
    """The scenario's instance made from the validated base by changing parameters in
    place (no full re-validation); each new value is parsed and checked as in a file.
    Only for ``scenario.parametric``; raises InstanceError like ``scenario_instance``."""
    tables = {name: getattr(base, name) for name in TABLES}
    settings = settings_document(base.settings)
    settings["objective"].setdefault("lex_tolerance", base.settings.lex_tolerance)  # a scenario may add priorities
    touched: set[str] = set()

    def table(name: str) -> pd.DataFrame:
        if name not in touched:
            tables[name] = tables[name].copy()
            touched.add(name)
        return tables[name]

    def rows(name: str, key=None, where_=None) -> np.ndarray:
        df = table(name)
        flat = df.reset_index() if len(TABLES[name].key) == 1 else df
        text = flat.map(cell_text)
        mask = _existing(text, name, key) if key is not None else _matching(text, name, where_ or {})
        return mask.to_numpy()

    for i, change in enumerate(scenario.changes):
        kind, arg = next(iter(change.items()))
        where = scenario.where(i)
        try:
            if kind == "set":
                name, col = arg["table"], arg["column"]
                if name == "consent" and not key_mask(table(name).map(cell_text), name, arg["key"]).any():
                    n, f = arg["key"]
                    if n not in base.nations.index or f not in base.frameworks.index:
                        raise ChangeError("a consent row for a nation and a framework of the instance", arg["key"])
                    new = {"nation": n, "framework": f, "approval": "approve", "approval_probability": 1.0,
                           "contributes": True}
                    tables[name] = pd.concat([table(name), pd.DataFrame([new])], ignore_index=True)
                mask = rows(name, key=arg["key"])
                value = parse_cells(name, col, [cell_text(arg["value"])], where).iloc[0]
                tables[name].loc[mask, col] = value
            elif kind == "scale":
                name, col = arg["table"], arg["column"]
                mask = rows(name, where_=arg.get("where"))
                df = tables[name]
                scaled = df.loc[mask, col].astype(float) * float(arg["factor"])
                cells = [cell_text(float(round(v) if TABLES[name].column(col).kind == "int" else v)) if v == v else ""
                         for v in scaled]
                df.loc[mask, col] = parse_cells(name, col, cells, where).to_numpy()
            elif kind == "objective":
                settings["objective"] = {**settings["objective"], **arg}
            elif kind == "settings":
                settings.update(merge_mission(settings, arg))
        except ChangeError as exc:
            raise InstanceError([Issue(where, str(exc), value=exc.value)]) from None
    return replace(base, settings=parse_settings(settings, scenario.where()), **{n: tables[n] for n in touched})


# --------------------------------------------------------------------------- checking
def check_scenarios(raw: RawInstance, scenarios: list[Scenario]) -> list[Issue]:
    """Every problem of every scenario against the instance, all at once, each with
    the file line of its change and the offending value. Scenarios that change the
    structure are also applied and validated in full (an added row, a removed
    nation that assets still name)."""
    issues: list[Issue] = []
    seen: set[tuple] = set()
    for sc in scenarios:
        cur = raw.copy()
        ok = True
        for i, change in enumerate(sc.changes):
            try:
                apply_change(cur, change)
            except ChangeError as exc:
                ok = False
                line = sc.lines[i] if i < len(sc.lines) else None
                key = (line, str(exc), repr(exc.value))
                if key not in seen or line is None:
                    seen.add(key)
                    kind = next(iter(change))
                    issues.append(Issue(sc.where(i), f"{kind}: {exc}", value=exc.value))
        held = sc.force.get("framework") if sc.force else None
        if held is not None and held not in set(cur.tables["frameworks"]["framework"]):
            issues.append(Issue(sc.where(), f"framework: a framework of the instance to hold "
                                f"({', '.join(cur.tables['frameworks']['framework'])})" + _hint(held,
                                cur.tables["frameworks"]["framework"]), value=held))
        if ok and not sc.parametric:
            try:
                validate(cur)
            except InstanceError as exc:
                issues.extend(Issue(f"{sc.where()}: the changed {i.source}", i.message, i.row, i.column, i.value)
                              for i in exc.issues)
    return issues
