"""MODEL.md v3 input rules (issue 19, part 7): a missing or misspelt column, a bad
lexicographic list, a workbook title row or unsaved formula, an oversized field, an
unclosed quote, a scenario file with several typos. Each is exit 2 with the file or
sheet, row, column, value and the suggestion, every problem at once, nothing written."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from solver import SolveOptions
from solver.analysis.whatif.scenarios import read_scenarios_all
from solver.app.api import batch
from solver.app.cli import main
from solver.domain.errors import BadInput, InstanceError, OptionError
from solver.domain.suggest import close_column, edit_distance, suggest_key
from solver.io.validate import load_instance
from solver.io.writers import write_instance

pytestmark = pytest.mark.quick


@pytest.fixture
def inst(bundled, tmp_path) -> Path:
    dest = tmp_path / "inst"
    shutil.copytree(bundled, dest)
    return dest


def _rows(folder: Path, table: str) -> list[list[str]]:
    return list(csv.reader((folder / f"{table}.csv").open(newline="", encoding="utf-8")))


def _write(folder: Path, table: str, rows: list[list[str]]) -> None:
    with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _issues(path) -> list:
    with pytest.raises(InstanceError) as exc:
        load_instance(path)
    return exc.value.issues


def _cli(args: list) -> tuple[int, str]:
    r = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, terminal_width=200)
    return r.exit_code, " ".join(r.output.split())


def _refused(args: list, out: Path, *expected: str) -> str:
    """The command exits 2, writes nothing, and its message holds every expected text."""
    code, text = _cli([*args, "--out", out] if args[0] == "solve" else args)
    assert code == 2, text
    assert "Traceback" not in text
    for e in expected:
        assert e in text, f"{e!r} not in {text}"
    assert not out.exists() or not any(out.iterdir())
    return text


# --------------------------------------------------------------------------- suggestions
def test_edit_distance_counts_swaps_as_one():
    assert edit_distance("requirment", "requirement") == 1
    assert edit_distance("apporval", "approval") == 1  # a swap of neighbours
    assert edit_distance("SPA", "USA") == 2 and edit_distance("SPA", "ESP") == 2


def test_close_column_is_never_far_fetched():
    cols = ["nation", "framework", "approval", "approval_probability", "contributes"]
    assert close_column("approval_prob", cols) == "approval_probability"  # an abbreviation
    assert close_column("approval_probabilty", cols) == "approval_probability"
    assert close_column("note", ["nation", "name", "nato", "eu"]) is None  # 2 of 4 letters changed: too far
    assert close_column("id", ["eu"]) is None
    assert close_column("comment", cols) is None


def test_nation_suggested_by_code_and_name(bundled):
    names = load_instance(bundled).nations["name"].to_dict()
    assert suggest_key("SPA", names) == ["ESP"]  # "Spain", never "USA"
    assert suggest_key("UK", names) == ["GBR"]
    assert suggest_key("Germany", names) == ["DEU"]
    assert suggest_key("FRAA", names) == ["FRA"]
    assert suggest_key("XYZ", names) == []


# --------------------------------------------------------------------------- columns
def test_missing_requirement_column_is_an_error(inst, tmp_path):
    rows = _rows(inst, "roles")
    i = rows[0].index("requirement")
    _write(inst, "roles", [r[:i] + r[i + 1:] for r in rows])
    [issue] = _issues(inst)
    assert (issue.source, issue.row) == ("roles.csv", 1) and "'requirement'" in issue.message
    _refused(["solve", inst], tmp_path / "out", "roles.csv, row 1", "'requirement'")


def test_blank_requirement_cell_still_means_zero(inst):
    rows = _rows(inst, "roles")
    i = rows[0].index("requirement")
    rows[2][i] = ""  # air_policing
    _write(inst, "roles", rows)
    assert load_instance(inst).roles.loc["air_policing", "requirement"] == 0.0


def test_misspelt_column_is_an_error_with_the_suggestion(inst, tmp_path):
    rows = _rows(inst, "consent")
    rows[0][rows[0].index("approval_probability")] = "approval_prob"
    _write(inst, "consent", rows)
    [issue] = _issues(inst)
    assert (issue.source, issue.row, issue.column, issue.value) == ("consent.csv", 1, "approval_prob", "approval_prob")
    assert "did you mean 'approval_probability'?" in issue.message
    _refused(["solve", inst], tmp_path / "out", "consent.csv, row 1, column approval_prob",
             "did you mean 'approval_probability'?")


def test_unrelated_column_is_still_only_a_warning(inst):
    rows = _rows(inst, "nations")
    for r in rows:
        r.append("note" if r is rows[0] else "x")
    _write(inst, "nations", rows)
    w = [str(x) for x in load_instance(inst).warnings]
    assert any("column note" in x and "ignored" in x for x in w)


def test_missing_cost_column_warns_what_it_means(inst):
    rows = _rows(inst, "assets")
    i = rows[0].index("cost")
    _write(inst, "assets", [r[:i] + r[i + 1:] for r in rows])
    w = [str(x) for x in load_instance(inst).warnings]
    assert any(x.startswith("assets.csv, row 1") and "every asset costs 0" in x for x in w)


def test_misspelt_instance_yaml_keys(inst, tmp_path):
    text = (inst / "instance.yaml").read_text()
    text = text.replace("min_coalition_nations:", "min_coalition_nation:").replace("  approval_risk:", "  aproval_risk:")
    (inst / "instance.yaml").write_text(text)
    issues = {i.column: i for i in _issues(inst)}
    assert "did you mean 'min_coalition_nations'?" in issues["min_coalition_nation"].message
    assert "did you mean 'approval_risk'?" in issues["objective.aproval_risk"].message
    _refused(["solve", inst], tmp_path / "out", "instance.yaml, key min_coalition_nation",
             "instance.yaml, key objective.aproval_risk")


# --------------------------------------------------------------------------- lexicographic
def test_lexicographic_unknown_or_repeated_term_in_instance_yaml(inst, tmp_path):
    text = (inst / "instance.yaml").read_text()
    text = text.replace("  cost: 1.0\n", "  cost: 1.0\n  lexicographic: [cost, shortfal, cost]\n")
    (inst / "instance.yaml").write_text(text)
    issues = _issues(inst)
    assert {i.value for i in issues} == {"shortfal", "cost"}
    assert all(i.column == "objective.lexicographic" for i in issues)
    _refused(["solve", inst], tmp_path / "out", "did you mean 'shortfall'?", "at most once")


def test_lexicographic_option_repeated_term_is_exit_2(bundled, tmp_path):
    code, text = _cli(["solve", bundled, "--lexicographic", "cost,cost", "--out", tmp_path / "out"])
    assert code == 2 and "'cost'" in text and "at most once" in text
    assert not (tmp_path / "out").exists()
    with pytest.raises(OptionError):
        SolveOptions(lexicographic=("cost", "glory"))


# --------------------------------------------------------------------------- workbooks
def _book(bundled, tmp_path) -> Path:
    book = tmp_path / "book.xlsx"
    write_instance(load_instance(bundled), book)
    return book


def test_workbook_formula_without_saved_value_names_sheet_row_column(bundled, tmp_path):
    book = _book(bundled, tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["roles"]
    col = [c.value for c in ws[1]].index("requirement") + 1
    ws.cell(row=3, column=col, value="=10*4")
    wb.save(book)
    [issue] = _issues(book)
    assert issue.source == "book.xlsx sheet roles" and issue.row == 3
    assert issue.column == "C (requirement)" and issue.value == "=10*4"
    _refused(["solve", book], tmp_path / "out", "sheet roles, row 3, column C (requirement)", "'=10*4'")


def test_workbook_title_row_above_the_header(bundled, tmp_path):
    book = _book(bundled, tmp_path)
    wb = openpyxl.load_workbook(book)
    wb["nations"].insert_rows(1)
    wb["nations"]["A1"] = "Nations of the coalition"
    wb.save(book)
    [issue] = _issues(book)
    assert (issue.source, issue.row, issue.column, issue.value) == ("book.xlsx sheet nations", 1, "A",
                                                                    "Nations of the coalition")
    assert "row 2" in issue.message
    _refused(["solve", book], tmp_path / "out", "sheet nations, row 1, column A", "delete the row above it")


def test_csv_title_row_above_the_header(inst):
    text = (inst / "assets.csv").read_text()
    (inst / "assets.csv").write_text("Assets offered (illustrative),,,\n" + text)
    [issue] = _issues(inst)
    assert (issue.source, issue.row, issue.column) == ("assets.csv", 1, "A") and "row 2" in issue.message


# --------------------------------------------------------------------------- CSV text
def test_oversized_field_names_its_column(inst, tmp_path):
    rows = _rows(inst, "nations")
    rows[3][1] = "x" * 200_000  # beyond csv's own field limit (128 KiB)
    rows[5][1] = "y" * 20_000
    _write(inst, "nations", rows)
    issues = _issues(inst)
    assert [(i.source, i.row, i.column) for i in issues] == [("nations.csv", 4, "name"), ("nations.csv", 6, "name")]
    assert "200,000 here" in issues[0].message
    _refused(["solve", inst], tmp_path / "out", "nations.csv, row 4, column name", "nations.csv, row 6, column name")


def test_unclosed_quote_does_not_hide_later_errors(inst, tmp_path):
    lines = (inst / "nations.csv").read_text().splitlines()
    lines[3] = lines[3].replace(",Germany,", ',"Germany,')  # row 4 opens a quote it never closes
    lines[9] = lines[9].replace("NOR,Norway,yes", "NOR,Norway,maybe")  # row 10
    (inst / "nations.csv").write_text("\n".join(lines) + "\n")
    rows = _rows(inst, "assets")
    rows[4][rows[0].index("strength")] = "-10"
    _write(inst, "assets", rows)
    issues = _issues(inst)
    found = [(i.source, i.row, i.column) for i in issues]
    assert found == [("nations.csv", 4, None), ("nations.csv", 10, "nato"), ("assets.csv", 5, "strength")], found
    assert "closing quote" in issues[0].message and issues[1].value == "maybe"
    _refused(["solve", inst], tmp_path / "out", "nations.csv, row 4", "row 10, column nato", "got 'maybe'")


# --------------------------------------------------------------------------- output paths
def test_write_model_into_a_new_folder_creates_it(bundled, tmp_path):
    dest = tmp_path / "new" / "deeper" / "model.lp"
    code, text = _cli(["solve", bundled, "-q", "--write-model", dest])
    assert code == 0 and dest.stat().st_size > 0, text


def test_write_model_under_a_file_is_exit_2(bundled, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, text = _cli(["solve", bundled, "-q", "--write-model", tmp_path / "afile" / "model.lp"])
    assert code == 2 and "--write-model" in text and "is a file" in text


# --------------------------------------------------------------------------- scenario files
SCENARIOS = """\
scenarios:
  - name: spain-out
    changes:
      - withdraw: SPA
  - name: two-typos
    changes:
      - sett: {table: roles, key: land, column: requirement, value: 100}
      - set: {table: consent, key: [HUNN, nato], column: approval, value: veto}
  - name: where-typo
    changes:
      - remove: {table: assets, where: {nation: SPA}}
      - scale: {table: roles, column: requirment, factor: 1.5}
