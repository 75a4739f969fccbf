"""The validated instance: typed tables a model can be built from without checks.

An :class:`Instance` is produced only by :func:`solver.io.validate.validate`; every
table is a pandas DataFrame with parsed values (booleans, floats, tuples of
framework names with ``all`` expanded) and the defaults of MODEL.md filled in.
Single-key tables are indexed by their key; the others keep their key columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from solver.domain.errors import Issue
from solver.domain.mission import Mission

# The objective's terms (MODEL.md "Objective"): shortfall is always weighted 1; the others
# take their weight from instance.yaml (these defaults) or a scenario.
TERMS = ("cost", "shortfall", "approval_risk", "enabler_dependence")
WEIGHTED_TERMS = ("cost", "approval_risk", "enabler_dependence")
DEFAULT_WEIGHTS = {"cost": 1.0, "approval_risk": 0.0, "enabler_dependence": 0.0}





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
    fallback_change_penalty: float = 0.0  # instance.yaml fallback: {change_penalty} (Plan B, MODEL.md v3)
    robust: dict = field(default_factory=dict)  # survive, from, roles, reserve_cost, recourse (solver.io.robust_spec)
    persistence: dict = field(default_factory=dict)  # change_penalty (solver.io.robust_spec)
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
