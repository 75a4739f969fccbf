"""Framework by framework (solver/decompose.py) against one search of the whole model and
against the naive per-asset model of MODEL.md (benchmarks/naive.py, written straight from
MODEL.md in highspy, no aggregation, no decomposition), on catalogue force lists: a
generator forcealloc was not tuned on (several identical units per nation and capability)."""

from __future__ import annotations

import math

import pytest

import solver.decompose
import solver.session
from benchmarks import naive
from benchmarks.families import catalogue
from solver.io.writers import write_tables
from solver.session import Session, SolveOptions
from solver.status import Status
from solver.validate import load_instance

GAP = 1e-5


@pytest.fixture(autouse=True)
def _always_split(monkeypatch):
    """These force lists are small: split them anyway (the size rule is a speed choice only)."""
    monkeypatch.setattr(solver.session, "DECOMPOSE_MIN_OPTIONS", 0)


@pytest.fixture(scope="module", params=[0, 3])
def small(request, tmp_path_factory):
    tables, settings = catalogue(request.param, nations=20, assets=300, roles=10)
    dest = tmp_path_factory.mktemp(f"catalogue-small-{request.param}")
    write_tables(tables, settings, dest)
    return load_instance(dest)


def test_same_optimum_as_naive_and_monolithic(small, monkeypatch):
    ref = naive.solve(small, mip_gap=GAP, time_limit=120)
    assert math.isfinite(ref["objective"]) and "optimal" in ref["status"].lower(), ref["status"]
    calls = []
    real = solver.decompose.solve_by_framework
    monkeypatch.setattr(solver.session, "solve_by_framework", lambda *a: calls.append(1) or real(*a))
    split = Session(small, SolveOptions(mip_gap=GAP)).solve()
    assert calls, "the decomposition did not run"

    whole = Session(small, SolveOptions(mip_gap=GAP, by_framework=False)).solve()
    for sol in (split, whole):
        assert sol.status == Status.OPTIMAL
        assert sol.objective == pytest.approx(ref["objective"], rel=2 * GAP, abs=1e-6)
    # the decomposition's bound is a proof over every framework
    assert split.bound <= ref["objective"] + 1e-6
    assert split.mip_gap <= GAP + 1e-9


def test_a_held_framework_is_the_only_one_searched(small):
    base = Session(small, SolveOptions(mip_gap=GAP)).solve()
    s = Session(small, SolveOptions(mip_gap=GAP))
    others = [f for f in s.data.frameworks if f != base.framework and not s.data.vetoes[f]]
    for f in others:
        with s.forced(framework=f) as possible:
            sol = s.solve() if possible else None
        if sol is None or sol.status != Status.OPTIMAL:
            continue
        assert sol.framework == f
        assert sol.objective >= base.objective - 2 * GAP * abs(base.objective)


def test_deterministic(small):
    a = Session(small, SolveOptions(mip_gap=1e-3)).solve()
    b = Session(small, SolveOptions(mip_gap=1e-3)).solve()
    assert a.framework == b.framework and a.objective == b.objective
    assert a.allocation[["asset", "role"]].equals(b.allocation[["asset", "role"]])
