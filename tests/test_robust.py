"""Withdrawals (MODEL.md v3) against an independent formulation with one constraint set per
withdrawal set (tests/reference_robust.py), and the minister's figures against enumeration."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from solver.app import api
from solver.app.cli import main
from solver.engine.session import SolveOptions
from solver.io import load_instance
from solver.io.robust_spec import resolve_robust
from tests.reference_robust import (
    RobustRef,
    chance,
    plan_contrib,
    smallest_critical,
    survives,
    worst_left,
)
from tests.spec import random_spec, write_spec

BUNDLED = Path(__file__).resolve().parents[1] / "instances" / "assurance-force"


def friendly(spec: dict, rnd: random.Random) -> dict:
    """A random instance that usually has a plan, so that withdrawals bite: no vetoes, no
    links, budgets or shares; requirements of 20-45 % of what could serve; some soft roles."""
    for c in spec["consent"]:
        c["approval"] = "approve"
        c["contributes"] = rnd.random() < 0.9
    for n in spec["nations"]:
        n.update(in_theatre=True, max_share=1.0, budget=None, enabler_only=False)
    spec["caveats"] = spec["caveats"][:1]
    for a in spec["assets"]:
        a.update(must_deploy=False, ready_day=0.0)
    strength, givers = {}, {}
    for a in spec["assets"]:
        for c in spec["capabilities"]:
            if c["capability"] == a["capability"]:
                strength[c["role"]] = strength.get(c["role"], 0.0) + a["strength"] * c["effectiveness"]
                givers.setdefault(c["role"], set()).add(a["nation"])
    for r in spec["roles"]:
        total = strength.get(r["role"], 0.0)
        r.update(requirement=float(int(total * rnd.uniform(0.2, 0.45))), needed_by=None, lead_only=False,
                 capacity=rnd.choice([None, None, float(int(total * 0.8)) or None]),
                 shortfall_penalty=rnd.choice([None, 20.0, 20.0]), min_nations=min(len(givers.get(r["role"], ())) - 1, rnd.choice([0, 0, 1, 2])) if total else 0,
                 max_enabler_share=1.0)
    spec["links"] = []
    spec["settings"]["min_coalition_nations"] = rnd.choice([0, 0, 2])
    return spec


def robust_case(seed: int, tmp: Path) -> tuple[dict, Path, list[str]]:
    """A random small instance with hesitant nations and stay probabilities."""
    spec = friendly(random_spec(seed, "small"), random.Random(500 + seed))
    rnd = random.Random(1000 + seed)
    with_assets = sorted({a["nation"] for a in spec["assets"]})
    h = sorted(rnd.sample(with_assets, min(len(with_assets), rnd.randint(2, 3))))
    for n in spec["nations"]:
        n["hesitant"] = n["nation"] in h
        n["stay_probability"] = rnd.choice([1.0, 0.9, 0.6]) if n["nation"] in with_assets else 1.0
    # make robustness bite: more protected requirement on some roles
    path = write_spec(spec, tmp / f"s{seed}", seed)
    nat = pd.read_csv(path / "nations.csv", dtype=str, keep_default_na=False)
    nat["hesitant"] = ["yes" if n in h else "no" for n in nat["nation"]]
    stay = {n["nation"]: n["stay_probability"] for n in spec["nations"]}
    nat["stay_probability"] = [str(stay[n]) for n in nat["nation"]]
    nat.to_csv(path / "nations.csv", index=False)
    return spec, path, h


SEEDS = [2, 3, 5, 8, 10, 14]  # chosen (friendly family) so most k have a plan


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2])
def test_same_optimum_and_every_withdrawal_covered(seed, k, tmp_path):
    spec, path, h = robust_case(seed, tmp_path)
    inst = load_instance(path)
    rs = resolve_robust(inst, survive=min(k, len(h)))
    sol = api.solve(inst, SolveOptions(mip_gap=0, time_limit=60, robust=rs))
    ref = RobustRef(spec)
    status, obj = ref.optimum_robust(rs.k, h)
    assert str(sol.status) == status
    if status != "optimal":
        return
    assert sol.objective == pytest.approx(obj, abs=1e-6, rel=1e-7)
    rows = sol.to_dict()["allocation"]
    contrib = plan_contrib(rows)
    roles = list(rs.roles)
    import itertools
    for size in range(1, rs.k + 1):
        for W in itertools.combinations(h, size):
            assert survives(ref, sol.framework, contrib, set(W), roles, hard_only=True), W
    rb = sol.robust
    for wc in rb["worst_case"]:
        assert wc["covered_after"] == pytest.approx(worst_left(contrib, wc["role"], h, rb["worst_case_k"]))
    size = smallest_critical(ref, sol.framework, contrib, h, roles)
    if size is None:
        assert rb["critical_nations"] is None
    else:
        assert len(rb["critical_nations"]) == size
        assert not survives(ref, sol.framework, contrib, set(rb["critical_nations"]), roles, hard_only=True)
        assert size > rs.k  # a k-robust plan survives every k
    stay = {n: float(inst.nations.at[n, "stay_probability"]) for n in inst.nations.index}
    for r, p in rb["coverage_probability"].items():
        assert p == pytest.approx(chance(contrib, r, ref.R[r]["requirement"], stay), abs=1e-12)


@pytest.mark.parametrize("seed", [3, 5, 9, 10, 17])
def test_recourse_same_optimum(seed, tmp_path):
    spec, path, h = robust_case(seed, tmp_path)
    inst = load_instance(path)
    rs = resolve_robust(inst, survive=1, recourse=True)
    sol = api.solve(inst, SolveOptions(mip_gap=0, time_limit=60, robust=rs))
    status, obj = RobustRef(spec).optimum_robust(1, h, recourse=True)
    assert str(sol.status) == status
    if status == "optimal":
        assert sol.objective == pytest.approx(obj, abs=1e-6, rel=1e-7)
        # a plan with reserves is never worse than one without (reserves may stay unused)
        _, plain = RobustRef(spec).optimum_robust(1, h)
        assert plain is None or obj <= plain + 1e-6


@pytest.mark.quick
def test_hand_made_k_sum():
    """Three hesitant nations give 30, 20 and 10 per asset to a role of 40. Surviving any one
    withdrawal (a nation's assets all leave) costs 8, by enumeration of the 32 subsets below:
    a1 + b1 + b2 + c1 leaves 50, 40, 70 (a1 + b1 + b2 = 7 leaves only 30 when B goes)."""
    import tempfile
    d = Path(tempfile.mkdtemp())
    (d / "instance.yaml").write_text("name: hand\n")
    (d / "frameworks.csv").write_text("framework\nF\n")
    (d / "nations.csv").write_text("nation,hesitant\nA,yes\nB,yes\nC,yes\n")
    (d / "roles.csv").write_text("role,requirement\nland,40\n")
    (d / "assets.csv").write_text("asset,nation,capability,strength,cost\n"
                                  "a1,A,inf,30,3\na2,A,inf,30,3\nb1,B,inf,20,2\nb2,B,inf,20,2\nc1,C,inf,10,1\n")
    (d / "capabilities.csv").write_text("capability,role\ninf,land\n")
    inst = load_instance(d)
    # k = 0: cheapest 40 is a1 + c1 (4) or b1 + b2 (4) -> 4
    assert api.solve(inst, SolveOptions(mip_gap=0)).objective == pytest.approx(4)
    sol = api.solve(inst, SolveOptions(mip_gap=0, robust=resolve_robust(inst, survive=1)))
    import itertools
    assets = {"a1": ("A", 30, 3), "a2": ("A", 30, 3), "b1": ("B", 20, 2), "b2": ("B", 20, 2), "c1": ("C", 10, 1)}
    best = min(sum(assets[a][2] for a in sub) for size in range(6) for sub in itertools.combinations(assets, size)
               if all(sum(assets[a][1] for a in sub if assets[a][0] != n) >= 40 for n in "ABC"))
    assert best == 8
    assert sol.objective == pytest.approx(best)
    assert sol.robust["critical_nations"] is not None and len(sol.robust["critical_nations"]) == 2


def test_k0_identical_to_plain_solve():
    """K = 0 (no robust option) gives exactly the allocation of a solve without the v3 code path."""
    from solver.engine.session import Session
    inst = load_instance(BUNDLED)
    plain = Session(inst, SolveOptions()).solve()
    sol = api.solve(inst, SolveOptions())
    assert sol.objective == pytest.approx(plain.objective, abs=1e-9)
    assert sorted(sol.assignments()) == sorted(plain.assignments())
    assert sol.robust is not None and sol.robust["k"] == 0 and sol.robust["price"] is None


@pytest.mark.quick
def test_bad_input_every_problem_named(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--survive", "1.5", "--from", "FRA,XXX",
                                  "--protect", "land,nope", "--out", str(out)])
    assert r.exit_code == 2
    for text in ("--survive", "XXX", "nope"):
        assert text in r.output
    assert not out.exists()
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--survive", "40", "--out", str(out)])
    assert r.exit_code == 2 and "at most" in r.output and not out.exists()


@pytest.mark.quick
def test_bad_instance_values(tmp_path):
    import shutil
    d = tmp_path / "inst"
    shutil.copytree(BUNDLED, d)
    nat = pd.read_csv(d / "nations.csv", dtype=str, keep_default_na=False)
    nat["stay_probability"] = ""
    nat.loc[0, "stay_probability"] = "0"
    nat.loc[1, "stay_probability"] = "1.5"
    nat.to_csv(d / "nations.csv", index=False)
    y = (d / "instance.yaml").read_text()
    y = "\n".join(line for line in y.splitlines() if not line.startswith(("robust", "  survive", "  from",
                                                                          "  reserve", "  recourse", "  roles")))
    (d / "instance.yaml").write_text(y + "\nrobust:\n  survive: -1\n  reserve_cost: -0.5\n")
    r = CliRunner().invoke(main, ["solve", str(d), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert r.output.count("stay_probability") >= 2 and "robust.survive" in r.output and "robust.reserve_cost" in r.output
    assert not (tmp_path / "o").exists()


def test_cli_writes_robust_json_and_status(tmp_path):
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--survive", "1", "--from", "FRA,GBR", "--recourse",
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "solution.json").read_text())
    rb = doc["robust"]
    assert rb["k"] == 1 and rb["from"] == ["FRA", "GBR"] and rb["recourse"] is True
    assert rb["price"] == pytest.approx(doc["objective"] - rb["objective_k0"])
    alloc = pd.read_csv(out / "allocation.csv")
    assert set(alloc["status"]) <= {"deployed", "reserve"}
    assert "This plan holds if any one of" in r.output


def test_curve_stops_at_h_and_says_so(tmp_path):
    """robust --k-max above |H| (4 hesitant nations in the bundled instance) stops at |H|;
    each row's objective equals a single solve at that k."""
    out = tmp_path / "c"
    r = CliRunner().invoke(main, ["robust", str(BUNDLED), "--k-max", "6", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "stops at k = 4" in r.output
    curve = pd.read_csv(out / "curve.csv")
    assert list(curve["k"]) == [0, 1, 2, 3, 4]
    inst = load_instance(BUNDLED)
    one = api.solve(inst, SolveOptions(robust=resolve_robust(inst, survive=1)))
    assert curve.loc[1, "objective"] == pytest.approx(one.objective, rel=1e-4)
    assert {"worst_land", "critical_nations", "money", "nations"} <= set(curve.columns)


def test_batch_withdrawal_sweep_with_keep(tmp_path):
    """batch --sweep withdrawal --keep: per withdrawal, the changed pledges; a nation's own
    pledges are the forced ones (counted from the files, not from forcealloc)."""
    plan = BUNDLED / "announced-plan.csv"
    out = tmp_path / "b"
    sc = tmp_path / "s.yaml"
    sc.write_text(f"base: {BUNDLED}\nscenarios:\n  - name: gbr\n    changes:\n      - withdraw: GBR\n")
    r = CliRunner().invoke(main, ["batch", str(BUNDLED), str(sc), "--keep", str(plan), "--out", str(out),
                                  "--no-progress", "--workers", "1"])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(out / "summary.csv").set_index("scenario")
    before = pd.read_csv(plan)
    forced = {(n, ro) for n, ro in zip(before["nation"], before["role"], strict=True) if n == "GBR"}
    assert s.at["gbr", "forced_changes"] == len(forced)
    after = pd.read_csv(out / "scenarios" / "gbr" / "allocation.csv")
    mine = set(zip(before["nation"], before["role"], strict=True))
    theirs = set(zip(after["nation"], after["role"], strict=True))
    assert s.at["gbr", "pledge_changes"] == len(mine ^ theirs)
    assert s.at["base", "pledge_changes"] == 0


@pytest.mark.parametrize("seed", [2, 4, 9])
def test_framework_by_framework_search_keeps_the_robust_optimum(seed, k=1):
    """The per-framework search (solver.engine.strategies.decompose, LP bounds and 'better than' rows) on the
    robust model gives the reference optimum too (forced on for these small models)."""
    import tempfile

    spec, path, h = robust_case(seed, Path(tempfile.mkdtemp()))
    inst = load_instance(path)
    rs = resolve_robust(inst, survive=k)
    sol = api.solve(inst, SolveOptions(mip_gap=0, robust=rs, split_from=0, split_robust=True))
    assert sol.solver["by_framework"] is True
    status, obj = RobustRef(spec).optimum_robust(rs.k, h)
    assert str(sol.status) == status
    if status == "optimal":
        assert sol.objective == pytest.approx(obj, abs=1e-6, rel=1e-7)


@pytest.mark.parametrize("seed", [2, 3, 5, 9, 10])
def test_recourse_by_constraint_generation(seed):
    """With the enumeration cap lowered to 1, recourse over every set of up to 2 of H is
    solved by constraint generation (singles first, failing pairs added): the same optimum as
    the reference that writes every set out, and the plan is proven against every set."""
    import dataclasses
    import tempfile

    spec, path, h = robust_case(seed, Path(tempfile.mkdtemp()))
    inst = load_instance(path)
    rs = dataclasses.replace(resolve_robust(inst, survive=min(2, len(h)), recourse=True), enumerate_up_to=1)
    sol = api.solve(inst, SolveOptions(mip_gap=0, robust=rs))
    status, obj = RobustRef(spec).optimum_robust(rs.k, h, recourse=True)
    assert str(sol.status) == status
    if status == "optimal":
        assert sol.objective == pytest.approx(obj, abs=1e-6, rel=1e-7)
        assert "written of" in sol.solver["recourse_sets"]


def test_report_draws_the_price_of_robustness(tmp_path):
    """report --robust K: curve.csv beside the brief and its picture in the page; the curve's
    k = 0 point is the plain optimum, and surviving a withdrawal never costs less."""
    import pandas as pd

    path = api.report(BUNDLED, tmp_path / "brief", robust_k=1, k=2)
    curve = pd.read_csv(tmp_path / "brief" / "robust" / "curve.csv")
    assert list(curve["k"]) == [0, 1]
    plain = api.solve(BUNDLED, SolveOptions(), with_thresholds=False)
    assert curve.loc[0, "objective"] == pytest.approx(plain.objective, rel=1e-4)
    assert curve.loc[1, "objective"] >= curve.loc[0, "objective"] - 1e-6
    assert 'id="robust-curve"' in path.read_text()
