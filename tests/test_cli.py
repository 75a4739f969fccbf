"""The forcealloc command as a planner uses it: solve, files, JSON, exit codes."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import GAP_DIR
from reference import Ref
from spec import random_spec, write_spec

from solver.app.cli import main
from solver.io.writers import SOLUTION_FILES

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_solve_bundled_prints_summary(runner, bundled):
    r = runner.invoke(main, ["solve", str(bundled)])
    assert r.exit_code == 0, r.output
    for text in ("OPTIMAL", "Framework:", "Role coverage", "Force in theatre", "Support from outside the theatre",
                 "objective", "backstop", "approval: 20 %", "EUR million per year"):
        assert text in r.output


def test_solve_writes_every_file_and_they_agree(runner, bundled, tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(main, ["solve", str(bundled), "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted(SOLUTION_FILES)
    doc = json.loads((out / "solution.json").read_text())
    assert doc == json.loads(r.stdout)
    for key in ("instance", "status", "objective", "terms", "mip_gap", "framework", "allocation", "roles",
                "nations", "solver"):
        assert key in doc
    assert set(doc["terms"]) == {"cost", "shortfall", "approval_risk", "enabler_dependence"}
    assert set(doc["solver"]) >= {"name", "version", "time_s", "threads", "seed"}
    assert doc["solver"]["version"].startswith("1.")
    alloc = pd.read_csv(out / "allocation.csv")
    assert list(alloc.columns) == ["asset", "nation", "capability", "role", "contribution", "cost", "status"]
    assert len(alloc) == len(doc["allocation"])
    assert alloc["cost"].sum() + 40 == pytest.approx(doc["terms"]["cost"])  # nato setup cost 40
    book = pd.read_excel(out / "solution.xlsx", sheet_name=None)
    assert set(book) == {"summary", "allocation", "roles", "nations", "solver"}
    assert len(book["allocation"]) == len(alloc)
    roles = pd.read_csv(out / "roles.csv")
    assert (roles["covered"] >= roles["required"] - roles["shortfall"] - 1e-9).all()
    nations = pd.read_csv(out / "nations.csv")
    assert nations["share"].sum() == pytest.approx(1.0)


def test_infeasible_exit_3_with_reasons(runner, bundled, tmp_path):
    inst = tmp_path / "inst"
    shutil.copytree(bundled, inst)
    roles = pd.read_csv(inst / "roles.csv", dtype=str, keep_default_na=False)
    roles.loc[roles["role"] == "land", "requirement"] = "900"
    roles.to_csv(inst / "roles.csv", index=False)
    r = runner.invoke(main, ["solve", str(inst), "--out", str(tmp_path / "out")])
    assert r.exit_code == 3, r.output
    assert "INFEASIBLE" in r.output
    assert "un: vetoed by CHN, RUS" in r.output
    assert "nato: role 'land' cannot be covered" in r.output
    doc = json.loads((tmp_path / "out" / "solution.json").read_text())
    assert doc["status"] == "infeasible" and doc["objective"] is None
    assert doc["infeasibility"]["un"]["vetoed_by"] == ["CHN", "RUS"]


def test_infeasible_through_interactions_is_explained(runner, tmp_path):
    """Counting checks pass; budgets and shares make it infeasible: the elastic model says where."""
    for seed in range(200):
        spec = random_spec(seed)
        if Ref(spec).optimum()[0] != "infeasible":
            continue
        path = write_spec(spec, tmp_path / f"i{seed}", seed)
        r = runner.invoke(main, ["solve", str(path), "--json"])
        assert r.exit_code == 3
        doc = json.loads(r.stdout)
        for f, found in doc["infeasibility"].items():
            assert found["vetoed_by"] or found["reasons"], f
        if any("once budgets" in x or "conflict" in x or "lacks" in x for x in doc["diagnosis"]):
            return
    pytest.fail("no random instance needed the elastic diagnosis")


def test_time_limit_without_solution_exit_4(runner, tmp_path):
    out = tmp_path / "big"
    assert runner.invoke(main, ["import-gap", str(GAP_DIR / "yagiura" / "e05100"), "--sense", "min", str(out)]).exit_code == 0
    r = runner.invoke(main, ["solve", str(out), "--time-limit", "0.001", "--no-warm-start", "--json"])
    doc = json.loads(r.stdout)
    assert (r.exit_code, doc["status"]) == (4, "time_limit")
    assert doc["objective"] is None and doc["allocation"] == []


def test_write_model_reads_like_the_problem(runner, bundled, tmp_path):
    lp = tmp_path / "model.lp"
    r = runner.invoke(main, ["solve", str(bundled), "--write-model", str(lp)])
    assert r.exit_code == 0
    text = lp.read_text()
    for name in ("requirement(land)", "one_framework", "consent(", "assign(", "framework(nato)", "burden_share(FRA)",
                 "requires_role(DEU_backstop)", "enabler_share(isr)", "multinationality(land)"):
        assert name in text, name


def test_help_documents_exit_codes(runner):
    r = runner.invoke(main, ["--help"])
    assert "Exit codes" in r.output and "infeasible" in r.output
    r = runner.invoke(main, ["solve", "--help"])
    assert "--time-limit" in r.output and "default: 300" in r.output


def test_bad_option_value_is_exit_2(runner, bundled):
    r = runner.invoke(main, ["solve", str(bundled), "--lexicographic", "cost,glory"])
    assert r.exit_code == 2
    assert "glory" in r.output


def test_python_m_solver(bundled):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "solver", "validate", str(bundled)], capture_output=True, text=True)
    assert r.returncode == 0 and "valid" in r.stdout
