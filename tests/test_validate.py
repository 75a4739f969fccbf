"""Every problem in an instance is reported at once, located and explained."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from solver import InstanceError, check, load_instance
from solver.app.cli import main
from solver.io.writers import write_instance

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick


def _edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set a cell; ``row`` counts as the file does (header = 1)."""
    path = folder / f"{table}.csv"
    with open(path) as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index(column)
    rows[row - 1][col] = value
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _append(folder: Path, table: str, values: dict) -> int:
    path = folder / f"{table}.csv"
    with open(path) as fh:
        rows = list(csv.reader(fh))
    rows.append([values.get(c, "") for c in rows[0]])
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return len(rows)


@pytest.fixture
def inst(bundled, tmp_path) -> Path:
    dest = tmp_path / "inst"
    shutil.copytree(bundled, dest)
    return dest


def _issues(path) -> list:
    with pytest.raises(InstanceError) as exc:
        load_instance(path)
    return exc.value.issues


def _find(issues, source, row, column, value=None):
    hits = [i for i in issues if i.source == source and i.row == row and i.column == column
            and (value is None or i.value == value)]
    assert hits, f"no issue at {source} row {row} column {column}: {[str(i) for i in issues]}"
    return hits[0]


def test_bundled_instance_is_valid(bundled):
    inst, warnings = check(bundled)
    assert len(inst.nations) >= 30 and len(inst.assets) > 100
    # Russia and China have no assets but are not coalition nations: no warning.
    assert not [w for w in warnings if "RUS" in str(w) or "CHN" in str(w)]


def test_every_problem_reported_at_once(inst):
    # rows are file rows: the header is row 1
    _edit(inst, "assets", 2, "strength", "-3")            # strength <= 0
    _edit(inst, "assets", 3, "nation", "ATLANTIS")         # unknown nation
    _edit(inst, "assets", 4, "must_deploy", "perhaps")     # bad boolean
    _edit(inst, "assets", 5, "cost", "cheap")              # bad number
    _edit(inst, "assets", 6, "asset", "FRA-mech-bde")      # duplicate key (row 2 has it)
    _edit(inst, "assets", 7, "available_under", "nato;mars")  # unknown framework in a list
    _edit(inst, "consent", 2, "framework", "warsaw_pact")  # unknown framework
    _edit(inst, "consent", 3, "approval_probability", "1.5")  # probability outside (0, 1]
    _edit(inst, "consent", 4, "approval", "maybe")         # unknown approval
    _edit(inst, "nations", 2, "max_share", "0")            # share outside (0, 1]
    _edit(inst, "roles", 2, "requirement", "-10")          # negative requirement
    _edit(inst, "roles", 3, "capacity", "-1")              # negative capacity
    _edit(inst, "roles", 4, "frameworks", "nato;otan")     # unknown framework in role list
    _edit(inst, "roles", 5, "max_enabler_share", "2")      # share outside (0, 1]
    _edit(inst, "roles", 6, "min_nations", "1.5")          # not a whole number
    _edit(inst, "frameworks", 2, "approval_group", "g7")   # unknown approval group
    _edit(inst, "links", 2, "kind", "prefers_nation")      # unknown link kind
    _edit(inst, "links", 3, "target", "no_such_role")      # unknown role target
    _edit(inst, "links", 9, "target", "ATLANTIS")          # unknown nation target
    _edit(inst, "suitability", 2, "asset", "ghost")        # unknown asset
    _edit(inst, "suitability", 3, "role", "ghost_role")    # unknown role
    _edit(inst, "caveats", 2, "nation", "ATLANTIS")        # unknown nation
    issues = _issues(inst)
    expected = [
        ("assets.csv", 2, "strength", "-3"), ("assets.csv", 3, "nation", "ATLANTIS"),
        ("assets.csv", 4, "must_deploy", "perhaps"), ("assets.csv", 5, "cost", "cheap"),
        ("assets.csv", 7, "available_under", "mars"), ("consent.csv", 2, "framework", "warsaw_pact"),
        ("consent.csv", 3, "approval_probability", "1.5"), ("consent.csv", 4, "approval", "maybe"),
        ("nations.csv", 2, "max_share", "0"), ("roles.csv", 2, "requirement", "-10"),
        ("roles.csv", 3, "capacity", "-1"), ("roles.csv", 4, "frameworks", "otan"),
        ("roles.csv", 5, "max_enabler_share", "2"), ("roles.csv", 6, "min_nations", "1.5"),
        ("frameworks.csv", 2, "approval_group", "g7"), ("links.csv", 2, "kind", "prefers_nation"),
        ("links.csv", 3, "target", "no_such_role"), ("links.csv", 9, "target", "ATLANTIS"),
        ("suitability.csv", 2, "asset", "ghost"), ("suitability.csv", 3, "role", "ghost_role"),
        ("caveats.csv", 2, "nation", "ATLANTIS"),
    ]
    for source, row, column, value in expected:
        _find(issues, source, row, column, value)
    dup = [i for i in issues if "unique" in i.message]
    assert {i.row for i in dup} == {2, 6}
    # each message says what was expected
    assert "a number > 0" in str(_find(issues, "assets.csv", 2, "strength"))
    assert "(0, 1]" in str(_find(issues, "consent.csv", 3, "approval_probability"))
    assert "true/false" in str(_find(issues, "assets.csv", 4, "must_deploy"))


