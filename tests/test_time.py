"""The mission over time (MODEL.md version 3 "Time") against an independent formulation.

The reference (tests/reference_time.py) is the per-asset time-expanded MIP written
straight in highspy from the spec: one binary per (asset, role, period) tour start.
forcealloc's model aggregates interchangeable assets into classes with start counts
and a count per rotation window; both must give the same optimum, every schedule
must keep every asset's rotation window, and the classic figure must hold.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from reference_time import TimeRef, write_time
from spec import random_spec, write_spec

from solver import SolveOptions, Status, solve
from solver.domain.mission import Mission
from solver.io.validate import load_instance
from solver.results.timeline import expand, rotation_violations


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def time_spec(seed: int, max_periods: int = 4) -> dict:
    """A random spec of tests/spec.py with a mission, phases and per-nation rotations
    (all assets of a nation alike, so identical assets stay one class)."""
    spec = random_spec(seed)
    rnd = random.Random(1000 + seed)
    T = rnd.randint(2, max_periods)
    spec["settings"]["mission"] = {"periods": T, "period_label": "6 months", "tour": rnd.choice([1, 1, 2]),
                                   "dwell": rnd.choice([0, 0, 1, 2])}
    for n in spec["nations"]:
        if rnd.random() < 0.3:
            tour, dwell = rnd.choice([1, 2, 3, 9]), rnd.choice([0, 1, 2])
            for a in spec["assets"]:
                if a["nation"] == n["nation"]:
                    a["tour"], a["dwell"] = tour, dwell
    for r in spec["roles"]:  # rotations need more units: keep both outcomes frequent
        if r["shortfall_penalty"] is None and rnd.random() < 0.35:
            r["shortfall_penalty"] = float(rnd.randint(5, 40))
        if rnd.random() < 0.6:
            r["requirement"] = float(r["requirement"] // 2)
    phases, seen = [], set()
    for _ in range(rnd.randint(0, 4)):
        r, t = rnd.choice(spec["roles"])["role"], rnd.randint(1, T)
        if (r, t) not in seen:
            seen.add((r, t))
            phases.append({"role": r, "period": t, "requirement": float(rnd.randint(0, 8))})
    spec["phases"] = phases
    return spec


def _rotation(path: Path) -> tuple[pd.Series, pd.Series]:
    inst = load_instance(path)
    m = inst.settings.mission
    return inst.assets["tour"].fillna(m.tour).astype(int), inst.assets["dwell"].fillna(m.dwell).astype(int)


SEEDS = range(32)


@pytest.mark.parametrize("seed", SEEDS)
def test_optimum_matches_time_expanded_reference(seed, tmp_path):
    spec = time_spec(seed, max_periods=6 if seed % 8 == 0 else 4)
    path = write_spec(spec, tmp_path / "inst", seed)
    write_time(spec, path)
    status, best = TimeRef(spec).optimum()
    sol = solve(path, SolveOptions(mip_gap=0))
    if status == "infeasible":
        assert sol.status == Status.INFEASIBLE
        return
    assert sol.status == Status.OPTIMAL
    assert _close(sol.objective, best), (sol.objective, best)
    T = spec["settings"]["mission"]["periods"]
    assert sorted(set(sol.schedule["period"])) <= list(range(1, T + 1))
    tour, dwell = _rotation(path)
    assert rotation_violations(sol.schedule, tour, dwell, T) == []
    assert sol.mission["periods"] == T


def test_random_time_instances_are_a_fair_mix():
    outcomes = [TimeRef(time_spec(s, 6 if s % 8 == 0 else 4)).optimum()[0] for s in SEEDS]
    assert outcomes.count("optimal") >= 8
    assert outcomes.count("infeasible") >= 5


# --------------------------------------------------------------------------- hand-made
def _single_role(tmp_path: Path, units: int, strength: float, requirement: float, periods: int, dwell: int,
                 tour: int = 1, nations: int = 1, phases: str | None = None) -> Path:
    d = tmp_path / f"single-{units}-{periods}-{dwell}-{tour}"
    d.mkdir()
    (d / "nations.csv").write_text("nation\n" + "".join(f"N{i}\n" for i in range(nations)))
    (d / "frameworks.csv").write_text("framework\ncoalition\n")
    (d / "roles.csv").write_text(f"role,requirement\nland,{requirement}\n")
    (d / "capabilities.csv").write_text("capability,role\nbn,land\n")
    (d / "assets.csv").write_text("asset,nation,capability,strength,cost\n" + "".join(
        f"bn-{i:03d},N{i % nations},bn,{strength},1\n" for i in range(units)))
    (d / "instance.yaml").write_text(yaml.safe_dump(
        {"name": d.name, "mission": {"periods": periods, "period_label": "6 months", "tour": tour, "dwell": dwell}}))
    if phases:
        (d / "phases.csv").write_text(phases)
    return d


@pytest.mark.quick
@pytest.mark.parametrize(("m", "dwell", "periods"), [(1, 2, 3), (3, 2, 6), (2, 1, 5), (4, 3, 8), (2, 0, 3)])
def test_classic_figure(m, dwell, periods, tmp_path):
    """m units in theatre, tour 1, dwell D, T > D: m (D + 1) units, and no fewer."""
    need = m * (dwell + 1)
    enough = solve(_single_role(tmp_path, need, 10, 10 * m, periods, dwell), SolveOptions(mip_gap=0))
    assert enough.status == Status.OPTIMAL
    assert enough.mission["sustainment"]["assets_used"] == need
    assert enough.mission["sustainment"]["max_in_theatre_units"] == m
    assert enough.mission["sustainment"]["ratio"] == pytest.approx(dwell + 1)
    short = solve(_single_role(tmp_path, need - 1, 10, 10 * m, periods, dwell), SolveOptions(mip_gap=0))
    assert short.status == Status.INFEASIBLE
    # plenty of identical units (one class): the schedule still names only m (D + 1) of them
    many = solve(_single_role(tmp_path, 3 * need + 2, 10, 10 * m, periods, dwell), SolveOptions(mip_gap=0))
    assert many.mission["sustainment"]["assets_used"] == need
    assert many.terms["cost"] == pytest.approx(m * periods)  # cost 1 per unit and period
    n = many.schedule["asset"].map(lambda a: 1)
    assert rotation_violations(many.schedule, n.groupby(many.schedule["asset"]).first(),
                               n.groupby(many.schedule["asset"]).first() * dwell, periods) == []


@pytest.mark.quick
def test_tour_longer_than_mission_is_cut(tmp_path):
    """A tour of 5 over 3 periods serves 1..3 once: 2 units in theatre need 2 units."""
    sol = solve(_single_role(tmp_path, 4, 10, 20, 3, dwell=1, tour=5), SolveOptions(mip_gap=0))
    assert sol.status == Status.OPTIMAL
    assert sol.mission["sustainment"]["assets_used"] == 2
    assert set(sol.schedule["period"]) == {1, 2, 3}


@pytest.mark.quick
def test_phases_build_up(tmp_path):
    """Requirement 10 in period 1, 30 in 2-3 (tour 1, dwell 1): 1 + 3 + 3 = 7 unit-periods; the
    3 units of period 2 cannot serve in 3, and period 1's unit is back in 3: 6 units needed."""
    p = _single_role(tmp_path, 6, 10, 30, 3, dwell=1, phases="role,period,requirement\nland,1,10\n")
    sol = solve(p, SolveOptions(mip_gap=0))
    assert sol.status == Status.OPTIMAL
    assert sol.terms["cost"] == pytest.approx(7)
    cov = sol.roles.set_index("period")["covered"]
    assert list(cov) == [10, 30, 30]
    assert sol.status == Status.OPTIMAL
    p5 = _single_role(tmp_path, 5, 10, 30, 3, dwell=1, tour=1, phases="role,period,requirement\nland,1,10\n")
    assert solve(p5, SolveOptions(mip_gap=0)).status == Status.INFEASIBLE


