"""The CI gate of benchmarks/baseline.py: counters may not grow, ratios keep their limits."""

from __future__ import annotations

import pytest

from benchmarks import baseline

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick

BASE = {"versions": baseline.versions(),
        "cases": {"M": {"variables": 1000, "constraints": 2000, "nonzeros": 9000, "nodes": 400, "lp_iterations": 50000}}}


def _now(**changes):
    case = dict(BASE["cases"]["M"])
    case.update(changes)
    return {"M": case}


def test_within_margins_passes():
    rows, failures = baseline.compare(_now(nodes=480, variables=1040, lp_iterations=60000), {}, BASE)
    assert failures == [] and any("M" in r for r in rows)


def test_growth_beyond_margin_fails():
    assert baseline.compare(_now(nodes=600), {}, BASE)[1]
    assert baseline.compare(_now(variables=1100), {}, BASE)[1]
    assert baseline.compare(_now(lp_iterations=80000), {}, BASE)[1]


def test_other_solver_release_reports_search_counters_but_gates_size():
    """A new HiGHS release searches differently: nodes are reported, not gated; the model's
    size is ours, and still gated."""
    other = {**BASE, "versions": {"highspy": "0.0.0", "pyomo": "0.0"}}
    rows, failures = baseline.compare(_now(nodes=10_000), {}, other)
    assert failures == [] and any("reported, not gated" in r for r in rows)
    assert baseline.compare(_now(variables=1100), {}, other)[1]


def test_ratios_against_floor_and_ceiling():
    ok = {"a": {"value": 3.5, "floor": 3.0, "what": ""}, "b": {"value": 2.0, "ceiling": 5.0, "what": ""}}
    assert baseline.compare({}, ok, BASE)[1] == []
    bad = {"a": {"value": 2.5, "floor": 3.0, "what": ""}, "b": {"value": 6.0, "ceiling": 5.0, "what": ""}}
    assert len(baseline.compare({}, bad, BASE)[1]) == 2


def test_ratio_without_limit_is_reported_not_gated():
    rows, failures = baseline.compare({}, {"c": {"value": 99.0, "what": ""}}, BASE)
    assert failures == [] and any("c" in r and "reported" in r for r in rows)


def test_committed_baseline_has_the_quick_cases():
    b = baseline.load()
    assert b is not None
    assert {"bundled", "S", "M", "gap12-1", "c05100", "e05100"} <= set(b["cases"])
