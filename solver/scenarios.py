"""What-if scenarios: read and validate scenario files, generate sweeps, apply changes.

A scenario is a named list of changes to the base instance:

    set:       {table, key, column, value}      one cell (a missing consent row is created)
    remove:    {table, key} or {table, where}   rows by key or by column values (removed
                                                assets take their suitability rows along)
    withdraw:  NATION                           its assets, their suitability rows and its
                                                own links go; it keeps its vote
    add:       {table, rows: [{...}, ...]}      new rows (cells as in the CSV files)
    scale:     {table, column, factor[, where]} a numeric column, all or filtered rows
    objective: {cost: .., approval_risk: .., enabler_dependence: .., lexicographic: [..]}
    settings:  {min_coalition_nations: ..}
    solver:    {time_limit, mip_gap, seed, threads}

and may ``extends: <other scenario>`` (its changes come first). Changes are
applied to the raw tables, so every scenario is validated exactly like an
instance; a scenario whose changes touch only parameters (requirements,
capacities, budgets, shares, vetoes, probabilities, setup costs, weights) is
also marked ``parametric`` so a worker can apply it to a persistent model.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from solver.instance import Instance, InstanceError, Issue, Settings
from solver.io.readers import ROW, RawInstance
from solver.schema import OBJECTIVE_KEYS, TABLES, cell_text
from solver.validate import parse_cells, parse_settings, validate

KINDS = ("set", "remove", "withdraw", "add", "scale", "objective", "settings", "solver")
SOLVER_KEYS = ("time_limit", "mip_gap", "seed")  # not threads: HiGHS cannot change it inside a process
# Columns a persistent model can take new values for without a rebuild.
PARAMETRIC = {
    ("roles", "requirement"), ("roles", "capacity"), ("roles", "min_nations"), ("roles", "max_enabler_share"),
    ("roles", "shortfall_penalty"), ("nations", "max_share"), ("nations", "budget"),
    ("consent", "approval"), ("consent", "approval_probability"), ("frameworks", "setup_cost"),
}


@dataclass
class Scenario:
    name: str
    changes: list[dict]  # resolved: the extended scenario's changes first
    line: int | None = None
    description: str = ""
    solver: dict = field(default_factory=dict)
    lines: list[int | None] = field(default_factory=list)  # the file line of each change

    def where(self, i: int | None = None) -> str:
        """How an error names this scenario: its name and the line of the change."""
        line = self.lines[i] if i is not None and i < len(self.lines) and self.lines[i] else self.line
        return f"scenario '{self.name}'" + (f" (line {line})" if line else "")

    @property
    def parametric(self) -> bool:
        for c in self.changes:
            kind = next(iter(c))
            if kind in ("objective", "solver"):
                continue
            if kind == "settings" and set(c[kind]) <= {"min_coalition_nations"}:
                continue
            if kind == "set" and (c["set"]["table"], c["set"]["column"]) in PARAMETRIC:
                continue
            if kind == "scale" and (c["scale"]["table"], c["scale"]["column"]) in PARAMETRIC:
                continue
            return False
        return True

    def digest(self, base: str) -> str:
        """Key of a finished result: the base instance and everything the scenario does."""
        doc = json.dumps({"base": base, "name": self.name, "changes": self.changes, "solver": self.solver},
                         sort_keys=True, default=str)
        return hashlib.sha256(doc.encode()).hexdigest()[:20]


class ScenarioError(Exception):
    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


# --------------------------------------------------------------------------- reading
class _LineLoader(yaml.SafeLoader):
    """Remembers the line of every mapping (``__line__``) for error messages."""


def _mapping_with_line(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k != "__line__"}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def read_scenarios(path: str | Path) -> tuple[list[Scenario], str | None]:
    """Scenarios of a YAML file and its ``base`` (if given); every error at once."""
    path = Path(path)
    src = path.name
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError([Issue(src, f"a readable YAML scenario file ({exc})")]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("scenarios"), list):
        raise ScenarioError([Issue(src, "a mapping with a list under 'scenarios'")])
    issues: list[Issue] = []
    raw: dict[str, dict] = {}
    for item in doc["scenarios"]:
        line = item.get("__line__") if isinstance(item, dict) else None
        where = f"{src}, line {line}" if line else src
        if not isinstance(item, dict) or not item.get("name"):
            issues.append(Issue(where, "a scenario with a 'name' and a list of 'changes'"))
            continue
        name = str(item["name"])
        if name in raw or name == "base":
            issues.append(Issue(where, f"a unique scenario name other than 'base' ('{name}' repeats)"))
            continue
        unknown = set(item) - {"name", "description", "changes", "extends", "__line__"}
        if unknown:
            issues.append(Issue(where, f"scenario keys name, description, extends, changes (not {', '.join(sorted(unknown))})"))
        changes = item.get("changes") or []
        if not isinstance(changes, list):
            issues.append(Issue(where, f"scenario '{name}': a list under 'changes'"))
            changes = []
        for ch in changes:
            issues.extend(_check_change(ch, name, src))
        raw[name] = item
    for name, item in raw.items():
        ext = item.get("extends")
        if ext is not None and ext not in raw:
            issues.append(Issue(f"{src}, line {item['__line__']}", f"scenario '{name}': extends a scenario of this file (no '{ext}')"))
    scenarios = []
    if not issues:
        for name, item in raw.items():
            chain, seen = [], set()
            cur = item
            while cur is not None:
                if cur["name"] in seen:
                    issues.append(Issue(f"{src}, line {item['__line__']}", f"scenario '{name}': extends without a cycle"))
                    break
                seen.add(cur["name"])
                chain.append(cur)
                cur = raw.get(cur.get("extends")) if cur.get("extends") else None
            changes = [c for sc in reversed(chain) for c in (sc.get("changes") or [])]
            lines = [c.get("__line__") if isinstance(c, dict) else None for c in changes]
            solver = {}
            for c in changes:
                if "solver" in c:
                    solver.update(_strip(c["solver"]))
            scenarios.append(Scenario(name, [_strip(c) for c in changes], item["__line__"],
                                      str(item.get("description") or ""), solver, lines))
    if issues:
        raise ScenarioError(issues)
    base = doc.get("base")
    return scenarios, (str((path.parent / base).resolve()) if base else None)


def _check_change(ch, scenario: str, src: str) -> list[Issue]:
    """The form of one change (its values are checked when applied)."""
    line = ch.get("__line__") if isinstance(ch, dict) else None
    where = f"{src}, line {line}" if line else src
    body = {k: v for k, v in ch.items() if k != "__line__"} if isinstance(ch, dict) else {}
    if len(body) != 1 or next(iter(body)) not in KINDS:
        return [Issue(where, f"scenario '{scenario}': a change of one kind: {', '.join(KINDS)}", value=_strip(ch))]
    kind, arg = next(iter(body.items()))
    need = {"set": {"table", "key", "column", "value"}, "remove": {"table"}, "add": {"table", "rows"},
            "scale": {"table", "column", "factor"}}.get(kind)
    if kind == "withdraw":
        return [] if isinstance(arg, str) and arg else [Issue(where, f"scenario '{scenario}': withdraw: NATION", value=arg)]
    if not isinstance(arg, dict):
        return [Issue(where, f"scenario '{scenario}': a mapping after '{kind}'", value=arg)]
    arg = _strip(arg)
    if need and not need <= set(arg):
        return [Issue(where, f"scenario '{scenario}': '{kind}' needs {', '.join(sorted(need))}", value=arg)]
    if "table" in arg and arg["table"] not in TABLES:
        return [Issue(where, f"scenario '{scenario}': a table ({', '.join(TABLES)})", value=arg["table"])]
    if kind == "remove" and not ({"key", "where"} & set(arg)):
        return [Issue(where, f"scenario '{scenario}': remove needs 'key' or 'where'", value=arg)]
    if kind == "objective" and not set(arg) <= set(OBJECTIVE_KEYS):
        return [Issue(where, f"scenario '{scenario}': objective keys {', '.join(OBJECTIVE_KEYS)}", value=arg)]
    if kind == "solver" and not set(arg) <= set(SOLVER_KEYS):
        return [Issue(where, f"scenario '{scenario}': solver keys {', '.join(SOLVER_KEYS)}", value=arg)]
    if kind == "settings" and not set(arg) <= {"min_coalition_nations", "lex_tolerance"}:
        return [Issue(where, f"scenario '{scenario}': settings keys min_coalition_nations", value=arg)]
    if kind in ("set", "scale") and arg["column"] not in TABLES[arg["table"]].column_names:
        return [Issue(where, f"scenario '{scenario}': a column of {arg['table']} "
                             f"({', '.join(TABLES[arg['table']].column_names)})", value=arg["column"])]
    if kind == "scale" and TABLES[arg["table"]].column(arg["column"]).kind not in ("float", "int"):
        return [Issue(where, f"scenario '{scenario}': a numeric column to scale", value=arg["column"])]
    if kind == "scale":
        f = arg["factor"]
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or f < 0:
            return [Issue(where, f"scenario '{scenario}': a factor >= 0", value=f)]
    return []


# --------------------------------------------------------------------------- applying
def _key_mask(df: pd.DataFrame, table: str, key) -> pd.Series:
    cols = TABLES[table].key
    values = key if isinstance(key, list) else [key]
    if len(values) != len(cols):
        raise ValueError(f"a key of {len(cols)} value(s) ({', '.join(cols)}) for {table}, got {key!r}")
    mask = pd.Series(True, index=df.index)
    for c, v in zip(cols, values, strict=True):
        mask &= df[c] == cell_text(v)
    return mask


def _where_mask(df: pd.DataFrame, table: str, where: dict) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for c, v in where.items():
        if c not in TABLES[table].column_names:
            raise ValueError(f"a column of {table} in 'where' (not {c!r})")
        vals = v if isinstance(v, list) else [v]
        mask &= df[c].isin([cell_text(x) for x in vals])
    return mask


def apply_changes(raw: RawInstance, scenario: Scenario) -> RawInstance:
    """A copy of the raw instance with the scenario's changes (raises ValueError)."""
    out = raw.copy()
    for i, change in enumerate(scenario.changes):
        try:
            _apply_one(out, change)
        except ValueError as exc:
            raise ValueError(f"{scenario.where(i)}: {exc}") from exc
    return out


