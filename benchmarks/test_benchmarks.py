"""The benchmark suite (pytest-benchmark). Quick cases run with every `pytest`.

Per case: wall time, HiGHS time, modelling overhead, variables, constraints,
nonzeros, B&B nodes, LP iterations, objective and gap (``measure.py``);
load+validate and model build are also timed on their own. Ratios are
measured within one run and gated by floors (``baseline.py``).
"""

from __future__ import annotations

import statistics
import time

import pytest

from benchmarks.cases import BY_NAME, CASES, NAIVE
from benchmarks.conftest import ratio, record
from benchmarks.measure import measure
from solver.alternatives import k_best
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
    ratio("aggregation_S", value, "naive per-asset time / aggregated time to optimum on S", floor=1.5)


def _ten_alternatives(case) -> dict:
    """One optimal solve, ten nation-role alternatives on the persistent model, and the
    same ten found by rebuilding the model from scratch with the cuts each time."""
    inst = load_instance(case.path())
    t0 = time.perf_counter()
    one = Session(inst, case.options).solve()
    t1 = time.perf_counter()
    alts = k_best(inst, 11, "nation-role", options=case.options)  # the optimum and ten alternatives
    t2 = time.perf_counter()
    out = {"one_solve_s": t1 - t0, "ten_alternatives_s": t2 - t1, "ratio": (t2 - t1) / (t1 - t0),
           "found": len(alts.alternatives) - 1, "from_pool": alts.timings.get("from_pool"),
           "searches": alts.timings.get("searches"), "objective": one.objective}
    return out


def _ten_rebuilds(case, patterns) -> float:
    """Ten alternatives the slow way: a new model per alternative, every earlier cut re-added."""
    from solver.alternatives import _Cutter

    inst = load_instance(case.path())
    t0 = time.perf_counter()
    found = []
    for _ in range(11):
        s = Session(inst, case.options)
        cutter = _Cutter(s, "nation-role")
        for v in found:
            cutter.exclude(v)
        sol = s.solve()
        if not sol.status.has_solution:
            break
        found.append(cutter.of_solution(sol))
    return time.perf_counter() - t0


@pytest.mark.parametrize("name", [pytest.param("S", marks=pytest.mark.tier("quick")),
                                  pytest.param("bundled", marks=pytest.mark.tier("quick")),
                                  pytest.param("M", marks=pytest.mark.tier("full"))])
def test_ten_alternatives(benchmark, name):
    case = BY_NAME[name]
    benchmark.group = "alternatives"
    m = benchmark.pedantic(_ten_alternatives, args=(case,), rounds=1, iterations=1)
    m["ten_rebuilds_s"] = _ten_rebuilds(case, None)
    m["rebuilds_ratio"] = m["ten_rebuilds_s"] / m["one_solve_s"]
    benchmark.extra_info.update(m)
    record(f"alternatives-{name}", {**m, "tier": case.tier})
    assert m["found"] == 10
    ratio(f"alternatives_{name}", m["ratio"], "ten nation-role alternatives / one optimal solve", ceiling=5.0)
