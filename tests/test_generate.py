"""The instance generator: valid, deterministic, feasible, shaped like real force lists."""

from __future__ import annotations

import filecmp

import pytest
from click.testing import CliRunner
from highs_lp import dense_lp, violation

from solver import SolveOptions, Status, load_instance, solve
from solver.app.cli import main
from solver.engine.session import Session

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick


def _gen(tmp_path, name, *args):
    out = tmp_path / name
    r = CliRunner().invoke(main, ["generate", *args, str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = _gen(tmp_path, "a", "--size", "S", "--seed", "7")
    b = _gen(tmp_path, "b", "--size", "S", "--seed", "7")
    c = _gen(tmp_path, "c", "--size", "S", "--seed", "8")
    names = sorted(p.name for p in a.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == []
    assert filecmp.cmpfiles(a, c, ["assets.csv"], shallow=False)[1] == ["assets.csv"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_S_is_valid_feasible_and_structured(tmp_path, seed):
    path = _gen(tmp_path, "s", "--size", "S", "--seed", str(seed))
    inst = load_instance(path)
    assert (len(inst.nations) >= 30, len(inst.assets), len(inst.roles)) == (True, 300, 12)
    # a US-like enabler: enabler-only, not in theatre, reaching the mission through NATO only
    us = inst.nations[inst.nations["enabler_only"]]
    assert len(us) == 1 and not us["in_theatre"].any() and not us["coalition"].any()
    assert "backstop" in inst.roles.index and inst.roles.at["backstop", "shortfall_penalty"] > 0
    # identical units: the aggregated model is much smaller than the per-asset one
    agg, naive = Session(inst), Session(inst, SolveOptions(aggregate=False))
    assert agg.size()["variables"] < 0.6 * naive.size()["variables"]
    # a few framework nations provide most of the capability
    share = inst.assets.groupby("nation")["strength"].sum().sort_values(ascending=False)
    assert share.iloc[:4].sum() > 0.3 * share.sum()
    sol = solve(inst, SolveOptions(time_limit=120))
    assert sol.status == Status.OPTIMAL
    # requirements are tight: most hard roles are covered within a few percent
    active = sol.roles[(sol.roles["required"] > 0) & (sol.roles["role"] != "backstop")]
    assert ((active["covered"] - active["required"]) / active["required"] < 0.1).mean() > 0.7


def test_explicit_dimensions_override_size(tmp_path):
    path = _gen(tmp_path, "x", "--nations", "12", "--assets", "150", "--roles", "7", "--seed", "1")
    inst = load_instance(path)
    assert len(inst.assets) == 150 and len(inst.roles) == 7 and len(inst.nations) == 12 + 3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_greedy_start_is_a_feasible_allocation(tmp_path, seed):
    """The greedy start HiGHS is offered satisfies every row of the model, and is no
    better than the proven optimum (a start better than the optimum would be a bug in one)."""
    import numpy as np

    from solver.engine.greedy import greedy_start

    inst = load_instance(_gen(tmp_path, "s", "--size", "S", "--seed", str(seed)))
    session = Session(inst)
    start = greedy_start(session.data)
    assert start is not None
    col = session.column_values(*start)
    assert np.allclose(col[session.x_cols], np.round(col[session.x_cols]))
    lp = dense_lp(session)
    assert violation(lp, col) <= 1e-6
    start_value = float(lp["cost"] @ col) + lp["offset"]
    opt = session.solve()
    assert opt.status == Status.OPTIMAL
    assert start_value >= opt.objective - 1e-6 * abs(opt.objective)
