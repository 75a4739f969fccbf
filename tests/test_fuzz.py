"""A property-based fuzzer: mutate valid instances and scenario files, hold every outcome
to the promise (tests/hostile.py): a consistent solve (exit 0, 3, 4) or exit 2 with every
problem named with its file and row; never a traceback, a hang, a partial output or a
live formula.

Mutations: cells (hostile text, formulas, control characters, spreadsheet habits such as
"1,5" and "75%", huge values, non-finite numbers), columns (dropped, repeated, renamed,
unknown), rows (dropped, repeated), files (missing, empty, a folder, latin-1, UTF-16,
semicolons, an unclosed quote), instance.yaml (random YAML, aliases), workbooks (sheet
names, unknown sheets, merged headers, formulas without values) and scenario files.
Derandomised, so CI is repeatable; FUZZ_EXAMPLES=500 explores further.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import openpyxl
import yaml
from hostile import check_solve, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from solver.io.schema import TABLES
from solver.io.validate import load_instance
from solver.io.writers import write_instance

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "instances" / "assurance-force"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HOSTILE = st.sampled_from([
    "", " ", "=1+1", '=HYPERLINK("http://x","y")', "+1+1", "-1", "@SUM(1)", "\x07bell", "nul\x00", "1,5", "75%",
    "-0", "nan", "inf", "-inf", "1e400", "0", "1e-320", "yes", "maybe", "all", "ALL", ";", "a;b", "[/bold]x",
    "x" * 20_000, "Ünïcødé ☃", '"', "'", "\t", "\r\n", "true", "NaN", "None", "null", "~",
])
TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


def _tables(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.csv") if p.stem in TABLES)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@st.composite
def mutation(draw):
    kind = draw(st.sampled_from(["cell", "cell", "cell", "column", "row", "file", "yaml"]))
    return kind, draw(st.integers(0, 10_000)), draw(st.integers(0, 10_000)), draw(st.one_of(HOSTILE, TEXT))


def _mutate(folder: Path, kind: str, a: int, b: int, value: str) -> None:
    tables = _tables(folder)
    path = folder / f"{tables[a % len(tables)]}.csv"
    rows = _rows(path)
    if kind == "cell" and len(rows) > 1:
        r = 1 + a % (len(rows) - 1)
        rows[r][b % len(rows[0])] = value
    elif kind == "column":
        c = b % len(rows[0])
        op = a % 4
        if op == 0:
            rows = [x[:c] + x[c + 1:] for x in rows]  # dropped
        elif op == 1:
            rows = [x + [x[c] if i else x[c].upper()] for i, x in enumerate(rows)]  # repeated
        elif op == 2:
            rows[0][c] = value or "strenght"  # renamed
        else:
            rows = [x + [value if i else "extra"] for i, x in enumerate(rows)]  # unknown
    elif kind == "row" and len(rows) > 1:
        r = 1 + b % (len(rows) - 1)
        rows = rows + [rows[r]] if a % 2 else rows[:r] + rows[r + 1:]
    elif kind == "file":
        op = b % 7
        if op == 0:
            path.unlink()
        elif op == 1:
            path.write_bytes(b"")
        elif op == 2:
            path.unlink()
            path.mkdir()
        elif op == 3:
            path.write_bytes(path.read_text(encoding="utf-8").replace("e", "\xe9").encode("latin-1"))
        elif op == 4:
            path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
        elif op == 5:
            path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            cut = a % max(1, len(text))
            path.write_text(text[:cut] + '"' + text[cut:], encoding="utf-8")
        return
    elif kind == "yaml":
        y = folder / "instance.yaml"
        op = a % 4
        if op == 0:
            y.write_text(value, encoding="utf-8")
        elif op == 1:
            y.write_text("name: x\nobjective: &o {cost: 1}\nunits: *o\n", encoding="utf-8")
        elif op == 2:
            doc = yaml.safe_load(y.read_text(encoding="utf-8"))
            doc["objective"] = {"cost": value}
            y.write_text(yaml.safe_dump(doc), encoding="utf-8")
        else:
            doc = yaml.safe_load(y.read_text(encoding="utf-8"))
            doc[value or "unknown"] = 1
            y.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        return
    _write(path, rows)


@FUZZ
@given(st.lists(mutation(), min_size=1, max_size=3))
def test_mutated_folders_keep_the_promise(mutations):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inst"
        shutil.copytree(BASE, folder, ignore=shutil.ignore_patterns("scenarios.yaml", "README.md"))
        for m in mutations:  # an earlier mutation may leave nothing a later one can edit: then it edits nothing
            with contextlib.suppress(OSError, UnicodeError, yaml.YAMLError, TypeError, AttributeError, IndexError,
                                     ValueError):
                _mutate(folder, *m)
        check_solve(folder, Path(tmp) / "out")


@FUZZ
@given(st.sampled_from(["rename", "unknown", "merge", "formula", "cell", "drop"]), st.integers(0, 10_000),
       st.one_of(HOSTILE, TEXT))
def test_mutated_workbooks_keep_the_promise(op, a, value):
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book.xlsx"
        write_instance(load_instance(BASE), book)
        wb = openpyxl.load_workbook(book)
        ws = wb[wb.sheetnames[a % len(wb.sheetnames)]]
        if op == "rename":
            ws.title = (ws.title.upper() + " ")[:31]
        elif op == "unknown":
            wb.create_sheet((value or "old")[:31].replace("/", "_").replace("*", "_").replace("?", "_")
                            .replace("[", "_").replace("]", "_").replace(":", "_").replace("\\", "_") or "x")
        elif op == "merge" and ws.max_column > 1:
            ws.merge_cells(start_row=1, start_column=1 + a % (ws.max_column - 1), end_row=1,
                           end_column=2 + a % (ws.max_column - 1))
        elif op == "formula":
            ws.cell(row=2, column=1 + a % ws.max_column, value="=1+1")
        elif op == "drop":
            del wb[ws.title]
        else:
            try:
                ws.cell(row=1 + a % ws.max_row, column=1 + a % ws.max_column, value=value)
            except (ValueError, IllegalCharacterError):  # openpyxl itself refuses control characters
                return
        wb.save(book)
        check_solve(book, Path(tmp) / "out")


CHANGES = st.sampled_from([
    "set: {table: consent, key: [HUN, nato], column: approval, value: veto}",
    "set: {table: consent, key: [HUNN, nato], column: approval, value: veto}",
    "set: {table: roles, key: land, column: requirement, value: VALUE}",
    "set: {table: nations, key: FRA, column: max_share, value: VALUE}",
    "scale: {table: roles, column: requirement, factor: VALUE}",
    "remove: {table: assets, where: {capability: VALUE}}",
    "withdraw: VALUE",
    "objective: {approval_risk: VALUE}",
    "solver: {time_limit: VALUE}",
    "add: {table: assets, rows: [{asset: X1, nation: FRA, capability: inf_bn, strength: VALUE}]}",
    "explode: {table: assets}",
])


@FUZZ
@given(st.lists(st.tuples(TEXT, CHANGES, st.one_of(HOSTILE, TEXT)), min_size=1, max_size=3))
def test_mutated_scenario_files_keep_the_promise(scenarios):
    with tempfile.TemporaryDirectory() as tmp:
        lines = ["scenarios:"]
        for name, change, value in scenarios:
            lines += [f"  - name: {yaml.safe_dump(name, allow_unicode=True).strip().removesuffix('...').strip()}",
                      "    changes:", f"      - {change.replace('VALUE', yaml.safe_dump(value).strip()[:60] or '0')}"]
        f = Path(tmp) / "s.yaml"
        f.write_text("\n".join(lines).replace("\n...", "") + "\n", encoding="utf-8")
        out = Path(tmp) / "o"
        code, text = run(["batch", BASE, f, "--out", out, "--no-progress", "--workers", "1", "--time-limit", "20"])
        assert code in (0, 2, 5), text
        if code == 2:
            assert not out.exists(), "a refused batch wrote files"
            assert "s.yaml" in text or "--" in text, text