"""


def test_scenario_file_reports_every_typo_at_once(bundled, tmp_path):
    f = tmp_path / "sc.yaml"
    f.write_text(SCENARIOS)
    text = _refused(["batch", bundled, f, "--out", tmp_path / "out"], tmp_path / "out",
                    "sc.yaml, line 4", "got 'SPA'", "did you mean 'ESP' (Spain)?",
                    "sc.yaml, line 7", "did you mean 'set'?",
                    "sc.yaml, line 8", "got 'HUNN'", "did you mean 'HUN' (Hungary)?",
                    "sc.yaml, line 11", "line 12", "did you mean 'requirement'?")
    assert "USA" not in text
    assert re.search(r"5 errors in the scenarios", text), text


def test_api_batch_raises_every_scenario_problem(bundled, tmp_path):
    f = tmp_path / "sc.yaml"
    f.write_text(SCENARIOS)
    with pytest.raises(BadInput) as exc:
        batch(bundled, f, out=tmp_path / "out")
    assert len(exc.value.issues) == 5
    assert not (tmp_path / "out").exists()


def test_a_broken_extends_does_not_hide_other_scenarios_problems(tmp_path):
    f = tmp_path / "sc.yaml"
    f.write_text("scenarios:\n  - name: a\n    extends: nowhere\n    changes: []\n"
                 "  - name: b\n    changes:\n      - withdraw: SPA\n")
    scenarios, _, issues = read_scenarios_all(f)
    assert [s.name for s in scenarios] == ["b"]  # a is reported, b still checked
    assert len(issues) == 1 and "nowhere" in str(issues[0])