def _apply_one(out: RawInstance, change: dict) -> None:
    t = out.tables
    kind, arg = next(iter(change.items()))
    if kind == "set":
        table, col = arg["table"], arg["column"]
        if col not in TABLES[table].column_names:
            raise ValueError(f"set: a column of {table} (not {col!r})")
        df = t[table]
        mask = _key_mask(df, table, arg["key"])
        if not mask.any():
            if table != "consent":
                raise ValueError(f"set: no row of {table} with key {arg['key']!r}")
            keys = arg["key"]
            row = dict.fromkeys(df.columns, "")
            row.update({"nation": cell_text(keys[0]), "framework": cell_text(keys[1]), ROW: None})
            t[table] = df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
            mask = _key_mask(df, table, keys)
        df.loc[mask, col] = cell_text(arg["value"])
    elif kind == "remove":
        df = t[arg["table"]]
        mask = _key_mask(df, arg["table"], arg["key"]) if "key" in arg else _where_mask(df, arg["table"], arg["where"])
        if not mask.any():
            raise ValueError(f"remove: no row of {arg['table']} matches {arg.get('key', arg.get('where'))!r}")
        t[arg["table"]] = df[~mask].reset_index(drop=True)
        if arg["table"] == "assets":  # a removed asset takes its per-asset overrides along
            gone = set(df.loc[mask, "asset"])
            t["suitability"] = t["suitability"][~t["suitability"]["asset"].isin(gone)].reset_index(drop=True)
    elif kind == "withdraw":
        t.update(withdraw_tables(t, arg))
    elif kind == "add":
        rows = arg["rows"] if isinstance(arg["rows"], list) else [arg["rows"]]
        cols = TABLES[arg["table"]].column_names
        bad = [c for r in rows for c in r if c not in cols]
        if bad:
            raise ValueError(f"add: columns of {arg['table']} (not {', '.join(sorted(set(bad)))})")
        new = pd.DataFrame([{c: cell_text(r.get(c)) for c in cols} | {ROW: None} for r in rows])
        t[arg["table"]] = pd.concat([t[arg["table"]], new], ignore_index=True)
    elif kind == "scale":
        table, col, factor = arg["table"], arg["column"], float(arg["factor"])
        spec = TABLES[table].column(col) if col in TABLES[table].column_names else None
        if spec is None or spec.kind not in ("float", "int"):
            raise ValueError(f"scale: a numeric column of {table} (not {col!r})")
        df = t[table]
        mask = _where_mask(df, table, arg.get("where") or {})
        num = pd.to_numeric(df.loc[mask, col].where(df.loc[mask, col] != ""), errors="coerce")
        scaled = num * factor
        if spec.kind == "int":
            scaled = np.round(scaled)
        df.loc[mask, col] = [cell_text(float(v)) if v == v else "" for v in scaled]
    elif kind == "objective":
        obj = dict(out.settings.get("objective") or {})
        obj.update(arg)
        out.settings["objective"] = obj
    elif kind == "settings":
        out.settings.update(arg)