# --------------------------------------------------------------------------- the expansion
@pytest.mark.quick
def test_expansion_always_finds_a_rested_asset():
    """Any start counts within every window's count give a schedule per named asset that
    keeps every window (the count constraint is exact): 300 random count sequences."""
    for seed in range(300):
        rnd = random.Random(seed)
        T, size, tour, dwell = rnd.randint(1, 9), rnd.randint(1, 5), rnd.randint(1, 3), rnd.randint(0, 3)
        roles = ["a", "b"][: rnd.randint(1, 2)]
        Teff = min(tour, T)
        L = Teff + dwell
        starts = np.zeros((len(roles), T), dtype=int)
        windows = [(s, min(T, s + L) - 1) for s in range(T)]
        for _ in range(40):  # random starts, kept only while every window allows them
            i, t = rnd.randrange(len(roles)), rnd.randrange(T)
            starts[i, t] += 1
            if any(starts[:, a:e + 1].sum() > size for a, e in windows):
                starts[i, t] -= 1
        members = tuple(f"u{j}" for j in range(size))
        opt = pd.DataFrame({"unit": "k", "role": roles, "nation": "N", "contribution": 1.0, "cost": 1.0})
        units = pd.DataFrame({"members": [members], "must_deploy": [rnd.random() < 0.3]}, index=["k"])
        td = SimpleNamespace(data=SimpleNamespace(options=opt, units=units), mission=Mission(periods=T),
                             tour=pd.Series({"k": Teff}), window=lambda k, L=L: L)
        tours = expand(td, starts)
        assert len(tours) == starts.sum(), seed
        for _, rows in tours.groupby("asset"):
            s = sorted(rows["start"])
            assert all(b - a >= L for a, b in zip(s, s[1:], strict=False)), seed
        if units.at["k", "must_deploy"] and starts.sum() >= size:
            assert tours["asset"].nunique() == size, seed


