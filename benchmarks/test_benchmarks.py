"""The benchmark suite (pytest-benchmark). Quick cases run with every `pytest`.

Per case: wall time, HiGHS time, modelling overhead, variables, constraints,
nonzeros, B&B nodes, LP iterations, objective and gap (``measure.py``);
load+validate and model build are also timed on their own. Ratios are
measured within one run and gated by floors (``baseline.py``).
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks.cases import BY_NAME, CASES, NAIVE
from benchmarks.conftest import ratio, record
from benchmarks.measure import measure
from solver.io import load_instance
from solver.solve import Session, SolveOptions


def _param(case):
    return pytest.param(case, id=case.name, marks=pytest.mark.tier(case.tier))


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_end_to_end(benchmark, case):
    benchmark.group = "end-to-end"
    metrics = benchmark.pedantic(measure, args=(case,), rounds=1, iterations=1)
    metrics["tier"] = case.tier
    benchmark.extra_info.update(metrics)
    record(case.name, metrics)
    assert metrics["status"] in ("optimal", "feasible")
    if case.expected is not None:
        assert metrics["gap_objective"] == pytest.approx(case.expected)


STAGES = [pytest.param(n, id=n, marks=pytest.mark.tier(BY_NAME[n].tier)) for n in ("bundled", "S", "M", "L", "XL")]


@pytest.mark.parametrize("name", STAGES)
def test_load_validate(benchmark, name):
    case = BY_NAME[name]
    path = case.path()
    benchmark.group = "load+validate"
    inst = benchmark.pedantic(load_instance, args=(path,), rounds=3, iterations=1)
    assert len(inst.assets) == case.assets or case.assets == 0


@pytest.mark.parametrize("name", STAGES)
def test_build(benchmark, name):
    case = BY_NAME[name]
    inst = load_instance(case.path())
    benchmark.group = "eligibility+build+translate"
    session = benchmark.pedantic(Session, args=(inst, case.options), rounds=3, iterations=1)
    benchmark.extra_info.update(session.size())


def _solve_time(inst, options: SolveOptions) -> float:
    s = Session(inst, options)
    sol = s.solve()
    return sum(s.timings.values()) + sol.solver["time_s"]


def test_ratio_aggregation(benchmark):
    """Aggregated units against one binary per asset, S instance, same run (median of 3)."""
    inst = load_instance(BY_NAME["S"].path())
    def both():
        strong = statistics.median(_solve_time(inst, SolveOptions()) for _ in range(3))
        naive = statistics.median(_solve_time(inst, NAIVE) for _ in range(3))
        return naive / strong
    value = benchmark.pedantic(both, rounds=1, iterations=1)
    benchmark.extra_info["naive_over_aggregated"] = value
    ratio("aggregation_S", value, 1.5, "naive per-asset time / aggregated time to optimum on S")
