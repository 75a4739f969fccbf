"""What-if batches: scenario files, sweeps, the local pool, re-runs and retargeting (faults:
test_batch_faults.py)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from batch_support import _cli, _summary
from click.testing import CliRunner
from highs_lp import dense_lp

from solver import SolveOptions, solve
from solver.analysis.whatif import sweeps
from solver.analysis.whatif.changes import apply_changes
from solver.analysis.whatif.scenarios import Scenario, read_scenarios
from solver.app.cli import main
from solver.domain.errors import ScenarioError
from solver.io import load_instance, read_raw
from solver.io.writers import write_tables


def test_scenario_file_errors_are_named_with_line(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "scenarios:\n"
        "  - name: a\n"
        "    changes:\n"
        "      - explode: {table: assets}\n"          # line 4: unknown kind
        "  - name: b\n"
        "    extends: nowhere\n"                      # line 5: unknown extends
        "    changes:\n"
        "      - set: {table: roles, key: land, column: strenght, value: 3}\n"  # line 8: unknown column
        "  - name: a\n"                               # line 9: duplicate
        "    changes: []\n")
    with pytest.raises(ScenarioError) as exc:
        read_scenarios(bad)
    text = [str(i) for i in exc.value.issues]
    assert any("line 4" in t and "explode" in t for t in text)
    assert any("line 5" in t and "nowhere" in t for t in text)
    assert any("line 8" in t and "strenght" in t for t in text)
    assert any("line 9" in t and "unique" in t for t in text)
    r = CliRunner().invoke(main, ["batch", "instances/assurance-force", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_bundled_scenarios_answer_the_questions(bundled_batch):
    out = bundled_batch["out"]
    assert bundled_batch["returncode"] == 0, bundled_batch["stdout"] + bundled_batch["stderr"]
    s = _summary(out).set_index("scenario")
    assert set(s.index) >= {"base", "no-us-backstop", "hungary-blocks-nato", "italy-pulls-out", "land-plus-half"}
    assert s.at["hungary-blocks-nato", "framework"] != "nato"  # a veto closes NATO
    assert s.at["land-plus-half", "delta_objective"] > 0
    assert s.at["no-us-backstop", "delta_objective"] > 0
    assert (out / "summary.parquet").exists()
    assert pd.read_parquet(out / "summary.parquet").shape[0] == len(s)
    for name in s.index:
        assert (out / "scenarios" / name.replace(":", "_") / "solution.json").exists()


def test_summary_equals_single_solves(bundled_batch, scenario_file, tmp_path):
    """Every scenario's result (two workers, persistent and rebuilt models) is what a fresh
    solve of its modified instance, written to files and read back, gives."""
    summary = _summary(bundled_batch["out"]).set_index("scenario")
    raw = read_raw(scenario_file.parent)
    scenarios, _ = read_scenarios(scenario_file)
    for sc in [Scenario("base", []), *scenarios]:
        changed = apply_changes(raw, sc)
        inst_dir = tmp_path / "single" / sc.name
        tables = {k: v.drop(columns="_row") for k, v in changed.tables.items()}
        write_tables(tables, changed.settings, inst_dir)
        doc = solve(inst_dir, SolveOptions(mip_gap=0)).to_dict()
        row = summary.loc[sc.name]
        assert row["status"] == doc["status"], sc.name
        assert row["objective"] == pytest.approx(doc["objective"], abs=1e-6), sc.name
        assert row["framework"] == doc["framework"], sc.name
        assert row["nation_list"] == ";".join(sorted(n["nation"] for n in doc["nations"])), sc.name


def test_withdrawal_semantics(bundled):
    raw = read_raw(bundled)
    changed = apply_changes(raw, Scenario("w", [{"withdraw": "GBR"}]))
    t = changed.tables
    assert not (t["assets"]["nation"] == "GBR").any()
    assert not t["suitability"]["asset"].str.startswith("GBR-").any()
    assert not (t["links"]["nation"] == "GBR").any()
    assert (t["links"]["target"] == "GBR").any()  # NLD still requires GBR: it can no longer take part
    assert (t["nations"]["nation"] == "GBR").any()  # GBR keeps its vote
    names = [s.name for s in sweeps.sweep_withdrawal(load_instance(bundled)).scenarios]
    assert "withdrawal:GBR" in names and "withdrawal:RUS" not in names


def test_consent_sweep_prices_equal_single_solves(consent_batch, bundled, tmp_path):
    assert consent_batch["returncode"] == 0, consent_batch["stderr"]
    assert "Price of each political commitment" in consent_batch["stdout"]
    s = _summary(consent_batch["out"]).set_index("scenario")
    raw = read_raw(bundled)
    base = solve(bundled, SolveOptions(mip_gap=0)).objective
    lifted = sweeps.generate("consent", load_instance(bundled)).scenarios
    assert len(lifted) == len(s) - 1
    for sc in lifted[:: max(1, len(lifted) // 8)]:  # a spread sample, each a fresh solve from files
        changed = apply_changes(raw, sc)
        d = tmp_path / "single" / sc.name.replace(":", "_")
        write_tables({k: v.drop(columns="_row") for k, v in changed.tables.items()}, changed.settings, d)
        one = solve(d, SolveOptions(mip_gap=0))
        if one.objective is None:
            assert pd.isna(s.at[sc.name, "objective"])
        else:
            assert s.at[sc.name, "delta_objective"] == pytest.approx(one.objective - base, abs=1e-6)


def test_requirement_and_veto_sweeps(bundled, tmp_path):
    out = tmp_path / "out"
    r = _cli("batch", bundled, "--sweep", "requirement", "--factor", "0.5:1.25:0.25", "--sweep", "veto",
             "--out", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    s = _summary(out).set_index("scenario")
    assert {"requirement:x0.5", "requirement:x0.75", "requirement:x1", "requirement:x1.25"} <= set(s.index)
    assert s.at["requirement:x0.5", "objective"] < s.at["requirement:x0.75", "objective"] < s.at["base", "objective"]
    assert s.at["requirement:x1", "objective"] == pytest.approx(s.at["base", "objective"])
    assert s.at["requirement:x1.25", "status"] == "infeasible" or s.at["requirement:x1.25", "delta_objective"] > 0
    vetoes = [n for n in s.index if n.startswith("veto:")]
    assert vetoes == ["veto:nato"]  # one row: any NATO member's veto has the same effect
    assert "any one of" in s.at["veto:nato", "description"]
    assert s.at["veto:nato", "framework"] != "nato"


def test_failing_scenario_is_recorded_and_batch_goes_on(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n"
                 "  - name: ok\n    changes:\n      - set: {table: roles, key: land, column: requirement, value: 100}\n"
                 "  - name: impossible\n    changes:\n      - set: {table: roles, key: land, column: requirement, value: 5000}\n")
    out = tmp_path / "out"
    r = _cli("batch", bundled, f, "--out", out, "--no-progress")
    assert r.returncode == 0
    s = _summary(out).set_index("scenario")
    assert s.at["ok", "status"] == "optimal"
    assert s.at["impossible", "status"] == "infeasible"
    doc = json.loads((out / "scenarios" / "impossible" / "solution.json").read_text())
    assert any("land" in line for line in doc["diagnosis"])


def test_rerun_after_partial_output_dir_is_safe(bundled, tmp_path):
    out = tmp_path / "out"
    shutil.rmtree(out, ignore_errors=True)
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: a\n    changes:\n      - objective: {approval_risk: 0}\n")
    assert _cli("batch", bundled, f, "--out", out, "--no-progress").returncode == 0
    (out / "summary.csv").unlink()
    r = _cli("batch", bundled, f, "--out", out, "--no-progress")
    assert r.returncode == 0 and "(2 already done" in " ".join(r.stdout.split())  # the path may wrap the line
    assert len(_summary(out)) == 2


@pytest.mark.parametrize("change", [
    {"scale": {"table": "roles", "column": "requirement", "factor": 0.4, "where": {"role": "isr"}}},
    {"scale": {"table": "roles", "column": "requirement", "factor": 1.3}},
    {"set": {"table": "roles", "key": "land", "column": "capacity", "value": 170}},
    {"set": {"table": "nations", "key": "CZE", "column": "budget", "value": 40}},
    {"set": {"table": "nations", "key": "POL", "column": "max_share", "value": 0.1}},
    {"set": {"table": "consent", "key": ["HUN", "nato"], "column": "approval", "value": "veto"}},
    {"set": {"table": "consent", "key": ["USA", "nato"], "column": "approval_probability", "value": 0.3}},
    {"set": {"table": "frameworks", "key": "eu", "column": "setup_cost", "value": 5}},
    {"set": {"table": "roles", "key": "backstop", "column": "shortfall_penalty", "value": 100}},
    {"objective": {"approval_risk": 0, "enabler_dependence": 3}},
    {"settings": {"min_coalition_nations": 20}},
])
def test_retargeted_model_is_the_freshly_built_model(bundled, change):
    """A persistent what-if leaves HiGHS holding exactly the model a fresh build would give."""
    import numpy as np

    from solver.analysis.whatif.changes import parametric_instance
    from solver.engine.session import Session
    from solver.io.validate import validate

    raw = read_raw(bundled)
    base = validate(raw.copy())
    sc = Scenario("x", [change])
    assert sc.parametric
    inst = parametric_instance(base, sc)
    s = Session(base)
    s.solve()
    assert s.retarget(inst)
    fresh = Session(inst)
    a, b = dense_lp(s), dense_lp(fresh)
    for k in a:
        assert np.allclose(a[k], b[k]), k
    assert s.solve().objective == pytest.approx(fresh.solve().objective)
    assert s.retarget(base)  # and back
    assert np.allclose(dense_lp(s)["a"], dense_lp(Session(base))["a"])


def test_run_batch_refuses_repeated_scenario_names(bundled, tmp_path):
    """Two scenarios of one name would write one folder; the API refuses them, as the file loader does."""
    from solver.analysis.whatif.batch import run_batch
    from solver.analysis.whatif.scenarios import Scenario, base_digest

    raw = read_raw(bundled)
    twice = [Scenario("x", [{"objective": {"cost": 2.0}}]), Scenario("x", [{"objective": {"cost": 3.0}}])]
    for scenarios in (twice, [Scenario("base", [])]):
        with pytest.raises(ScenarioError, match="distinct|other than 'base'"):
            run_batch(raw, base_digest(raw), scenarios, tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()


def test_cli_refuses_a_file_scenario_named_like_a_sweep_scenario(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: withdrawal:FRA\n    changes:\n      - withdraw: FRA\n")
    r = _cli("batch", bundled, f, "--sweep", "withdrawal", "--out", tmp_path / "out", "--no-progress")
    assert r.returncode == 2, r.stderr
    assert "repeat" in r.stderr and "withdrawal:FRA" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "summary.csv").exists()
