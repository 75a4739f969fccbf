"""Framework by framework (solver/decompose.py) against one search of the whole model and
against the naive per-asset model of MODEL.md (benchmarks/naive.py, written straight from
MODEL.md in highspy, no aggregation, no decomposition), on catalogue force lists: a
generator forcealloc was not tuned on (several identical units per nation and capability)."""

from __future__ import annotations

import math

import pytest

from benchmarks import naive
from benchmarks.families import catalogue
from solver.domain.status import Status
from solver.engine.session import Forcing, Session, SolveOptions
from solver.io.validate import load_instance
from solver.io.writers import write_tables

GAP = 1e-5


SPLIT = {"split_from": 0}  # these force lists are small: split them anyway (the size rule is a speed choice only)


@pytest.fixture(scope="module", params=[0, 3])
def small(request, tmp_path_factory):
    tables, settings = catalogue(request.param, nations=20, assets=300, roles=10)
    dest = tmp_path_factory.mktemp(f"catalogue-small-{request.param}")
    write_tables(tables, settings, dest)
    return load_instance(dest)


def test_same_optimum_as_naive_and_monolithic(small):
    ref = naive.solve(small, mip_gap=GAP, time_limit=120)
    assert math.isfinite(ref["objective"]) and "optimal" in ref["status"].lower(), ref["status"]
    split = Session(small, SolveOptions(mip_gap=GAP, **SPLIT)).solve()
    assert split.solver["by_framework"] is True, "the decomposition did not run"

    whole = Session(small, SolveOptions(mip_gap=GAP, by_framework=False)).solve()
    for sol in (split, whole):
        assert sol.status == Status.OPTIMAL
        assert sol.objective == pytest.approx(ref["objective"], rel=2 * GAP, abs=1e-6)
    # the decomposition's bound is a proof over every framework
    assert split.bound <= ref["objective"] + 1e-6
    assert split.mip_gap <= GAP + 1e-9


def test_a_held_framework_is_the_only_one_searched(small):
    base = Session(small, SolveOptions(mip_gap=GAP, **SPLIT)).solve()
    s = Session(small, SolveOptions(mip_gap=GAP, **SPLIT))
    others = [f for f in s.data.frameworks if f != base.framework and not s.data.vetoes[f]]
    for f in others:
        sol = s.solve(forcing=Forcing(framework=f))
        if sol.status != Status.OPTIMAL:
            continue
        assert sol.framework == f and sol.solver["by_framework"] is False
        assert sol.objective >= base.objective - 2 * GAP * abs(base.objective)


def test_deterministic(small):
    a = Session(small, SolveOptions(mip_gap=1e-3, **SPLIT)).solve()
    b = Session(small, SolveOptions(mip_gap=1e-3, **SPLIT)).solve()
    assert a.framework == b.framework and a.objective == b.objective
    assert a.allocation[["asset", "role"]].equals(b.allocation[["asset", "role"]])


def test_progress_reports_a_bound_over_every_framework(small):
    """While one framework is searched, the bound shown is over all of them: never above the
    optimum (a framework's own bound can be), and the gap is computed from it."""
    seen: list[dict] = []
    sol = Session(small, SolveOptions(mip_gap=GAP, **SPLIT), progress=seen.append).solve()
    bounds = [d["bound"] for d in seen if d["bound"] is not None and math.isfinite(d["bound"])]
    assert bounds, "no progress was reported"
    assert max(bounds) <= sol.objective + 1e-6 * max(1.0, abs(sol.objective))
    for d in seen:
        inc = d["incumbent"]
        if inc is not None and math.isfinite(inc) and abs(inc) < 1e20:
            assert d["gap"] == pytest.approx(max(0.0, (inc - d["bound"]) / max(1.0, abs(inc))), abs=1e-9)


def test_progress_while_a_losing_framework_is_searched():
    """Hand-worked: 'nato' (LP bound 10) gave an allocation of 11; 'eu' (LP bound 12) is now
    searched under "better than 11" and HiGHS reports eu's own bound 13 and no allocation.
    nato was searched and proved 10.5, so over all frameworks the best is 11 and the bound
    min(13, 11, 10.5) = 10.5: a gap of 0.5/11."""
    from types import SimpleNamespace

    from solver.engine.strategies.decompose import overall_progress

    seen: list[dict] = []
    best = SimpleNamespace(objective=11.0)
    report = overall_progress(seen.append, "eu", best, {"nato": 10.0, "eu": 12.0}, {"nato": 10.5})
    report({"incumbent": math.inf, "bound": 13.0, "gap": math.inf})
    report({"incumbent": 10.8, "bound": -math.inf, "gap": math.inf})
    assert overall_progress(None, "eu", best, {}, {}) is None  # no report asked, none wrapped
    assert seen[0]["incumbent"] == 11.0 and seen[0]["bound"] == 10.5
    assert seen[0]["gap"] == pytest.approx(0.5 / 11.0)
    assert seen[1]["incumbent"] == 10.8 and seen[1]["bound"] == 10.5  # eu's LP bound 12 until HiGHS has one


def test_a_solver_failure_is_an_error_not_infeasible(tmp_path):
    """HiGHS fails silently when the thread count changes after the first solve in a process
    (SOLVER-NOTES): every framework's LP then 'has no solution', which must not read as
    'every framework is infeasible'. In a child process, so this one's HiGHS stays sound."""
    import subprocess
    import sys
    import textwrap

    tables, settings = catalogue(0, nations=20, assets=300, roles=10)
    write_tables(tables, settings, tmp_path / "inst")
    code = textwrap.dedent(f'''
        from solver.engine.session import Forcing, Session, SolveOptions
        from solver.io.validate import load_instance
        inst = load_instance({str(tmp_path / "inst")!r})
        Session(inst, SolveOptions(threads=1, split_from=0)).solve()
        sol = Session(inst, SolveOptions(threads=2, split_from=0)).solve()
        print(sol.status, "|", sol.solver["message"])
    ''')
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    status, message = out.stdout.strip().splitlines()[-1].split(" | ")
    assert status == "error" and "threads" in message


def test_cli_whole_model_and_the_method_on_record(tmp_path):
    """`--whole-model` asks for one search; solution.json records which was used; same optimum."""
    import json

    from click.testing import CliRunner

    from solver.app.cli import main

    inst = tmp_path / "inst"
    write_tables(*catalogue(0, nations=20, assets=300, roles=10), inst)
    runs = {}
    for flag in ([], ["--whole-model"]):
        r = CliRunner().invoke(main, ["solve", str(inst), "--json", "--mip-gap", str(GAP), *flag])
        assert r.exit_code == 0, r.output
        runs[bool(flag)] = json.loads(r.stdout)
    # this list is below the size the split starts at (split_from), so both ran one search;
    # test_same_optimum_as_naive_and_monolithic checks the split on the record
    assert runs[False]["solver"]["by_framework"] is False and runs[True]["solver"]["by_framework"] is False
    assert runs[False]["solver"]["variables"] == runs[True]["solver"]["variables"]
    assert runs[False]["objective"] == pytest.approx(runs[True]["objective"], rel=2 * GAP)
