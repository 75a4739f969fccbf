"""What-if scenarios: the Scenario, scenario files and the names results are filed under.

A scenario is a named list of changes to the base instance:

    set:       {table, key, column, value}      one cell (a missing consent row is created
                                                for a nation and framework of the instance)
    remove:    {table, key} or {table, where}   rows by key or by column values (removed
                                                assets take their suitability rows along)
    withdraw:  NATION                           its assets, their suitability rows and its
                                                own links go; it keeps its vote
    add:       {table, rows: [{...}, ...]}      new rows (cells as in the CSV files)
    scale:     {table, column, factor[, where]} a numeric column, all or filtered rows
    objective: {cost: .., approval_risk: .., enabler_dependence: .., lexicographic: [..]}
    settings:  {min_coalition_nations: ..}
    solver:    {time_limit, mip_gap, seed}

and may ``extends: <other scenario>`` (its changes come first). The form of a
file is checked here; ``solver.analysis.whatif.changes`` checks every change against the
instance and applies it. A scenario whose changes touch only parameters
(columns flagged ``parametric`` in the schema, weights, solver options) is
``parametric``: a worker applies it to its persistent model.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from solver.domain.errors import InstanceError, Issue, ScenarioError
from solver.domain.suggest import close_column
from solver.io.readers import ROW, NoAliasLoader, RawInstance, load_yaml, read_text
from solver.io.schema import OBJECTIVE_KEYS, PARAMETRIC, TABLES

CHANGE_KINDS = ("set", "remove", "withdraw", "add", "scale", "objective", "settings", "solver")
SOLVER_KEYS = ("time_limit", "mip_gap", "seed")  # not threads: HiGHS cannot change it inside a process
MAX_NAME = 100  # characters of a scenario name (it becomes a folder name)
MAX_SCENARIOS = 1_000  # per batch, unless raised on purpose (--max-scenarios)


@dataclass
class Scenario:
    name: str
    changes: list[dict]  # resolved: the extended scenario's changes first
    line: int | None = None
    description: str = ""
    solver: dict = field(default_factory=dict)
    lines: list[int | None] = field(default_factory=list)  # the file line of each change
    source: str = ""  # the scenario file's name; "" for generated scenarios
    force: dict = field(default_factory=dict)  # {framework | nation[, role]} held on the model (why-not)

    def where(self, i: int | None = None) -> str:
        """How an error names this scenario: file, line of the change, and its name."""
        line = self.lines[i] if i is not None and i < len(self.lines) and self.lines[i] else self.line
        at = ", ".join(x for x in (self.source, f"line {line}" if line else "") if x)
        return f"{at} (scenario '{self.name}')" if at else f"scenario '{self.name}'"

    @property
    def parametric(self) -> bool:
        for c in self.changes:
            kind = next(iter(c))
            if kind in ("objective", "solver"):
                continue
            if kind == "settings" and set(c[kind]) <= {"min_coalition_nations"}:
                continue
            if kind in ("set", "scale") and (c[kind]["table"], c[kind]["column"]) in PARAMETRIC:
                continue
            return False
        return True

    def digest(self, base: str) -> str:
        """Key of a finished result: the base instance and everything the scenario does."""
        doc = json.dumps({"base": base, "name": self.name, "changes": self.changes, "solver": self.solver,
                          "force": self.force}, sort_keys=True, default=str)
        return hashlib.sha256(doc.encode()).hexdigest()[:20]





# --------------------------------------------------------------------------- names
def folder_name(name: str) -> str:
    """The folder a scenario's results go to: letters, digits and ``_.+-`` only, never hidden."""
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", name)
    return re.sub(r"^\.+", lambda m: "_" * len(m.group()), safe)


