"""The published optima of OR-Library GAP instances, through import-gap + solve.

Every one of the 60 OR-Library problems (gap1-gap12) in both senses: the
maximisation optima OR-Library publishes and the minimisation optima of later
papers (benchmarks/data/gap/README.md says where each value comes from), plus
single-problem files of Chu and Beasley's types a, b and c.
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from conftest import GAP_DIR

from solver import SolveOptions, Status, solve
from solver.app.cli import main
from solver.io.gap import gap_tables, read_gap
from solver.io.writers import write_tables

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick


def _optima(name: str) -> list[dict]:
    with open(GAP_DIR / "orlib" / name) as fh:
        return list(csv.DictReader(fh))


ORLIB = [(r["file"], int(r["index"]), int(r["optimum"]), r["sense"]) for r in _optima("optima.csv") + _optima("optima_min.csv")]


@pytest.mark.parametrize(("file", "k", "optimum", "sense"), ORLIB, ids=[f"{f}-{k}-{s}" for f, k, _, s in ORLIB])
def test_orlib_optimum(file, k, optimum, sense, tmp_path):
    tables, settings = gap_tables(read_gap(GAP_DIR / "orlib" / file)[k - 1], sense, f"{file}-{k}")
    write_tables(tables, settings, tmp_path / "inst")
    sol = solve(tmp_path / "inst", SolveOptions(mip_gap=0))
    assert sol.status == Status.OPTIMAL
    assert sol.gap_objective == pytest.approx(optimum, abs=1e-6)


def _values() -> dict[str, int]:
    with open(GAP_DIR / "yagiura" / "values.csv") as fh:
        return {r["instance"]: int(r["optimum_or_best_known"]) for r in csv.DictReader(fh) if r["proven_optimal"] == "yes"}


@pytest.mark.parametrize("name", ["a05100", "b05100", "c05100"])
def test_single_problem_files_through_the_cli(name, tmp_path):
    """The yagiura layout (no leading count), imported and solved from the CLI."""
    runner = CliRunner()
    out = tmp_path / name
    r = runner.invoke(main, ["import-gap", str(GAP_DIR / "yagiura" / name), "--sense", "min", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["solve", str(out), "--mip-gap", "0", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["status"] == "optimal"
    assert doc["gap_objective"] == _values()[name]


def test_problem_out_of_range_is_bad_input(tmp_path):
    r = CliRunner().invoke(main, ["import-gap", str(GAP_DIR / "orlib" / "gap1.txt"), "--problem", "9",
                                  "--sense", "max", str(tmp_path / "x")])
    assert r.exit_code == 2
    assert "holds 5 problem(s)" in r.output
    assert not (tmp_path / "x").exists()


def test_malformed_file_is_bad_input(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2\n5 10\n1 2 3\n")
    r = CliRunner().invoke(main, ["import-gap", str(bad), "--sense", "min", str(tmp_path / "x")])
    assert r.exit_code == 2
    assert "needs" in r.output
