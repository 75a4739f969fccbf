"""The optimum agrees with an independent formulation of MODEL.md.

Random instances touch every table and column; the reference model
(tests/reference.py) is the literal per-asset formulation built straight from
the spec with highspy. Both the aggregated model and the per-asset one must
give the reference's optimum (or agree that none exists), every allocation
must satisfy constraints 1-13 as the independent checker reads them, and the
reported objective must equal the one recomputed from the allocation.
"""

from __future__ import annotations

import pytest
from reference import Ref
from spec import random_spec, write_spec

from solver import SolveOptions, Status, solve

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick

SEEDS = range(60)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@pytest.mark.parametrize("seed", SEEDS)
def test_optimum_matches_reference(seed, tmp_path):
    spec = random_spec(seed)
    path = write_spec(spec, tmp_path / "inst", seed)
    ref = Ref(spec)
    status, best = ref.optimum()
    for aggregate in (True, False):
        sol = solve(path, SolveOptions(mip_gap=0, aggregate=aggregate))
        if status == "infeasible":
            assert sol.status == Status.INFEASIBLE
            assert sol.objective is None and sol.diagnosis
            continue
        assert sol.status == Status.OPTIMAL
        assert _close(sol.objective, best), (aggregate, sol.objective, best)
        chosen = ref.pairs_of(list(zip(sol.allocation["asset"], sol.allocation["role"], strict=True)))
        bad, terms, objective = ref.evaluate(sol.framework, chosen)
        assert bad == []
        assert _close(sol.objective, objective)
        for t, v in terms.items():
            assert _close(sol.terms[t], v), t


def test_random_instances_are_a_fair_mix():
    """The comparison above means something only if both outcomes occur often."""
    outcomes = [Ref(random_spec(s)).optimum()[0] for s in SEEDS]
    assert outcomes.count("optimal") >= 15
    assert outcomes.count("infeasible") >= 15


@pytest.mark.parametrize("seed", range(25))
def test_tiny_instances_match_brute_force(seed, tmp_path):
    """Enumerating every framework and assignment gives the same optimum."""
    spec = random_spec(seed, "tiny")
    path = write_spec(spec, tmp_path / "inst", seed)
    feasible = Ref(spec).enumerate()
    sol = solve(path, SolveOptions(mip_gap=0))
    if not feasible:
        assert sol.status == Status.INFEASIBLE
    else:
        assert sol.status == Status.OPTIMAL
        assert _close(sol.objective, feasible[0][0])
