"""Thresholds and a held framework against each framework's optimum found by brute force
over the hand-written tiny instance (tests/planb_support.py), in closed form:
C_A = 130 (a1 + b1 + setup 10), C_B = 180 (a3 + b2 + setup 30), r_f = -ln P_f."""

from __future__ import annotations

import json
import math

import pytest
from planb_support import best_plan_value, cli, write_tiny

from solver.analysis.whatif.scenarios import read_scenarios
from solver.app import api
from solver.engine.session import SolveOptions

EXACT = SolveOptions(mip_gap=0.0)
pytestmark = pytest.mark.quick


def _closed_form(p_a: float, p_b: float, weight: float) -> dict:
    c = {"A": best_plan_value("A"), "B": best_plan_value("B")}
    r = {"A": -math.log(p_a), "B": -math.log(p_b)}
    obj = {f: c[f] + weight * r[f] for f in c}
    f = min(obj, key=obj.get)
    g = "B" if f == "A" else "A"
    floor = math.exp((c[f] - obj[g]) / weight) if weight > 0 else None
    end = (c[g] - c[f]) / (r[f] - r[g])
    rng = [None, end] if r[f] > r[g] else [end, None]
    return {"framework": f, "approval_floor": floor, "successor": g if floor is not None else None,
            "weight_range": [x if x is None or x >= 0 else None for x in rng],
            "weight_successors": [g if rng[0] is not None and rng[0] >= 0 else None,
                                  g if rng[1] is not None and rng[1] >= 0 else None]}


def _same(got: dict, want: dict) -> None:
    assert got["framework"] == want["framework"]
    assert got["successor"] == want["successor"]
    assert got["weight_successors"] == want["weight_successors"]
    for a, b in [(got["approval_floor"], want["approval_floor"]), *zip(got["weight_range"], want["weight_range"],
                                                                       strict=True)]:
        assert (a is None) == (b is None) and (a is None or a == pytest.approx(b, rel=1e-7))


@pytest.mark.parametrize("p_a,p_b,weight", [(0.5, 0.9, 50.0), (0.5, 0.9, 100.0), (0.5, 0.9, 0.0), (1.0, 0.9, 10.0)])
def test_thresholds_closed_form(tmp_path, p_a, p_b, weight):
    sol = api.solve(write_tiny(tmp_path / "i", p_a=p_a, p_b=p_b, weight=weight), EXACT)
    want = _closed_form(p_a, p_b, weight)
    assert sol.framework == want["framework"]
    _same(sol.to_dict()["thresholds"], want)


def test_thresholds_flip_where_they_say(tmp_path):
    """Just past each end, a plain solve picks the successor named."""
    th = api.solve(write_tiny(tmp_path / "i", weight=50.0), EXACT).extra["thresholds"]
    high = th["weight_range"][1]
    past = api.solve(write_tiny(tmp_path / "j", weight=high * 1.01), EXACT)
    assert past.framework == th["weight_successors"][1] == "B"
    p = th["approval_floor"]
    below = api.solve(write_tiny(tmp_path / "k", p_a=p * 0.99, weight=50.0), EXACT)
    above = api.solve(write_tiny(tmp_path / "m", p_a=min(1.0, p * 1.01), weight=50.0), EXACT)
    assert below.framework == th["successor"] and above.framework == th["framework"]


def test_null_cases(tmp_path):
    one = api.solve(write_tiny(tmp_path / "i", b_open=False), EXACT).to_dict()["thresholds"]
    assert one["approval_floor"] is None and one["weight_range"] == [None, None]
    lex = api.solve(write_tiny(tmp_path / "j"), SolveOptions(mip_gap=0.0, lexicographic=("cost",)))
    assert lex.to_dict()["thresholds"] is None
    held = api.solve(write_tiny(tmp_path / "k"), EXACT, framework="A")
    assert held.to_dict()["thresholds"] is None
    skipped = api.solve(write_tiny(tmp_path / "m"), EXACT, with_thresholds=False)
    assert skipped.to_dict()["thresholds"] is None


def test_held_framework_against_independent_optima(tmp_path):
    weight, p_a, p_b = 50.0, 0.5, 0.9
    sol = api.solve(write_tiny(tmp_path / "i", weight=weight), EXACT, framework="B")
    c_a, c_b = best_plan_value("A"), best_plan_value("B")
    obj_a, obj_b = c_a - weight * math.log(p_a), c_b - weight * math.log(p_b)
    assert sol.framework == "B" and sol.objective == pytest.approx(obj_b)
    held = sol.to_dict()["framework_held"]
    assert held["free_optimum"]["framework"] == "A"
    assert held["delta_objective"] == pytest.approx(obj_b - obj_a)
    assert held["delta_money"] == pytest.approx(c_b - c_a)  # money = C here: no penalties, no other terms


