"""The mission over time (MODEL.md version 3, "Time"): its settings, and checks on them.

``instance.yaml`` may hold ``mission: {periods, period_label, tour, dwell}``. T = 1
(the default) is version 2's single snapshot and takes today's path everywhere;
only T > 1 builds the time-phased model (``models.time``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

MISSION_KEYS = ("periods", "period_label", "tour", "dwell")


@dataclass(frozen=True)
class Mission:
    """How long the mission lasts and how units rotate by default.

    ``periods`` T (1); ``period_label`` what one period is (e.g. "6 months");
    ``tour`` (1) and ``dwell`` (0): the defaults of ``assets.tour`` and
    ``assets.dwell``, in periods."""

    periods: int = 1
    period_label: str = ""
    tour: int = 1
    dwell: int = 0

    @property
    def timed(self) -> bool:
        """Whether the time-phased model applies (T > 1)."""
        return self.periods > 1

    def to_dict(self) -> dict:
        return {"periods": self.periods, "period_label": self.period_label, "tour": self.tour, "dwell": self.dwell}


def _whole(value, low: int) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and float(value) == int(value) and value >= low)


def parse_mission(value, source: str, error) -> Mission:
    """instance.yaml ``mission`` as a :class:`Mission`; ``error(source, message, column=, value=)``
    is called for each problem (every one is reported, then the defaults stand in)."""
    if value is None or value == "":
        return Mission()
    if not isinstance(value, dict):
        error(source, "a mapping (periods, period_label, tour, dwell)", column="mission", value=value)
        return Mission()
    for k in value:
        if k not in MISSION_KEYS:
            error(source, f"a mission key ({', '.join(MISSION_KEYS)})", column=f"mission.{k}", value=k)
    out = {}
    for key, low, default, what in (("periods", 1, 1, "a whole number of periods >= 1"),
                                    ("tour", 1, 1, "a whole number of periods >= 1"),
                                    ("dwell", 0, 0, "a whole number of periods >= 0")):
        v = value.get(key, default)
        if v is None or v == "":
            v = default
        if not _whole(v, low):
            error(source, what, column=f"mission.{key}", value=v)
            v = default
        out[key] = int(v)
    label = value.get("period_label")
    label = "" if label is None else str(label).strip()
    return Mission(periods=out["periods"], period_label=label, tour=out["tour"], dwell=out["dwell"])


def check_phases(phases: pd.DataFrame | None, raw, mission: Mission, out) -> None:
    """Report (``out.error``) every phase whose period lies after T, unless T itself is
    unreadable (then the periods are not judged against a default)."""
    if phases is None or any(i.column == "mission.periods" for i in out.errors):
        return
    for i in phase_period_issues(phases, mission.periods):
        row = phases.at[i, "_row"]
        out.error(raw.sources.get("phases", "phases"), f"a period in 1..{mission.periods} (the mission's periods "
                  "in the settings)", None if row != row or row is None else int(row), "period",
                  raw.tables["phases"].at[i, "period"])


def phase_period_issues(phases: pd.DataFrame, periods: int) -> list:
    """Index labels of the phases whose period lies after T (a blank, unreadable or
    non-positive period is reported by the cell checks, not here)."""
    return [i for i, p in phases["period"].items() if p == p and p > periods]
