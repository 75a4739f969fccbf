"""Every class of broken or hostile input an e-mailed, Excel-edited instance can bring:
refused cleanly (exit 2, every problem named with its file and row), or solved, and
every output safe to open. One test per class the issue's fuzzer found."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from hostile import check_solve, no_live_formula, run

from solver.io.validate import load_instance
from solver.io.writers import write_instance


@pytest.fixture
def inst(bundled, tmp_path) -> Path:
    dest = tmp_path / "inst"
    shutil.copytree(bundled, dest)
    return dest


def _cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize("name", ["=1+1", '=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)",
                                  "-2+3"])
def test_formula_names_are_text_in_every_output(inst, tmp_path, name):
    _cell(inst, "nations", 2, "name", name)  # France's long name
    _cell(inst, "roles", 2, "name", name)
    code, _ = check_solve(inst, tmp_path / "out")
    assert code == 0
    book = openpyxl.load_workbook(tmp_path / "out" / "solution.xlsx")
    assert any(c.value == name and c.data_type == "s" for row in book["roles"].iter_rows() for c in row)
    # the batch summary and the alternatives too
    assert run(["alternatives", inst, "--k", "2", "--out", tmp_path / "alts"])[0] == 0
    no_live_formula(tmp_path / "alts")
    book = tmp_path / "converted" / "book.xlsx"
    assert run(["convert", inst, book])[0] == 0
    assert run(["convert", book, tmp_path / "converted" / "back"])[0] == 0
    no_live_formula(tmp_path / "converted")  # the workbook, and the CSV files converted back
    assert load_instance(book).nations.at["FRA", "name"] == name  # the round trips keep the name
    assert load_instance(tmp_path / "converted" / "back").nations.at["FRA", "name"] == name


def test_formula_scenario_names_are_neutral_in_the_summary(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: '=1+1'\n    changes:\n      - objective: {approval_risk: 0}\n")
    code, _ = run(["batch", bundled, f, "--out", tmp_path / "o", "--no-progress", "--workers", "1"])
    assert code == 0
    no_live_formula(tmp_path / "o")
    assert "'=1+1" in (tmp_path / "o" / "summary.csv").read_text()


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b"])
def test_control_characters_are_refused_with_their_place(inst, tmp_path, char):
    _cell(inst, "nations", 3, "name", f"United{char}Kingdom")
    code, text = check_solve(inst, tmp_path / "out")
    assert code == 2 and "nations.csv, row 3, column name" in text and "control characters" in text


@pytest.mark.parametrize("name", ["[/bold]France", "[red]x[/red", "[link=http://x]y"])
def test_markup_in_names_prints_as_text(inst, tmp_path, name):
    _cell(inst, "nations", 2, "name", name)
    _cell(inst, "nations", 2, "nation", "[b]FRA")
    code, text = run(["validate", inst])
    assert code == 2 or "[b]FRA" in text  # FRA renamed: its assets no longer match, named plainly
    code, text = run(["solve", inst])
    assert "[b]FRA" in text or code == 2
    f = inst / "s.yaml"
    f.write_text(f"scenarios:\n  - name: '{name}'\n    changes:\n      - objective: {{approval_risk: 0}}\n")


def test_markup_in_a_scenario_name_prints_as_text(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: '[/bold]x'\n    changes:\n      - objective: {approval_risk: 0}\n")
    code, text = run(["batch", bundled, f, "--out", tmp_path / "o", "--no-progress", "--workers", "1"])
    assert code == 0 and "[/bold]x" in text


def test_no_assets_is_an_error(inst, tmp_path):
    (inst / "assets.csv").write_text("asset,nation,capability,strength\n")
    code, text = check_solve(inst, tmp_path / "out")
    assert code == 2 and "assets.csv" in text and "at least one asset" in text
    (inst / "assets.csv").write_text("")
    code, text = check_solve(inst, tmp_path / "out")
    assert code == 2 and "assets.csv" in text and "empty" in text
    assert "suitability" not in text  # no knock-on errors into the table that could not be read


def test_a_repeated_column_is_an_error_named_as_written(inst, tmp_path):
    text = (inst / "assets.csv").read_text().splitlines()
    text = [text[0] + ",Strength"] + [x + ",abc" for x in text[1:]]
    (inst / "assets.csv").write_text("\n".join(text) + "\n")
    code, out = check_solve(inst, tmp_path / "out")
    assert code == 2 and "'Strength' repeats column D" in out


def test_merged_header_cells_in_a_workbook_are_an_error(inst, tmp_path):
    book = tmp_path / "book.xlsx"
    write_instance(load_instance(inst), book)
    wb = openpyxl.load_workbook(book)
    ws = wb["roles"]
    ws.merge_cells("C1:D1")  # requirement and capacity under one header
    wb.save(book)
    code, text = check_solve(book, tmp_path / "out")
    assert code == 2 and "sheet roles" in text and "column D" in text and "merged" in text


@pytest.mark.parametrize("args, option", [
    (["--time-limit", "nan"], "--time-limit"), (["--mip-gap", "nan"], "--mip-gap"),
    (["--time-limit", "inf"], "--time-limit"), (["--write-model", "model.txt"], "--write-model"),
])
def test_bad_options_are_refused_before_solving(bundled, tmp_path, args, option):
    code, text = run(["solve", bundled, "--out", tmp_path / "o", *args])
    assert code == 2 and option in text
    assert not (tmp_path / "o").exists()


def test_output_paths_are_checked_before_solving(bundled, tmp_path):
    (tmp_path / "file").write_text("x")
    code, text = run(["solve", bundled, "--out", tmp_path / "file" / "below"])
    assert code == 2 and "is a file" in text
    code, text = run(["solve", bundled, "--out", tmp_path / "file"])
    assert code == 2 and "is a file" in text
    code, _ = run(["solve", bundled, "--write-model", tmp_path / "new" / "deeper" / "m.lp"])
    assert code == 0 and (tmp_path / "new" / "deeper" / "m.lp").exists()


def test_an_instance_file_that_is_a_folder(inst, tmp_path):
    (inst / "caveats.csv").unlink()
    (inst / "caveats.csv").mkdir()
    (inst / "instance.yaml").unlink()
    (inst / "instance.yaml").mkdir()
    code, text = check_solve(inst, tmp_path / "out")
    assert code == 2 and "caveats.csv: a file" in text and "instance.yaml: a file" in text


@pytest.mark.parametrize("target", ["instance.yaml", "nations.csv"])
def test_latin1_files_are_named_with_their_line(inst, tmp_path, target):
    path = inst / target
    text = path.read_text(encoding="utf-8")
    text = text.replace("Illustrative", "Illustratif \xe9t\xe9") if target.endswith("yaml") else \
        text.replace("Turkiye", "T\xfcrkiye")
    path.write_bytes(text.encode("latin-1"))
    code, out = check_solve(inst, tmp_path / "out")
    assert code == 2 and target in out and "UTF-8" in out and "row" in out


def test_utf16_is_named(inst, tmp_path):
    path = inst / "nations.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    code, out = check_solve(inst, tmp_path / "out")
    assert code == 2 and "nations.csv" in out and "UTF-16" in out
    assert "assets.csv" not in out  # no knock-on reference errors into the unreadable table


def test_latin1_scenario_file(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_bytes("scenarios:\n  - name: caf\xe9\n    changes: []\n".encode("latin-1"))
    code, out = run(["batch", bundled, f, "--out", tmp_path / "o"])
    assert code == 2 and "s.yaml, row 2" in out and "UTF-8" in out and not (tmp_path / "o").exists()


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def test_yaml_alias_bombs_are_refused_quickly(inst, bundled, tmp_path):
    (inst / "instance.yaml").write_text("name: x\n" + BOMB)
    code, out = check_solve(inst, tmp_path / "out")
    assert code == 2 and "instance.yaml" in out and "aliases" in out
    f = tmp_path / "s.yaml"
    f.write_text(BOMB + "scenarios: []\n")
    code, out = run(["batch", bundled, f, "--out", tmp_path / "o"])
    assert code == 2 and "aliases" in out  # refused before expansion: 9^9 items would never finish


def test_an_unclosed_quote_is_named_at_its_row(inst, tmp_path):
    lines = (inst / "assets.csv").read_text().splitlines()
    lines[4] = lines[4].replace("FRA-inf-bn-3", '"FRA-inf-bn-3')  # row 5 opens a quote it never closes
    (inst / "assets.csv").write_text("\n".join(lines) + "\n")
    code, out = check_solve(inst, tmp_path / "out")
    assert code == 2 and "assets.csv, row 5" in out and "quote" in out and "C error" not in out
    assert "suitability" not in out


def test_a_semicolon_file_gets_one_error_and_a_hint(inst, tmp_path):
    text = (inst / "assets.csv").read_text().replace(",", ";")
    (inst / "assets.csv").write_text(text)
    code, out = check_solve(inst, tmp_path / "out")
    assert code == 2 and "';'" in out and out.count("assets.csv") == 1 and "suitability" not in out


def test_workbook_sheets_are_named_once_and_unknown_ones_mentioned(inst, tmp_path):
    book = tmp_path / "book.xlsx"
    write_instance(load_instance(inst), book)
    wb = openpyxl.load_workbook(book)
    wb.copy_worksheet(wb["assets"]).title = "ASSETS "
    wb.create_sheet("assets_old")
    wb.save(book)
    code, out = run(["validate", book])
    assert code == 2 and "'assets' and 'ASSETS '" in out and "assets_old" in out


def test_a_formula_without_a_saved_value_is_named(inst, tmp_path):
    book = tmp_path / "book.xlsx"
    write_instance(load_instance(inst), book)
    wb = openpyxl.load_workbook(book)
    wb["roles"]["C2"] = "=B2*2"  # openpyxl saves no computed value
    wb.save(book)
    code, out = run(["validate", book])
    assert code == 2 and "sheet roles, row 2, column C" in out and "formula" in out


def test_a_huge_bad_value_is_shortened(inst, tmp_path):
    _cell(inst, "roles", 2, "requirement", "9" * 5000 + "x")
    code, out = run(["validate", inst])
    assert code == 2 and "roles.csv, row 2, column requirement" in out and len(out) < 2000


@pytest.mark.parametrize("value, hint", [("1,5", "decimal separator"), ("75%", "0.75")])
def test_spreadsheet_habits_get_a_hint(inst, value, hint):
    _cell(inst, "nations", 2, "max_share", value)
    code, out = run(["validate", inst])
    assert code == 2 and hint in out


def test_generate_and_convert_do_not_overwrite_without_force(inst, tmp_path):
    code, out = run(["generate", "--size", "S", inst])
    assert code == 2 and "--force" in out
    assert (inst / "README.md").exists()  # nothing replaced
    book = tmp_path / "book.xlsx"
    assert run(["convert", inst, book])[0] == 0
    code, out = run(["convert", inst, book])
    assert code == 2 and "--force" in out
    assert run(["convert", inst, book, "--force"])[0] == 0


def test_spreadsheets_that_behave(bundled, tmp_path):
    """Numbers are numbers in the workbooks, files are readable by others, no float noise."""
    import os
    import stat

    book = tmp_path / "book.xlsx"
    assert run(["convert", bundled, book])[0] == 0
    assert os.stat(book).st_mode & stat.S_IROTH
    ws = openpyxl.load_workbook(book)["assets"]
    header = [c.value for c in ws[1]]
    strength = ws.cell(row=2, column=header.index("strength") + 1)
    assert strength.data_type == "n" and strength.value == 40
    assert run(["solve", bundled, "--out", tmp_path / "o"])[0] == 0
    for f in (tmp_path / "o").glob("*.csv"):
        assert "99999999" not in f.read_text() and "00000000" not in f.read_text(), f
    solution = openpyxl.load_workbook(tmp_path / "o" / "solution.xlsx")
    assert "solver" in solution.sheetnames
    summary = [r[0] for r in solution["summary"].iter_rows(values_only=True)]
    assert "nodes" not in summary and "approval probability" in summary
    nations = solution["nations"]
    assert nations.column_dimensions["B"].width > 8
    share = [c for c in nations[1] if c.value == "share"][0].column
    assert nations.cell(row=2, column=share).number_format == "0.0%"
