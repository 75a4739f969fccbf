"""HiGHS 1.16's presolve called a feasible model infeasible (found while checking reasons
out): the bundled instance as it was on 2026-11-29 (tests/data/presolve-case, frozen so the
case keeps failing HiGHS whatever the bundled instance becomes) with the backstop
requirement lifted and Italy forced in. The adapter believes "infeasible" only when a run
without presolve agrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.domain.commitments import commitments, lift
from solver.domain.status import Status
from solver.engine.session import Forcing, Session, SolveOptions
from solver.io import load_instance

pytestmark = pytest.mark.quick


CASE = Path(__file__).resolve().parent / "data" / "presolve-case"


def test_a_feasible_model_is_not_called_infeasible():
    inst = load_instance(CASE)
    backstop = [c for c in commitments(inst, ("requirement",)) if c.key["role"] == "backstop"]
    s = Session(lift(inst, backstop), SolveOptions(mip_gap=0))
    # independent reason: the free-framework optimum is the best of the framework-held ones
    held = [s.optimise(forcing=Forcing(nation="ITA", framework=f)) for f in s.data.frameworks]
    best = min(r.objective for r in held if r.status.has_solution)
    free = s.optimise(forcing=Forcing(nation="ITA"))
    assert free.status == Status.OPTIMAL
    assert free.objective == pytest.approx(best, abs=1e-6)
    assert free.objective == pytest.approx(2786.365, abs=1e-2)  # Italy's NATO refusal keeps it to the EU mission