def settings_dict(s: Settings) -> dict:
    obj = {**s.weights, "lexicographic": list(s.lexicographic), "lex_tolerance": s.lex_tolerance}
    out = {"name": s.name, "description": s.description, "min_coalition_nations": s.min_coalition_nations,
           "objective": obj}
    if s.gap:
        out["gap"] = dict(s.gap)
    return out


def parametric_instance(base: Instance, scenario: Scenario) -> Instance:
    """The scenario's instance made from the validated base by changing parameters in
    place (no full re-validation); each new value is parsed and checked as in a file.
    Only for ``scenario.parametric``; raises InstanceError like ``scenario_instance``."""
    tables = {name: getattr(base, name) for name in TABLES}
    settings = settings_dict(base.settings)
    touched: set[str] = set()

    def table(name: str) -> pd.DataFrame:
        if name not in touched:
            tables[name] = tables[name].copy()
            touched.add(name)
        return tables[name]

    def rows(name: str, key=None, where_=None) -> pd.Series:
        df = table(name)
        flat = df.reset_index() if len(TABLES[name].key) == 1 else df
        if key is not None:
            mask = _key_mask(flat.map(cell_text), name, key)
        else:
            mask = _where_mask(flat.map(cell_text), name, where_ or {})
        return pd.Series(mask.to_numpy(), index=df.index)

    for i, change in enumerate(scenario.changes):
        kind, arg = next(iter(change.items()))
        where = scenario.where(i)
        try:
            if kind == "set":
                name, col = arg["table"], arg["column"]
                mask = rows(name, key=arg["key"])
                if not mask.any():
                    if name != "consent":
                        raise ValueError(f"set: no row of {name} with key {arg['key']!r}")
                    n, f = arg["key"]
                    df = table(name)
                    new = {"nation": n, "framework": f, "approval": "approve", "approval_probability": 1.0,
                           "contributes": True}
                    tables[name] = pd.concat([df, pd.DataFrame([new])], ignore_index=True)
                    mask = rows(name, key=arg["key"])
                value = parse_cells(name, col, [cell_text(arg["value"])], where).iloc[0]
                tables[name].loc[mask.to_numpy(), col] = value
            elif kind == "scale":
                name, col = arg["table"], arg["column"]
                mask = rows(name, where_=arg.get("where"))
                df = tables[name]
                scaled = df.loc[mask.to_numpy(), col].astype(float) * float(arg["factor"])
                cells = [cell_text(float(round(v) if TABLES[name].column(col).kind == "int" else v)) if v == v else ""
                         for v in scaled]
                df.loc[mask.to_numpy(), col] = parse_cells(name, col, cells, where).to_numpy()
            elif kind == "objective":
                settings["objective"] = {**settings["objective"], **arg}
            elif kind == "settings":
                settings.update(arg)
        except ValueError as exc:
            raise InstanceError([Issue(where, str(exc))]) from exc
    return replace(base, settings=parse_settings(settings, scenario.where()), **{n: tables[n] for n in touched})