def name_issues(scenarios: list[Scenario]) -> list[Issue]:
    """Names that cannot file their results apart: empty, too long, control characters,
    'base', or two names that become the same folder (a/b and a_b; A and a)."""
    issues: list[Issue] = []
    folders: dict[str, list[Scenario]] = defaultdict(list)
    for sc in scenarios:
        where = sc.where()
        if not sc.name.strip():
            issues.append(Issue(where, "a scenario name that is not blank", value=sc.name))
        elif any(unicodedata.category(c).startswith("C") for c in sc.name):
            issues.append(Issue(where, "a scenario name without control characters", value=sc.name))
        elif len(sc.name) > MAX_NAME:
            issues.append(Issue(where, f"a scenario name of at most {MAX_NAME} characters "
                                       f"(it becomes a folder name; this one has {len(sc.name)})",
                                value=sc.name[:40] + "..."))
        elif sc.name == "base":
            issues.append(Issue(where, "a scenario name other than 'base' (the base instance's results)",
                                value=sc.name))
        else:
            folders[folder_name(sc.name).lower()].append(sc)
    for folder, same in folders.items():
        if len(same) > 1:
            names = ", ".join(repr(s.name) for s in same)
            what = "repeats" if len({s.name for s in same}) == 1 else f"would share the results folder '{folder}'"
            issues.append(Issue(same[-1].where(), f"distinct scenario names: {names} {what}", value=same[-1].name))
    return issues


# --------------------------------------------------------------------------- reading
# --------------------------------------------------------------------------- reading
class _LineLoader(NoAliasLoader):
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
    scenarios, base, issues = read_scenarios_all(path)
    if issues:
        raise ScenarioError(issues)
    return scenarios, base


def read_scenarios_all(path: str | Path) -> tuple[list[Scenario], str | None, list[Issue]]:
    """Like :func:`read_scenarios`, but the problems of the file's form come back with the
    scenarios that could be read (each without its malformed changes), so the caller can
    check those against the instance too and report every problem of the file at once
    (a misspelt change kind and a misspelt nation in one run, not two)."""
    path = Path(path)
    src = path.name
    try:
        doc = load_yaml(read_text(path, src), src, _LineLoader)
    except InstanceError as exc:  # not UTF-8, too large, a folder, bad YAML, aliases
        raise ScenarioError(exc.issues) from None
    except OSError as exc:
        raise ScenarioError([Issue(src, f"a readable scenario file ({exc.strerror or exc})")]) from None
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
        if name in raw:
            issues.append(Issue(where, f"a unique scenario name ('{name}' repeats)", value=name))
            continue
        unknown = set(item) - {"name", "description", "changes", "extends", "framework", "__line__"}
        if unknown:
            issues.append(Issue(where, f"scenario keys name, description, extends, changes, framework "
                                       f"(not {', '.join(sorted(unknown))})"))
        if "framework" in item and (not isinstance(item["framework"], str) or not item["framework"]):
            issues.append(Issue(where, f"scenario '{name}': framework: the code of one framework, held",
                                value=item["framework"]))
        changes = item.get("changes") or []
        if not isinstance(changes, list):
            issues.append(Issue(where, f"scenario '{name}': a list under 'changes'"))
            changes = []
        good = []
        for ch in changes:
            found = _check_change(ch, name, src)
            issues.extend(found)
            if not found:
                good.append(ch)
        raw[name] = {**item, "changes": good}
    broken = set()  # scenarios that extend one this file lacks
    for name, item in raw.items():
        ext = item.get("extends")
        if ext is not None and ext not in raw:
            broken.add(name)
            issues.append(Issue(f"{src}, line {item['__line__']}", f"scenario '{name}': extends a scenario of this file (no '{ext}')"))
    scenarios = []
    # every scenario whose chain is whole is built, so its changes are checked too
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
        if broken & seen or cur is not None:  # a missing link or a cycle: reported above
            continue
        changes = [c for sc in reversed(chain) for c in (sc.get("changes") or [])]
        lines = [c.get("__line__") if isinstance(c, dict) else None for c in changes]
        solver = {}
        for c in changes:
            if "solver" in c:
                solver.update(_strip(c["solver"]))
        held = next((sc["framework"] for sc in chain if sc.get("framework")), None)  # own, else extended
        scenarios.append(Scenario(name, [_strip(c) for c in changes], item["__line__"],
                                  str(item.get("description") or ""), solver, lines, src,
                                  force={"framework": str(held)} if held else {}))
    issues += name_issues(scenarios)
    base = doc.get("base")
    return scenarios, (str((path.parent / base).resolve()) if base else None), issues


