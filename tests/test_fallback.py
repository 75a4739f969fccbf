"""Plan B against a brute force over framework pairs and plans (tests/planb_support.py)."""

from __future__ import annotations

import csv
import json
import math

import pytest
from planb_support import brute_plan_b, cli, write_tiny

from solver.app import api
from solver.engine.session import SolveOptions

EXACT = SolveOptions(mip_gap=0.0)
pytestmark = pytest.mark.quick  # each test solves the tiny instance in well under 2 s


def _p(p_a: float, p_b: float) -> dict[str, float]:
    return {"A": p_a, "B": p_b, "U": 0.0}


@pytest.mark.parametrize("p_a,p_b,penalty", [(0.5, 0.9, 0.0), (0.5, 0.9, 5.0), (0.5, 0.9, 20.0),
                                               (0.2, 0.6, 12.0)])
def test_plan_b_matches_brute_force(tmp_path, penalty, p_a, p_b):
    """Primary and fallback swap with the penalty; shared pledges win when changes are dear."""
    inst = write_tiny(tmp_path / "i", p_a=p_a, p_b=p_b)
    sol = api.solve(inst, EXACT, fallback=True, change_penalty=penalty, with_thresholds=False)
    value, f1, f2 = brute_plan_b(p=_p(p_a, p_b), penalty=penalty)
    fb = sol.extra["fallback"]
    assert fb is not None and f2 is not None
    assert fb["value"] == pytest.approx(value, abs=1e-6)
    assert (fb["primary"], fb["fallback"]) == (f1, f2)
    assert sol.framework == f1
    plans = sol.extra["plans"]
    p1 = fb["p_primary"]
    assert p1 == pytest.approx(_p(p_a, p_b)[f1])
    # the reported parts are those of the two plans reported
    c = [pl.objective - pl.weights["approval_risk"] * pl.terms["approval_risk"] for pl in plans]
    assert fb["expected_objective"] == pytest.approx(p1 * c[0] + (1 - p1) * c[1])
    w1, w2 = plans[0].nation_roles(), plans[1].nation_roles()
    assert fb["changes_count"] == len(w1 ^ w2)
    assert fb["value"] == pytest.approx(fb["expected_objective"] + penalty * fb["changes_count"])
    assert fb["expected_money"] == pytest.approx(p1 * plans[0].money["total"] + (1 - p1) * plans[1].money["total"])
    assert {tuple(x) for x in fb["common"]} == w1 & w2
    assert {(c["nation"], c["role"]) for c in fb["changes"] if c["in"] == "primary"} == w1 - w2
    assert {(c["nation"], c["role"]) for c in fb["changes"] if c["in"] == "fallback"} == w2 - w1
    # the proof: every framework optimum and every two-plan MILP solved is proven exactly (gap 0 asked)
    assert all(g == 0.0 for g in fb["gaps"]["frameworks"].values())
    assert (len(fb["gaps"]["pairs"]) > 0) == (penalty > 0) and all(g == 0.0 for *_, g in fb["gaps"]["pairs"])


def test_penalty_from_instance_yaml(tmp_path):
    inst = write_tiny(tmp_path / "i", penalty=20.0)
    sol = api.solve(inst, EXACT, fallback=True, with_thresholds=False)
    value, _, _ = brute_plan_b(p=_p(0.5, 0.9), penalty=20.0)
    assert sol.extra["fallback"]["change_penalty"] == 20.0
    assert sol.extra["fallback"]["value"] == pytest.approx(value)


def test_certain_primary_has_no_plan_b(tmp_path):
    inst = write_tiny(tmp_path / "i", p_a=1.0, p_b=1.0)
    sol = api.solve(inst, EXACT, fallback=True)
    value, f1, f2 = brute_plan_b(p=_p(1.0, 1.0), penalty=0.0)
    assert f2 is None and sol.framework == f1 == "A"
    assert sol.extra["fallback"] is None and "probability 1" in sol.extra["fallback_reason"]
    assert sol.objective == pytest.approx(value)
    doc = sol.to_dict()
    assert doc["fallback"] is None and len(doc["plans"]) == 1


def test_one_feasible_framework_no_plan_b_exit_0(tmp_path):
    inst = write_tiny(tmp_path / "i", b_open=False)
    r = cli("solve", str(inst), "--fallback", "--json", "-q")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["fallback"] is None and "fewer than two feasible frameworks" in doc["fallback_reason"]
    assert doc["framework"] == "A"