def withdraw_tables(t: dict[str, pd.DataFrame], nation: str) -> dict[str, pd.DataFrame]:
    """A withdrawn nation's assets, their suitability rows and its own links go; its
    votes (nations, consent) stay, and links that require it stay, so the nations
    that depend on it cannot take part."""
    if not (t["nations"]["nation"] == nation).any():
        raise ValueError(f"withdraw: a nation of the nations table (not {nation!r})")
    assets = t["assets"]
    gone = set(assets.loc[assets["nation"] == nation, "asset"])
    return {
        "assets": assets[assets["nation"] != nation].reset_index(drop=True),
        "suitability": t["suitability"][~t["suitability"]["asset"].isin(gone)].reset_index(drop=True),
        "links": t["links"][t["links"]["nation"] != nation].reset_index(drop=True),
    }


def scenario_instance(raw: RawInstance, scenario: Scenario) -> Instance:
    """Apply and validate; errors are named with the scenario (InstanceError)."""
    where = scenario.where()
    try:
        changed = apply_changes(raw, scenario)
    except ValueError as exc:
        raise InstanceError([Issue("scenario", str(exc))]) from exc
    try:
        return validate(changed)
    except InstanceError as exc:
        issues = [Issue(f"{where}: {i.source}", i.message, i.row, i.column, i.value) for i in exc.issues]
        raise InstanceError(issues, exc.warnings) from exc