def test_missing_tables_and_columns(inst):
    (inst / "roles.csv").unlink()
    with open(inst / "assets.csv") as fh:
        rows = list(csv.reader(fh))
    drop = rows[0].index("strength")
    with open(inst / "assets.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([r[:drop] + r[drop + 1:] for r in rows])
    issues = _issues(inst)
    assert any(i.source == "roles.csv" and "missing" in i.message for i in issues)
    assert any(i.source == "assets.csv" and "'strength'" in i.message for i in issues)


def test_blank_required_cell_and_settings(inst):
    _edit(inst, "assets", 10, "capability", "")
    (inst / "instance.yaml").write_text("name: x\nmin_coalition_nations: -2\nobjective:\n  cost: -1\n  lexicographic: [cost, glory]\n")
    issues = _issues(inst)
    _find(issues, "assets.csv", 10, "capability")
    _find(issues, "instance.yaml", None, "min_coalition_nations", -2)
    _find(issues, "instance.yaml", None, "objective.cost", -1)
    _find(issues, "instance.yaml", None, "objective.lexicographic", "glory")


def test_warnings_do_not_fail(inst):
    _append(inst, "nations", {"nation": "XYZ", "name": "Nowhere", "coalition": "yes"})
    _append(inst, "roles", {"role": "space", "requirement": "0"})
    inst_, warnings = check(inst)
    text = [str(w) for w in warnings]
    assert any("XYZ" in t and "an asset in the assets table" in t for t in text)
    assert any("space" in t and "no eligible asset" in t for t in text)


def test_workbook_errors_name_the_sheet(bundled, tmp_path):
    book = tmp_path / "inst.xlsx"
    write_instance(load_instance(bundled), book)
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["assets"]
    header = [c.value for c in ws[1]]
    ws.cell(row=5, column=header.index("strength") + 1, value=0)
    wb.save(book)
    issues = _issues(book)
    _find(issues, "inst.xlsx sheet assets", 5, "strength")


def test_cli_validate_exit_codes(inst):
    runner = CliRunner()
    r = runner.invoke(main, ["validate", str(inst)])
    assert r.exit_code == 0 and "valid" in r.output
    _edit(inst, "assets", 2, "strength", "zero")
    _edit(inst, "roles", 2, "requirement", "-1")
    r = runner.invoke(main, ["validate", str(inst)])
    assert r.exit_code == 2
    assert "2 errors" in r.output
    assert "assets.csv, row 2, column strength: got 'zero'; a number" in r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_not_an_instance(tmp_path):
    r = CliRunner().invoke(main, ["solve", str(tmp_path / "nowhere")])
    assert r.exit_code == 2
    assert "no such path" in r.output
