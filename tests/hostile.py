"""Run the command line as a planner (or an attacker) would, and check the promise.

The promise for every input: exit 0, 3 or 4 with a consistent solution, or exit 2
with every problem named with its file (and row or line); never a traceback, a
hang, a partial output, or a live formula in any output file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from click.testing import CliRunner

from solver.app.cli import main
from solver.io.writers import SOLUTION_FILES

FORMULA = re.compile(r"<f>|<f ")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
NAMED = re.compile(r"(\.csv|\.yaml|\.yml|\.xlsx|sheet |--[a-z-]+|OUT_DIR|DEST|line \d+|row \d+)")


def run(args: list[str]) -> tuple[int, str]:
    r = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    text = r.output
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"{type(r.exception).__name__}: {r.exception} for {args}\n{text}") from r.exception
    assert "Traceback" not in text, text
    return r.exit_code, text


def no_live_formula(path: Path) -> None:
    """No workbook under ``path`` holds a formula cell; no CSV cell starts like one."""
    for book in path.rglob("*.xlsx"):
        with zipfile.ZipFile(book) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not FORMULA.search(z.read(name).decode("utf-8", "replace")), (book, name)
    for f in path.rglob("*.csv"):
        for row in csv.reader(io.StringIO(f.read_text(encoding="utf-8"), newline="")):
            for cell in row:
                if cell and (cell[0] in "=@\t\r" or (cell[0] in "+-" and not NUMBER.match(cell))):
                    raise AssertionError(f"{f}: a cell a spreadsheet would run: {cell!r}")


def check_solve(instance: Path, out: Path) -> tuple[int, str]:
    """`forcealloc solve INSTANCE --out OUT`, held to the promise."""
    code, text = run(["solve", instance, "--out", out])
    if code == 2:
        errors = [x for x in text.splitlines() if x.startswith("  ")]
        assert errors, text
        for e in errors:
            if not e.startswith("    "):  # a wrapped line continues the one above
                assert NAMED.search(e) or "instance" in e, f"a problem without its place: {e}\n{text}"
        assert not out.exists() or not any(out.iterdir()), "partial output after bad input"
    else:
        assert code in (0, 3, 4), text
        names = sorted(p.name for p in out.iterdir())
        assert names == sorted(SOLUTION_FILES), names
        doc = json.loads((out / "solution.json").read_text())
        assert doc["status"] in ("optimal", "feasible", "infeasible", "time_limit")
        if doc["status"] in ("optimal", "feasible"):
            assert doc["objective"] is not None and doc["framework"]
            alloc_cost = sum(a["cost"] for a in doc["allocation"])
            assert alloc_cost <= doc["terms"]["cost"] + 1e-6  # the framework's setup cost comes on top
        no_live_formula(out)
    return code, text