# --------------------------------------------------------------------------- sweeps
def sweep_withdrawal(raw: RawInstance) -> list[Scenario]:
    """Each nation with assets withdraws in turn (the N-1 test)."""
    nations = sorted(set(raw.tables["assets"]["nation"]) - {""})
    return [Scenario(f"withdrawal:{n}", [{"withdraw": n}]) for n in nations]


def sweep_veto(raw: RawInstance, framework: str, group: list[str]) -> list[Scenario]:
    """Each member of the chosen framework's approval group vetoes it in turn."""
    consent = raw.tables["consent"]
    already = set(consent.loc[(consent["framework"] == framework) & (consent["approval"].str.lower() == "veto"), "nation"])
    return [Scenario(f"veto:{n}", [{"set": {"table": "consent", "key": [n, framework], "column": "approval", "value": "veto"}}])
            for n in sorted(group) if n not in already]


def sweep_consent(raw: RawInstance) -> list[Scenario]:
    """Each refusal, veto and caveat lifted in turn: the price of each political constraint."""
    out = []
    c = raw.tables["consent"]
    for _, r in c.iterrows():
        key = [r["nation"], r["framework"]]
        if r["contributes"].lower() in ("false", "no", "0", "n", "f"):
            out.append(Scenario(f"refusal:{r['nation']}:{r['framework']}",
                                [{"set": {"table": "consent", "key": key, "column": "contributes", "value": True}}]))
        if r["approval"].lower() == "veto":
            out.append(Scenario(f"veto:{r['nation']}:{r['framework']}",
                                [{"set": {"table": "consent", "key": key, "column": "approval", "value": "approve"}}]))
    for _, r in raw.tables["caveats"].iterrows():
        out.append(Scenario(f"caveat:{r['nation']}:{r['role']}",
                            [{"remove": {"table": "caveats", "key": [r["nation"], r["role"]]}}]))
    return out


def sweep_requirement(spec: str) -> list[Scenario]:
    """Every role's requirement scaled by factors START:STOP:STEP (inclusive)."""
    try:
        start, stop, step = (float(x) for x in spec.split(":"))
    except ValueError:
        raise ValueError(f"--factor START:STOP:STEP, e.g. 0.5:2.0:0.25 (not {spec!r})") from None
    if step <= 0 or stop < start or start < 0:
        raise ValueError(f"--factor START:STOP:STEP with 0 <= START <= STOP and STEP > 0 (not {spec!r})")
    n = int(math.floor((stop - start) / step + 1e-9)) + 1
    factors = [round(start + i * step, 10) for i in range(n)]
    return [Scenario(f"requirement:x{f:g}", [{"scale": {"table": "roles", "column": "requirement", "factor": f}}])
            for f in factors]


def base_digest(raw: RawInstance) -> str:
    """A hash of the base instance's content (tables and settings), not its file times."""
    h = hashlib.sha256()
    for name in sorted(raw.tables):
        df = raw.tables[name].drop(columns=ROW, errors="ignore")
        h.update(name.encode())
        h.update(df.to_csv(index=False).encode())
    h.update(json.dumps(raw.settings, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


__all__ = ["Scenario", "ScenarioError", "apply_changes", "base_digest", "parametric_instance", "read_scenarios",
           "scenario_instance",
           "sweep_consent", "sweep_requirement", "sweep_veto", "sweep_withdrawal"]
