"""Generated what-ifs over time: the force needed against the mission's length and the dwell.

``--sweep periods`` solves the mission for T = 1 .. max(2 T, 6) periods (at most 12),
``--sweep dwell`` for a mission-wide dwell of 0 .. max(D + 2, 3) periods (the
default of every asset without a dwell of its own; an asset's own dwell stays). Each scenario is a settings change (and, for a shorter
mission, the removal of the phases past its end), so it is rebuilt, not retargeted.
The summary gains the sustainment figure of each answer (assets used, largest force
in theatre, their ratio).
"""

from __future__ import annotations

from solver.analysis.whatif.scenarios import Scenario
from solver.domain.instance import Instance
from solver.io.schema import cell_text


def _label(inst: Instance) -> str:
    label = inst.settings.mission.period_label
    return f" of {label}" if label else ""


def sweep_periods(inst: Instance, most: int = 12) -> list[Scenario]:
    """Mission lengths 1 .. max(2 T, 6) (at most ``most``)."""
    T = inst.settings.mission.periods
    phases = inst.phases if inst.phases is not None else None
    out = []
    for n in range(1, min(most, max(2 * T, 6)) + 1):
        changes: list[dict] = [{"settings": {"mission": {"periods": n}}}]
        if phases is not None and len(phases):
            for p in sorted({int(p) for p in phases["period"] if p > n}):
                changes.append({"remove": {"table": "phases", "where": {"period": cell_text(float(p))}}})
        out.append(Scenario(f"periods:{n:02d}", changes, description=f"a mission of {n} period(s){_label(inst)}"))
    return out


def sweep_dwell(inst: Instance) -> list[Scenario]:
    """A dwell of 0 .. max(D + 2, 3) periods for every asset."""
    D = inst.settings.mission.dwell
    out = []
    for d in range(0, max(D + 2, 3) + 1):
        changes: list[dict] = [{"settings": {"mission": {"dwell": d}}}]
        out.append(Scenario(f"dwell:{d:02d}", changes, description=f"every asset rests {d} period(s) after a tour"))
    return out
