"""The validated instance: typed tables a model can be built from without checks.

An :class:`Instance` is produced only by :func:`solver.validate.validate`; every
table is a pandas DataFrame with parsed values (booleans, floats, tuples of
framework names with ``all`` expanded) and the defaults of MODEL.md filled in.
Single-key tables are indexed by their key; the others keep their key columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from solver.errors import BadInput
from solver.mission import Mission
from solver.schema import DEFAULT_WEIGHTS


@dataclass(frozen=True)
class Issue:
    """One problem found in an instance, located as precisely as the input allows."""

    source: str  # "assets.csv", "sheet assets", "instance.yaml", "scenario 'x'"
    message: str  # what was expected
    row: int | None = None  # row in the file (the header is row 1)
    column: str | None = None
    value: object = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            label = "key" if self.source.endswith(("yaml", "settings")) else "column"
            where += f", {label} {self.column}"
        message = " ".join(str(self.message).split())  # one line, whatever a library's message held
        return f"{where}: {_got(self.value)}{message}"


def _got(value, limit: int = 80) -> str:
    """The offending value, shortened: a megabyte of a bad cell helps nobody."""
    if value is None:
        return ""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 12] + f"... ({len(str(value)):,} characters)"
    return f"got {text}; "


class InstanceError(BadInput):
    """Raised with every error found in an instance; ``issues`` lists them (exit 2)."""

    what = "the instance"


@dataclass(frozen=True)
class Settings:
    """instance.yaml: weights of the objective terms and coalition-wide rules."""

    name: str
    description: str = ""
    min_coalition_nations: int = 0
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    lexicographic: tuple[str, ...] = ()
    lex_tolerance: float = 0.0
    gap: dict | None = None  # set by import-gap: {"sense", "profit_base", "jobs"}
    units: dict[str, str] = field(default_factory=dict)  # {"cost": "EUR million per year", "strength": ...}
    mission: Mission = field(default_factory=Mission)  # MODEL.md v3 "Time"; periods 1 = version 2


@dataclass(frozen=True)
class Instance:
    settings: Settings
    nations: pd.DataFrame
    frameworks: pd.DataFrame
    consent: pd.DataFrame
    roles: pd.DataFrame
    assets: pd.DataFrame
    capabilities: pd.DataFrame
    suitability: pd.DataFrame
    caveats: pd.DataFrame
    links: pd.DataFrame
    source: Path | None = None
    warnings: tuple[Issue, ...] = ()
    phases: pd.DataFrame | None = None  # role, period, requirement (MODEL.md v3 "Time")

    @property
    def name(self) -> str:
        return self.settings.name

    def group_members(self, group: str) -> list[str]:
        """Nations whose vote counts in an approval group (MODEL.md constraint 2)."""
        if group == "none":
            return []
        return list(self.nations.index[self.nations[group]])