def _check_change(ch, scenario: str, src: str) -> list[Issue]:
    """The form of one change (its values are checked when applied)."""
    line = ch.get("__line__") if isinstance(ch, dict) else None
    where = f"{src}, line {line}" if line else src
    body = {k: v for k, v in ch.items() if k != "__line__"} if isinstance(ch, dict) else {}
    if len(body) != 1 or next(iter(body)) not in CHANGE_KINDS:
        hint = _near(next(iter(body)), CHANGE_KINDS) if len(body) == 1 else ""
        return [Issue(where, f"scenario '{scenario}': a change of one kind: {', '.join(CHANGE_KINDS)}{hint}",
                      value=_strip(ch))]
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
        return [Issue(where, f"scenario '{scenario}': a table ({', '.join(TABLES)}){_near(arg['table'], TABLES)}",
                      value=arg["table"])]
    if kind == "remove" and not ({"key", "where"} & set(arg)):
        return [Issue(where, f"scenario '{scenario}': remove needs 'key' or 'where'", value=arg)]
    if kind == "objective" and not set(arg) <= set(OBJECTIVE_KEYS):
        bad = sorted(set(arg) - set(OBJECTIVE_KEYS), key=str)[0]
        return [Issue(where, f"scenario '{scenario}': objective keys {', '.join(OBJECTIVE_KEYS)}"
                             f"{_near(bad, OBJECTIVE_KEYS)}", value=arg)]
    if kind == "solver" and not set(arg) <= set(SOLVER_KEYS):
        bad = sorted(set(arg) - set(SOLVER_KEYS), key=str)[0]
        return [Issue(where, f"scenario '{scenario}': solver keys {', '.join(SOLVER_KEYS)}{_near(bad, SOLVER_KEYS)}",
                      value=arg)]
    if kind == "settings" and not set(arg) <= {"min_coalition_nations", "lex_tolerance", "robust", "persistence"}:
        return [Issue(where, f"scenario '{scenario}': settings keys min_coalition_nations, robust, persistence",
                      value=arg)]
    if kind in ("set", "scale") and arg["column"] not in TABLES[arg["table"]].column_names:
        names = TABLES[arg["table"]].column_names
        return [Issue(where, f"scenario '{scenario}': a column of {arg['table']} ({', '.join(names)})"
                             f"{_near(arg['column'], names)}", value=arg["column"])]
    if kind == "scale" and TABLES[arg["table"]].column(arg["column"]).kind not in ("float", "int"):
        return [Issue(where, f"scenario '{scenario}': a numeric column to scale", value=arg["column"])]
    if kind == "scale":
        f = arg["factor"]
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or f < 0:
            return [Issue(where, f"scenario '{scenario}': a factor >= 0", value=f)]
    return []


def _near(value, known) -> str:
    """`` (did you mean 'set'?)`` for a misspelt word of the file's form, else ""."""
    near = close_column(str(value), list(known))
    return f" (did you mean '{near}'?)" if near else ""


def base_digest(raw: RawInstance) -> str:
    """A hash of the base instance's content (tables and settings), not its file times."""
    h = hashlib.sha256()
    for name in sorted(raw.tables):
        df = raw.tables[name].drop(columns=ROW, errors="ignore")
        h.update(name.encode())
        h.update(df.to_csv(index=False).encode())
    h.update(json.dumps(raw.settings, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


__all__ = ["MAX_SCENARIOS", "Scenario", "ScenarioError", "base_digest", "folder_name", "name_issues",
           "read_scenarios", "read_scenarios_all"]
