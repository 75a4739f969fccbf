"""The instance file format of MODEL.md as data: tables, columns, kinds and defaults.

Readers, the validator, the writers and the scenario editor all take the format
from here, so a column is added in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from solver.domain.instance import DEFAULT_WEIGHTS, TERMS, WEIGHTED_TERMS  # noqa: F401 (the format names them)

Kind = Literal["str", "bool", "float", "int", "list", "enum"]

APPROVAL_GROUPS = ("nato", "eu", "unsc_p5", "coalition", "none")
APPROVALS = ("approve", "abstain", "veto")
LINK_KINDS = ("requires_nation", "requires_role")


@dataclass(frozen=True)
class Column:
    """One column of an instance table.

    ``default`` None with ``required`` False means "none" (a blank stays missing,
    e.g. a role without a capacity). ``ref`` names the table whose key the value
    (or, for lists, each item) must be; ``check`` is a range such as ``">0"``.
    """

    name: str
    kind: Kind = "str"
    default: object = None
    required: bool = False
    ref: str | None = None
    check: str | None = None
    choices: tuple[str, ...] = ()
    parametric: bool = False  # a what-if may change it on a built model (bounds, right-hand sides, costs)
    header_required: bool = False  # the column must be in the file; a blank cell still takes the default


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    is_set: bool = False  # a set of keys (caveats, links): a repeated row is a warning and counts once

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "nations",
            ("nation",),
            (
                Column("nation", required=True),
                Column("name"),
                Column("nato", "bool", False),
                Column("eu", "bool", False),
                Column("coalition", "bool", True),
                Column("unsc_p5", "bool", False),
                Column("enabler_only", "bool", False),
                Column("in_theatre", "bool", True),
                Column("lead_capable", "bool", False),
                Column("max_share", "float", 1.0, check="share", parametric=True),
                Column("budget", "float", None, check=">=0", parametric=True),
                Column("hesitant", "bool", False),  # version 3: may withdraw (robust.from: hesitant)
                Column("stay_probability", "float", 1.0, check="probability"),  # reporting only
            ),
        ),
        Table(
            "frameworks",
            ("framework",),
            (
                Column("framework", required=True),
                Column("name"),
                Column("approval_group", "enum", "none", choices=APPROVAL_GROUPS),
                Column("enablers_reach", "bool", False),
                Column("setup_cost", "float", 0.0, check=">=0", parametric=True),
            ),
        ),
        Table(
            "consent",
            ("nation", "framework"),
            (
                Column("nation", required=True, ref="nations"),
                Column("framework", required=True, ref="frameworks"),
                Column("approval", "enum", "approve", choices=APPROVALS, parametric=True),
                Column("approval_probability", "float", 1.0, check="probability", parametric=True),
                Column("contributes", "bool", True),
            ),
            required=False,
        ),
        Table(
            "roles",
            ("role",),
            (
                Column("role", required=True),
                Column("name"),
                Column("requirement", "float", 0.0, check=">=0", parametric=True, header_required=True),
                Column("capacity", "float", None, check=">=0", parametric=True),
                Column("needed_by", "float", None),
                Column("in_theatre", "bool", True),
                Column("enabler", "bool", False),
                Column("frameworks", "list", None, ref="frameworks"),
                Column("min_nations", "int", 0, check=">=0", parametric=True),
                Column("max_enabler_share", "float", 1.0, check="share", parametric=True),
                Column("shortfall_penalty", "float", None, check=">=0", parametric=True),
                Column("lead_only", "bool", False),
            ),
        ),
        Table(
            "assets",
            ("asset",),
            (
                Column("asset", required=True),
                Column("nation", required=True, ref="nations"),
                Column("capability", required=True),
                Column("strength", "float", None, required=True, check=">0"),
                Column("cost", "float", 0.0, check=">=0"),
                Column("ready_day", "float", 0.0),
                Column("must_deploy", "bool", False),
                Column("available_under", "list", None, ref="frameworks"),
                Column("tour", "int", None, check=">0"),  # periods; blank: the mission's tour (MODEL.md v3)
                Column("dwell", "int", None, check=">=0"),  # periods; blank: the mission's dwell
            ),
        ),
        Table(
            "capabilities",
            ("capability", "role"),
            (
                Column("capability", required=True),
                Column("role", required=True, ref="roles"),
                Column("effectiveness", "float", 1.0, check=">=0"),
            ),
            required=False,
        ),
        Table(
            "suitability",
            ("asset", "role"),
            (
                Column("asset", required=True, ref="assets"),
                Column("role", required=True, ref="roles"),
                Column("effectiveness", "float", None, check=">=0"),
                Column("cost", "float", None, check=">=0"),
                Column("footprint", "float", None, check=">=0"),
            ),
            required=False,
        ),
        Table(
            "caveats",
            ("nation", "role"),
            (
                Column("nation", required=True, ref="nations"),
                Column("role", required=True, ref="roles"),
            ),
            required=False,
            is_set=True,
        ),
        Table(
            "links",
            ("nation", "kind", "target"),
            (
                Column("nation", required=True, ref="nations"),
                Column("kind", "enum", None, required=True, choices=LINK_KINDS),
                Column("target", required=True),
            ),
            required=False,
            is_set=True,
        ),
        Table(  # MODEL.md v3 "Time": a role's requirement in a listed period (a build-up, a drawdown)
            "phases",
            ("role", "period"),
            (
                Column("role", required=True, ref="roles"),
                Column("period", "int", None, required=True, check=">0"),
                Column("requirement", "float", None, required=True, check=">=0"),
            ),
            required=False,
        ),
    )
}

# Columns a persistent model can take new values for without a rebuild.
PARAMETRIC = frozenset((t.name, c.name) for t in TABLES.values() for c in t.columns if c.parametric)

# Keys of instance.yaml (and of the xlsx ``settings`` sheet, where nested keys
# are written with a dot: ``objective.cost``).
SETTINGS_KEYS = ("name", "description", "min_coalition_nations", "objective", "units", "gap", "fallback",
                 "robust", "persistence", "mission")
UNIT_KEYS = ("cost", "strength")  # units: {cost: EUR million per year, strength: capability points}
OBJECTIVE_KEYS = (*WEIGHTED_TERMS, "lexicographic", "lex_tolerance")


def cell_text(v) -> str:
    """How a value is spelled in an instance file: blank for none, true/false, ';' lists."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (tuple, list)):
        return ";".join(map(str, v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