# --------------------------------------------------------------------------- T = 1 is version 2
@pytest.mark.quick
def test_one_period_is_version_2(bundled, tmp_path):
    """mission periods 1 (any tour and dwell) gives the same answer and files as no mission."""
    import shutil

    def copy(name: str, mission: dict | None) -> Path:
        d = tmp_path / name
        shutil.copytree(bundled, d)
        settings = yaml.safe_load((d / "instance.yaml").read_text())
        settings.pop("mission", None)
        if mission:
            settings["mission"] = mission
        (d / "instance.yaml").write_text(yaml.safe_dump(settings))
        (d / "phases.csv").unlink(missing_ok=True)
        return d

    plain = solve(copy("plain", None), SolveOptions(), out=tmp_path / "plainout")
    one = solve(copy("one", {"periods": 1, "tour": 3, "dwell": 2}), SolveOptions(), out=tmp_path / "oneout")
    assert one.mission is None and "mission" not in one.to_dict()
    assert one.objective == plain.objective
    for f in ("allocation.csv", "roles.csv", "nations.csv"):
        assert (tmp_path / "plainout" / f).read_text() == (tmp_path / "oneout" / f).read_text(), f
    assert not (tmp_path / "oneout" / "schedule.csv").exists()


@pytest.mark.parametrize("seed", [3, 11])
def test_one_period_random_is_version_2(seed, tmp_path):
    spec = random_spec(seed)
    path = write_spec(spec, tmp_path / "inst", seed)
    plain = solve(path, SolveOptions(mip_gap=0))
    spec["settings"]["mission"] = {"periods": 1, "tour": 2, "dwell": 1}
    write_time(spec, path)
    one = solve(path, SolveOptions(mip_gap=0))
    assert one.status == plain.status and one.objective == plain.objective
    assert one.allocation.equals(plain.allocation)


