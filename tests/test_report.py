"""What a planner reads: 80-column tables, units, approval probabilities, stages, progress."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from solver import SolveOptions, load_instance
from solver.engine.session import Session
from solver.present.progress import SolveProgress

FORCEALLOC = [sys.executable, "-m", "solver"]


def _run(*args, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([*FORCEALLOC, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def _fits(stdout: str) -> None:
    lines = stdout.splitlines()
    assert max(len(x) for x in lines) <= 80, max(lines, key=len)
    # every table closes: a wrapped row never pushes the right border off the screen
    for line in lines:
        if line.startswith(("│", "┃")):
            assert line.rstrip().endswith(("│", "┃")), line


@pytest.mark.parametrize("args", [("solve", "{b}"), ("alternatives", "{b}", "--k", "4"),
                                  ("alternatives", "{b}", "--level", "framework")])
def test_every_screen_fits_80_columns(bundled, args):
    r = _run(*(a.format(b=bundled) for a in args))
    assert r.returncode == 0, r.stderr
    _fits(r.stdout)


def test_the_batch_screen_fits_80_columns(bundled_batch):
    assert bundled_batch["returncode"] == 0
    _fits(bundled_batch["stdout"])


def test_units_and_approval_probability_everywhere(bundled, tmp_path):
    r = _run("solve", bundled, "--out", tmp_path / "o")
    assert "EUR million per year" in r.stdout and "capability points" in r.stdout
    assert "approval: 20 %" in r.stdout
    doc = json.loads((tmp_path / "o" / "solution.json").read_text())
    assert doc["units"] == {"cost": "EUR million per year", "strength": "capability points"}
    # the product of the NATO members' approval probabilities (consent.csv: USA .75, HUN .6,
    # SVK .85, TUR .85, ESP .8, GRC .85, ITA .9)
    assert doc["approval_probability"] == pytest.approx(0.75 * 0.6 * 0.85 * 0.85 * 0.8 * 0.85 * 0.9)


def test_in_theatre_force_apart_from_enabler_support(bundled, tmp_path):
    r = _run("solve", bundled, "--out", tmp_path / "o", columns=140)
    inside = r.stdout.split("Force in theatre")[1].split("Support from outside")[0]
    outside = r.stdout.split("Support from outside the theatre")[1]
    assert "USA" not in inside and "USA" in outside
    doc = json.loads((tmp_path / "o" / "solution.json").read_text())
    nations = {n["nation"]: n for n in doc["nations"]}
    assert nations["USA"]["in_theatre"] == 0 and nations["USA"]["share"] == 0
    assert sum(n["share"] for n in doc["nations"]) == pytest.approx(1.0)
    force = sum(n["in_theatre"] for n in doc["nations"])
    for n in doc["nations"]:
        assert n["share"] == pytest.approx(n["in_theatre"] / force)


def test_lexicographic_run_prints_its_stages(bundled):
    r = _run("solve", bundled, "--lexicographic", "approval_risk,cost", "--lex-tolerance", "0.1")
    assert r.returncode == 0, r.stderr
    assert "Lexicographic stages" in r.stdout and "weighted" not in r.stdout
    assert "approval_risk" in r.stdout and "+ 10 %" in r.stdout
    assert "Terms not in the priority list: shortfall, enabler_dependence" in r.stdout.replace("\n", " ")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only_after_a_delay(monkeypatch, tmp_path):
    import solver.present.progress as progress

    inst = load_instance("instances/assurance-force")
    quiet = _Tty()
    Session(inst, SolveOptions(), progress=SolveProgress(quiet)).solve()  # a 0.1 s solve: nothing
    assert quiet.getvalue() == ""
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.setattr(progress, "EVERY_S", 0.0)
    shown = _Tty()
    p = SolveProgress(shown)
    Session(inst, SolveOptions(mip_gap=0), progress=p).solve()
    assert "solving:" in shown.getvalue() and ("gap" in shown.getvalue() or "best" in shown.getvalue())
    p.done()
    assert shown.getvalue().endswith("\r\x1b[2K")
    piped = io.StringIO()  # not a terminal: nothing, however long
    Session(inst, SolveOptions(mip_gap=0), progress=SolveProgress(piped)).solve()
    assert piped.getvalue() == ""


def test_quiet_and_piped_runs_print_no_progress(bundled):
    r = _run("solve", bundled, "--quiet")
    assert r.returncode == 0 and r.stderr == ""