def test_files_and_screen(tmp_path):
    inst = write_tiny(tmp_path / "i")
    out = tmp_path / "out"
    r = cli("solve", str(inst), "--fallback", "--change-penalty", "5", "--out", str(out), "-q")
    assert r.returncode == 0, r.stderr
    doc = json.loads((out / "solution.json").read_text())
    fb = doc["fallback"]
    assert set(fb) >= {"primary", "fallback", "p_primary", "p_fallback", "expected_objective", "value",
                       "changes_count", "expected_money", "change_penalty", "common", "changes"}
    assert len(doc["plans"]) == 2 and doc["plans"][0]["framework"] == doc["framework"] == fb["primary"]
    assert doc["plans"][1]["framework"] == fb["fallback"]
    assert "fallback" not in doc["plans"][0] and "money" in doc["plans"][1]
    with open(out / "allocation.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["plan"] for r in rows} == {"1", "2"}
    assert "Plan B" in r.stdout and "Expected money" in r.stdout and "Pledged either way" in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert not math.isnan(fb["expected_money"])


@pytest.mark.parametrize("args", [["--change-penalty", "-1"], ["--framework", "A"]])
def test_bad_options_exit_2(tmp_path, args):
    inst = write_tiny(tmp_path / "i")
    r = cli("solve", str(inst), "--fallback", *args, "-q")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_bad_fallback_setting_exit_2(tmp_path):
    inst = write_tiny(tmp_path / "i")
    (inst / "instance.yaml").write_text((inst / "instance.yaml").read_text() + "fallback: {change_penalty: -3}\n")
    r = cli("solve", str(inst), "-q")
    assert r.returncode == 2 and "fallback.change_penalty" in r.stderr, r.stderr


# --------------------------------------------------------------------------- random instances, every constraint
RANDOM_SEEDS = [2, 5, 13, 53]  # tiny random specs with >= 2 feasible frameworks, one of them uncertain


def _brute_random(ref, penalty: float) -> float:
    """Plan B by enumerating every feasible plan of tests/reference.py (all of MODEL.md v2)."""
    w = ref.weights()["approval_risk"]
    plans = []
    for obj, f, alloc, terms in ref.enumerate():
        pledges = frozenset((ref.A[a]["nation"], r) for a, r in alloc)
        plans.append((obj - w * terms["approval_risk"], f, pledges, math.exp(-ref.risk(f))))
    best = math.inf
    for c1, f1, w1, p1 in plans:
        if p1 >= 1.0 - 1e-12:
            best = min(best, c1)
            continue
        for c2, f2, w2, _ in plans:
            if f2 != f1:
                best = min(best, p1 * c1 + (1 - p1) * c2 + penalty * len(w1 ^ w2))
    return best


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
@pytest.mark.parametrize("penalty", [0.0, 7.5])
def test_plan_b_random_instances_match_enumeration(tmp_path, seed, penalty):
    from reference import Ref
    from spec import random_spec, write_spec

    spec = random_spec(seed, "tiny")
    ref = Ref(spec)
    sol = api.solve(write_spec(spec, tmp_path / "i", seed), EXACT, fallback=True, change_penalty=penalty,
                    with_thresholds=False)
    fb = sol.extra["fallback"]
    got = fb["value"] if fb is not None else sol.objective - sol.weights["approval_risk"] * sol.terms["approval_risk"]
    assert got == pytest.approx(_brute_random(ref, penalty), abs=1e-6)


def test_brief_gets_plan_b_below_half(tmp_path):
    from solver.analysis.planning import brief_fallback
    from solver.engine.session import Session
    from solver.io import load_instance

    inst = load_instance(write_tiny(tmp_path / "i", p_a=0.4, weight=20.0, penalty=5.0))
    sol = api.solve(inst, EXACT, with_thresholds=False)
    assert sol.framework == "A" and sol.approval_probability == pytest.approx(0.4)
    fb, reason = brief_fallback(Session(inst, EXACT), sol)
    value, f1, f2 = brute_plan_b(p=_p(0.4, 0.9), penalty=5.0)  # the instance's change penalty
    assert reason is None and fb["value"] == pytest.approx(value) and (fb["primary"], fb["fallback"]) == (f1, f2)
    sure = api.solve(load_instance(write_tiny(tmp_path / "j", p_a=0.6, weight=20.0)), EXACT, with_thresholds=False)
    assert brief_fallback(Session(load_instance(tmp_path / "j"), EXACT), sure) == (None, None)