# --------------------------------------------------------------------------- bad input
@pytest.mark.quick
def test_bad_time_input_names_every_problem(bundled, tmp_path):
    import shutil

    d = tmp_path / "bad"
    shutil.copytree(bundled, d)
    settings = yaml.safe_load((d / "instance.yaml").read_text())
    settings["mission"] = {"periods": 3, "tour": 0, "dwell": 1.5}
    (d / "instance.yaml").write_text(yaml.safe_dump(settings))
    (d / "phases.csv").write_text("role,period,requirement\nland,1,80\nnosuch,2,10\nland,4,10\nland,1,90\n"
                                  "land,2.5,1\n")
    assets = (d / "assets.csv").read_text().splitlines()
    assets[0] += ",tour,dwell"
    assets[1] += ",0,-1"
    assets[2:] = [line + ",," for line in assets[2:]]
    (d / "assets.csv").write_text("\n".join(assets) + "\n")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "solver", "solve", str(d), "--out", str(out)], capture_output=True,
                       text=True, env={"COLUMNS": "80", "PATH": ""}, timeout=120)
    assert r.returncode == 2
    err = r.stderr + r.stdout
    for needle in ("assets.csv, row 2, column tour: got '0'", "assets.csv, row 2, column dwell: got '-1'",
                   "phases.csv, row 3, column role: got 'nosuch'", "phases.csv, row 4, column period: got '4'",
                   "phases.csv, row 5", "phases.csv, row 6, column period: got '2.5'",
                   "key mission.tour: got 0", "key mission.dwell: got 1.5"):
        assert needle in err, needle
    assert "Traceback" not in err
    assert not out.exists()
    periods = yaml.safe_load((d / "instance.yaml").read_text())
    periods["mission"] = {"periods": 0}
    (d / "instance.yaml").write_text(yaml.safe_dump(periods))
    r = subprocess.run([sys.executable, "-m", "solver", "solve", str(d)], capture_output=True, text=True,
                       env={"COLUMNS": "80", "PATH": ""}, timeout=120)
    assert r.returncode == 2 and "mission.periods: got 0" in r.stderr + r.stdout


