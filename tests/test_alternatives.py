"""Alternatives against brute-force enumeration of every allocation of tiny instances."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from reference import Ref
from spec import random_spec, write_spec

from solver import SolveOptions, Status, load_instance
from solver.analysis.alternatives import k_best, near_optimal, per_framework
from solver.app.cli import main

EXACT = SolveOptions(mip_gap=0)
SEEDS = [s for s in range(60) if len(Ref(random_spec(s, "tiny")).enumerate()) >= 4][:14]


def _best_by_pattern(feasible, key) -> list[float]:
    best: dict = {}
    for obj, f, alloc, _ in feasible:
        p = key(f, alloc)
        best[p] = min(best.get(p, float("inf")), obj)
    return sorted(best.values())


def _nation_roles(ref: Ref):
    return lambda f, alloc: frozenset((ref.A[a]["nation"], r) for a, r in alloc)


def _asset_classes(ref: Ref):
    """The x vector up to interchangeable assets: two assets the model cannot tell apart
    (same nation, must_deploy, frameworks and eligible roles with the same contribution,
    cost and footprint) are one class, and a pattern counts each (class, role)."""
    def cls(a):
        A = ref.A[a]
        pairs = frozenset((p.role, p.e, p.c, p.fp) for p in ref.pairs if p.asset == a)
        return (A["nation"], A["must_deploy"], frozenset(ref.allowed(a)), pairs)

    def key(f, alloc):
        counts: dict = {}
        for a, r in alloc:
            counts[(cls(a), r)] = counts.get((cls(a), r), 0) + 1
        return frozenset(counts.items())
    return key


def test_enough_instances_to_check():
    assert len(SEEDS) >= 10


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("level", ["nation-role", "asset"])
def test_k_best_matches_enumeration(seed, level, tmp_path):
    spec = random_spec(seed, "tiny")
    ref = Ref(spec)
    feasible = ref.enumerate()
    key = _nation_roles(ref) if level == "nation-role" else _asset_classes(ref)
    expected = _best_by_pattern(feasible, key)
    k = min(6, len(expected))
    alts = k_best(load_instance(write_spec(spec, tmp_path / "i", seed)), k + 2, level, options=EXACT)
    got = [a.solution.objective for a in alts.alternatives]
    assert got == pytest.approx(expected[: len(got)], abs=1e-6)
    assert len(got) == min(k + 2, len(expected))
    # distinct patterns, each a feasible allocation, sorted best first
    seen = set()
    for a in alts.alternatives:
        alloc = frozenset(zip(a.solution.allocation["asset"], a.solution.allocation["role"], strict=True))
        bad, _, obj = ref.evaluate(a.solution.framework, ref.pairs_of(sorted(alloc)))
        assert not bad and obj == pytest.approx(a.solution.objective, abs=1e-6)
        p = key(a.solution.framework, alloc)
        assert p not in seen
        seen.add(p)
        assert a.bound is not None and a.bound <= a.solution.objective + 1e-6


@pytest.mark.parametrize("seed", SEEDS[:8])
def test_framework_level_equals_fixed_framework_solves(seed, tmp_path):
    spec = random_spec(seed, "tiny")
    ref = Ref(spec)
    feasible = ref.enumerate()
    alts = per_framework(load_instance(write_spec(spec, tmp_path / "i", seed)), EXACT)
    got = {a.solution.framework: a.solution.objective for a in alts.alternatives}
    for f in ref.F:
        objs = [obj for obj, g, _, _ in feasible if g == f]
        if objs:
            assert got[f] == pytest.approx(min(objs), abs=1e-6)
        else:
            assert f not in got and f in alts.unavailable
            assert alts.unavailable[f]["vetoed_by"] or alts.unavailable[f]["roles"] or alts.unavailable[f]["reason"]
            if ref.vetoed(f):
                assert alts.unavailable[f]["reason"] == "vetoed"


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_near_optimal_against_enumeration(seed, tmp_path):
    spec = random_spec(seed, "tiny")
    ref = Ref(spec)
    feasible = ref.enumerate()
    slack = 0.2
    alts = near_optimal(load_instance(write_spec(spec, tmp_path / "i", seed)), slack, 3, EXACT)
    best = feasible[0][0]
    cap = best + slack * max(1.0, abs(best)) + 1e-6
    key = _nation_roles(ref)
    pats = [key(a.solution.framework, frozenset(zip(a.solution.allocation["asset"], a.solution.allocation["role"], strict=True)))
            for a in alts.alternatives]
    assert len(set(pats)) == len(pats)  # pairwise distinct
    for a in alts.alternatives:
        assert a.solution.objective <= cap
    if len(alts.alternatives) > 1:
        reachable = max(len(key(f, alloc) ^ pats[0]) for obj, f, alloc, _ in feasible if obj <= cap)
        assert alts.alternatives[1].distance == reachable
        assert alts.alternatives[1].distance == len(pats[1] ^ pats[0])


def test_within_stops_at_the_pool_gap(bundled):
    inst = load_instance(bundled)
    alts = k_best(inst, 30, within=0.002)
    best = alts.alternatives[0].solution.objective
    assert all(a.solution.objective <= best * 1.002 + 1e-6 for a in alts.alternatives)
    assert len(alts.alternatives) < 30 or alts.alternatives[-1].solution.objective <= best * 1.002


def test_cli_alternatives_files_and_table(bundled, tmp_path):
    out = tmp_path / "alts"
    r = CliRunner().invoke(main, ["alternatives", str(bundled), "--k", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "what changed" in r.output and "best allocation" in r.output
    doc = json.loads((out / "alternatives.json").read_text())
    assert [a["rank"] for a in doc["alternatives"]] == [1, 2, 3]
    for a in doc["alternatives"]:
        for key in ("rank", "status", "objective", "terms", "framework", "allocation", "distance", "changes"):
            assert key in a
    assert (out / "alternatives.csv").exists() and (out / "alternatives.xlsx").exists()


def test_cli_framework_level_explains_the_rest(bundled):
    r = CliRunner().invoke(main, ["alternatives", str(bundled), "--level", "framework", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["unavailable"]["un"]["vetoed_by"] == ["CHN", "RUS"]
    assert doc["unavailable"]["eu"]["roles"]  # which roles fall short
    assert {a["framework"] for a in doc["alternatives"]} == {"nato", "coalition"}


def test_session_is_left_as_found(bundled):
    """k-best adds cuts, bound rows and an objective cap: afterwards HiGHS holds exactly the
    model it held before (compared array by array), and a re-solve gives a fresh session's
    optimum."""
    import numpy as np
    from highs_lp import dense_lp

    from solver.engine.session import Session

    inst = load_instance(bundled)
    s = Session(inst)
    before = dense_lp(s)
    k_best(inst, 3, session=s)
    after = dense_lp(s)
    assert before.keys() == after.keys()
    for key in before:
        assert np.array_equal(before[key], after[key]), key
    assert s.solve().objective == pytest.approx(Session(inst).solve().objective, abs=1e-9)


def test_asset_level_skips_swaps_of_identical_units(tmp_path):
    """Three identical battalions (cost 1), two roles needing 10 each (one battalion): the
    third stays home or reinforces either role. Up to swapping identical battalions there
    are exactly three allocations, {a,b}, {a,a,b} and {a,b,b}, costing 2, 3 and 3 - not the
    6 + 6 per-asset permutations of the same three."""
    import yaml

    from solver.io import load_instance

    d = tmp_path / "i"
    d.mkdir()
    (d / "nations.csv").write_text("nation\nA\n")
    (d / "frameworks.csv").write_text("framework\nf\n")
    (d / "roles.csv").write_text("role,requirement\na,10\nb,10\n")
    (d / "assets.csv").write_text("asset,nation,capability,strength,cost\n"
                                  + "".join(f"bn{i},A,inf,10,1\n" for i in range(3)))
    (d / "capabilities.csv").write_text("capability,role\ninf,a\ninf,b\n")
    (d / "instance.yaml").write_text(yaml.safe_dump({"name": "three"}))
    alts = k_best(load_instance(d), 10, "asset", options=EXACT)
    assert [a.solution.objective for a in alts.alternatives] == pytest.approx([2, 3, 3])
    patterns = {tuple(sorted(a.solution.allocation["role"])) for a in alts.alternatives}
    assert patterns == {("a", "b"), ("a", "a", "b"), ("a", "b", "b")}
    assert alts.stopped == "no other allocation exists"


def test_change_summary_shows_every_quantity_before_and_after(bundled):
    """A nation joining a role while another grows in it: both are said, with before and after."""
    from solver.analysis.alternatives import changes, describe
    from solver.results.solution import Solution

    def sol(rows):
        alloc = pd.DataFrame(rows, columns=["asset", "nation", "capability", "role", "contribution", "cost"])
        nations = pd.DataFrame({"nation": sorted(set(alloc["nation"]))})
        return Solution("x", Status.OPTIMAL, framework="nato", objective=0.0, allocation=alloc, nations=nations)

    base = sol([("f1", "FRA", "mcm", "maritime", 5, 1), ("n1", "NLD", "mcm", "maritime", 5, 1)])
    alt = sol([("n1", "NLD", "mcm", "maritime", 5, 1), ("n2", "NLD", "mcm", "maritime", 5, 1)])
    text = describe(changes(base, alt))
    assert "FRA 5→0" in text and "NLD 5→10" in text and "leave FRA" in text


def test_lists_say_why_they_end(bundled):
    inst = load_instance(bundled)
    assert k_best(inst, 3).stopped == "stopped at --k 3"
    within = k_best(inst, 50, within=0.0005)
    assert len(within.alternatives) < 50 and "--within" in within.stopped


def test_near_optimal_ranks_are_in_objective_order(bundled):
    alts = near_optimal(load_instance(bundled), 0.05, 6)
    objs = [a.solution.objective for a in alts.alternatives]
    assert objs[0] == min(objs) and objs[1:] == sorted(objs[1:])