def test_screen_and_unknown_framework(tmp_path):
    inst = write_tiny(tmp_path / "i")
    r = cli("solve", str(inst), "-q")
    assert r.returncode == 0, r.stderr
    assert "The Alliance (A) stays the choice while its approval chance is above 33 % (then: the Bloc (B))" \
        in " ".join(r.stdout.split())
    r = cli("solve", str(inst), "--framework", "Z", "--json")
    assert r.returncode == 2 and "--framework" in r.stderr and "Traceback" not in r.stderr
    r = cli("solve", str(inst), "--framework", "B", "--json", "-q")
    assert r.returncode == 0 and json.loads(r.stdout)["framework"] == "B"


def test_scenario_file_framework(tmp_path):
    inst = write_tiny(tmp_path / "i")
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: under-b\n    framework: B\n    changes: []\n"
                 "  - name: bad\n    framework: Q\n    changes: []\n")
    found, _ = read_scenarios(f)
    assert [s.force for s in found] == [{"framework": "B"}, {"framework": "Q"}]
    r = cli("batch", str(inst), str(f), "--out", str(tmp_path / "o"), "--no-progress")
    assert r.returncode == 2 and "scenario 'bad'" in r.stderr and "framework" in r.stderr, r.stderr


# --------------------------------------------------------------------------- random instances
@pytest.mark.parametrize("seed", [2, 13, 40, 53, 54])
def test_thresholds_random_against_reference_optima(tmp_path, seed):
    """C_f from the reference MIP of tests/reference.py (highspy, per framework); each end of
    the weight range is checked by where the best framework really changes."""
    from reference import Ref
    from spec import random_spec, write_spec

    spec = random_spec(seed, "tiny")
    ref = Ref(spec)
    weight = ref.weights()["approval_risk"]
    c, r = {}, {}
    for f in ref.F:
        status, obj = ref.optimum(framework=f)
        if status == "optimal":
            r[f] = ref.risk(f)
            c[f] = obj - weight * r[f]
    sol = api.solve(write_spec(spec, tmp_path / "i", seed), EXACT)
    th = sol.to_dict()["thresholds"]
    f = th["framework"]
    assert f == sol.framework and c[f] + weight * r[f] == pytest.approx(min(c[g] + weight * r[g] for g in c))

    def best(w: float) -> set[str]:
        objs = {g: c[g] + w * r[g] for g in c}
        low = min(objs.values())
        return {g for g, v in objs.items() if v <= low + 1e-7}

    others = [g for g in c if g != f]
    if weight == 0 or not ref.group(f) or not others:
        assert th["approval_floor"] is None
    else:
        rival = min(c[g] + weight * r[g] for g in others)
        assert c[f] - weight * math.log(th["approval_floor"]) == pytest.approx(rival)  # f's objective at the floor
        assert th["successor"] in others and c[th["successor"]] + weight * r[th["successor"]] == pytest.approx(rival)
    lo, hi = th["weight_range"]
    slo, shi = th["weight_successors"]
    if hi is None:
        assert f in best(1e7)
    else:
        assert f in best(hi * (1 - 1e-6)) and shi in best(hi * (1 + 1e-6) + 1e-9) and f not in best(hi * 1.01 + 1e-6)
    if lo is None:
        assert f in best(0.0)
    else:
        assert f in best(lo * (1 + 1e-6)) and slo in best(lo * (1 - 1e-6)) and f not in best(lo * 0.99)


def test_held_vetoed_or_infeasible_framework(tmp_path):
    inst = write_tiny(tmp_path / "i")
    r = cli("solve", str(inst), "--framework", "U")
    assert r.returncode == 3 and "vetoed by P5" in r.stdout and "inconsistent bounds" not in r.stdout + r.stderr
    assert "Why the held framework (U) cannot carry the force" in r.stdout
    r = cli("solve", str(write_tiny(tmp_path / "j", b_open=False)), "--framework", "B", "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 3 and doc["framework_held"]["free_optimum"]["framework"] == "A"
    assert all(d.startswith("B:") for d in doc["diagnosis"])