def test_solution_files_over_time(tmp_path):
    sol = solve(_single_role(tmp_path, 6, 10, 20, 4, dwell=1), SolveOptions(mip_gap=0), out=tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert doc["mission"]["periods"] == 4 and doc["mission"]["period_label"] == "6 months"
    assert set(doc["mission"]["sustainment"]) >= {"max_in_theatre_strength", "max_in_theatre_units", "assets_used",
                                                  "ratio"}
    sched = pd.read_csv(tmp_path / "out" / "schedule.csv")
    assert list(sched.columns) == ["asset", "nation", "role", "period", "contribution", "cost"]
    assert len(sched) == 8 and sched["period"].between(1, 4).all()
    roles = pd.read_csv(tmp_path / "out" / "roles.csv")
    assert list(roles["period"]) == [1, 2, 3, 4]
    np_ = pd.read_csv(tmp_path / "out" / "nation_periods.csv")
    assert (np_["deployed"] + np_["resting"] + np_["unused"] == 6).all()
    assert list(np_["deployed"]) == [2, 2, 2, 2] and list(np_["resting"]) == [0, 2, 2, 2]
    assert sol.mission["sustainment"]["assets_used"] == 4



@pytest.mark.quick
def test_workbook_keeps_the_mission_and_phases(tmp_path):
    """A folder with a mission and phases converts to a workbook (settings rows mission.*,
    a phases sheet) that gives the same answer."""
    from solver.io.writers import write_instance

    p = _single_role(tmp_path, 6, 10, 30, 3, dwell=1, phases="role,period,requirement\nland,1,10\n")
    write_instance(load_instance(p), tmp_path / "m.xlsx")
    a, b = solve(p, SolveOptions(mip_gap=0)), solve(tmp_path / "m.xlsx", SolveOptions(mip_gap=0))
    assert b.mission == a.mission and b.objective == a.objective
    assert load_instance(tmp_path / "m.xlsx").settings.mission == Mission(3, "6 months", 1, 1)


# --------------------------------------------------------------------------- where it breaks, what-ifs
def test_where_a_mission_breaks(tmp_path):
    """3 battalions cannot keep 2 in theatre with a dwell of 1 over 4 periods (the classic
    figure needs 4): at most 6 of the 8 battalion-periods can be served, so 20 points are
    missing over the mission; one more battalion, or no dwell, sustains it."""
    sol = solve(_single_role(tmp_path, 3, 10, 20, 4, dwell=1), SolveOptions(mip_gap=0))
    assert sol.status == Status.INFEASIBLE
    short = sol.infeasibility["coalition"]["short"]
    assert [r["role"] for r in short] == ["land"]
    assert sum(short[0]["shortfall"].values()) == pytest.approx(20)
    assert short[0]["extra_units"] == 1
    text = "\n".join(sol.diagnosis)
    assert "falls short from period" in text
    assert "1 like bn-000 (N0) more would sustain the force" in text
    assert "every unit resting one period less (a dwell of 0 instead of 1) would sustain the force" in text


@pytest.mark.parametrize("kind", ["periods", "dwell"])
def test_sweeps_give_the_force_needed(kind, tmp_path):
    """Keeping 2 battalions in theatre: over T periods with dwell 1 the force is 2 for T = 1
    (no rotation) and 4 from T = 2; over 4 periods with dwell d it is 2 (d + 1) while
    there are enough battalions (6: up to d = 2)."""
    from solver.app import api

    inst = _single_role(tmp_path, 6, 10, 20, 4, dwell=1)
    run = api.batch(inst, sweep=(kind,), out=tmp_path / "out", options=SolveOptions(mip_gap=0), workers=1)
    table = run.result.table().set_index("scenario")
    if kind == "periods":
        assert table.at["periods:01", "status"] == "optimal" and pd.isna(table.at["periods:01", "assets_used"])
        for n in range(2, 9):
            assert table.at[f"periods:{n:02d}", "assets_used"] == 4
    else:
        for d, used in ((0, 2), (1, 4), (2, 6)):
            assert table.at[f"dwell:{d:02d}", "assets_used"] == used
        assert table.at["dwell:03", "status"] == "infeasible"


@pytest.mark.quick
def test_a_scenario_changes_the_mission(tmp_path):
    """settings: {mission: {dwell: 0}} keeps the periods; phases can be added like rows."""
    from solver.analysis.whatif.changes import scenario_instance
    from solver.analysis.whatif.scenarios import Scenario
    from solver.io.readers import read_raw

    raw = read_raw(_single_role(tmp_path, 6, 10, 20, 4, dwell=1))
    inst = scenario_instance(raw, Scenario("s", [{"settings": {"mission": {"dwell": 0}}},
                                                 {"add": {"table": "phases", "rows": [
                                                     {"role": "land", "period": 2, "requirement": 40}]}}]))
    assert inst.settings.mission == Mission(4, "6 months", 1, 0)
    assert list(inst.phases["requirement"]) == [40]


MISSION = Path(__file__).resolve().parents[1] / "instances" / "assurance-force-mission"


def test_bundled_mission_is_proven_optimal():
    """The bundled mission's six periods of six months (1:1, build-up) solve to a proven
    optimum, every rotation window kept, and land at its build-up requirement."""
    sol = solve(MISSION, SolveOptions(mip_gap=0))
    assert sol.status == Status.OPTIMAL and sol.mip_gap == 0
    assert sol.mission["periods"] == 6
    land = sol.roles[sol.roles["role"] == "land"].set_index("period")
    assert list(land["required"]) == [80, 120, 160, 160, 160, 160]
    assert (land["shortfall"] == 0).all()


@pytest.mark.quick
def test_the_bundled_mission_holds_the_bundled_tables(bundled):
    """The mission folder is the bundled instance over time: the same tables, byte for byte,
    but for the assets' tour and dwell columns."""
    import pandas as pd

    for table in sorted(p.name for p in bundled.glob("*.csv") if p.name not in ("announced-plan.csv", "assets.csv")):
        assert (MISSION / table).read_bytes() == (bundled / table).read_bytes(), table
    mine = pd.read_csv(MISSION / "assets.csv", dtype=str, keep_default_na=False)
    theirs = pd.read_csv(bundled / "assets.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(mine.drop(columns=["tour", "dwell"]), theirs)
    assert not (bundled / "phases.csv").exists() and (MISSION / "phases.csv").exists()


@pytest.mark.quick
def test_rotation_chart_counts_the_schedule(tmp_path):
    from solver.present.charts import rotation_chart

    sol = solve(_single_role(tmp_path, 6, 10, 20, 4, dwell=1, nations=2), SolveOptions(mip_gap=0))
    svg, table = rotation_chart(sol.schedule, ["land"], 4)
    assert svg.startswith("<svg")
    assert int(table[[1, 2, 3, 4]].to_numpy().sum()) == len(sol.schedule) == 8
