"""`forcealloc explain` on the bundled instance: the files, the schema, the regret matrix."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from solver import SolveOptions, load_instance
from solver.app.cli import main
from solver.engine.session import Session


@pytest.fixture(scope="module")
def explained(bundled, tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "out"
    r = CliRunner().invoke(main, ["explain", str(bundled), "--why-not", "eu", "--why-not", "ESP:land",
                                  "--why-not", "USA:land", "--why-not", "ITA", "--matrix", "--workers", "2",
                                  "--out", str(out)], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    return out, json.loads((out / "explanation.json").read_text()), r.output


def test_explanation_json_has_the_schema(explained):
    out, doc, _ = explained
    assert doc["optimum"]["framework"] == "nato" and doc["optimum"]["objective"] > 0
    assert {f["framework"] for f in doc["frameworks"]} == {"nato", "eu", "un", "coalition"}
    for f in doc["frameworks"]:
        assert {"framework", "status", "objective", "delta", "conflicts", "repair"} <= set(f)
        assert f["status"] in ("optimal", "vetoed", "infeasible")
        for conflict in f["conflicts"]:
            for c in conflict:
                assert c["kind"] and c["text"]
    for n in doc["nations"]:
        assert {"nation", "status", "roles", "reasons", "forced_in"} <= set(n)
        if n["status"] == "out":
            assert n["reasons"] and set(n["forced_in"]) >= {"status", "objective", "delta"}
    for w in doc["why_not"]:
        assert {"nation", "role", "framework", "status", "objective", "delta", "conflicts", "changes"} <= set(w)
    assert "proof" in doc and doc["mip_gap"] == pytest.approx(1e-4)
    for f in ("frameworks.csv", "nations.csv", "why_not.csv", "regret.csv", "explanation.xlsx"):
        assert (out / f).exists(), f


def test_the_un_is_blocked_by_two_vetoes(explained):
    _, doc, _ = explained
    un = next(f for f in doc["frameworks"] if f["framework"] == "un")
    assert un["status"] == "vetoed" and un["vetoed_by"] == ["CHN", "RUS"]
    assert sorted(tuple((c["kind"], c["nation"]) for c in x) for x in un["conflicts"]) == [(("veto", "CHN"),),
                                                                                          (("veto", "RUS"),)]
    assert sorted(c["nation"] for c in un["repair"]["lift"]) == ["CHN", "RUS"]


def test_why_nato_in_planner_words(explained):
    _, doc, output = explained
    assert any("only through the NATO command and control" in w and "United States" in w for w in doc["why"])
    assert any("join only with US backstop" in w for w in doc["why"])
    assert "Why nato" in output
    ita = next(n for n in doc["nations"] if n["nation"] == "ITA")
    assert ita["status"] == "out" and any("serve under the NATO" in r for r in ita["reasons"])
    usa = next(w for w in doc["why_not"] if w["question"] == "USA:land")
    assert usa["status"] == "infeasible" and "do not deploy in theatre" in usa["hard_limit"]


def test_regret_matrix_equals_forced_solves(explained, bundled):
    out, doc, _ = explained
    regret = pd.read_csv(out / "regret.csv").set_index("nation")
    inst = load_instance(bundled)
    s = Session(inst, SolveOptions())
    base = s.solve().objective
    checked = 0
    for n, r in (("ESP", "land"), ("NOR", "isr"), ("CAN", "logistics"), ("FRA", "land")):
        with s.forced(nation=n, role=r) as ok:
            assert ok
            forced = s.solve()
        assert float(regret.at[n, r]) == pytest.approx(forced.objective - base, abs=1e-3 * base), (n, r)
        checked += 1
    assert checked == 4
    assert float(regret.at["FRA", "land"]) == 0  # already there


def test_the_screen_fits_80_columns(explained):
    _, _, output = explained
    lines = output.splitlines()
    assert max(len(x) for x in lines) <= 80


def test_unknown_why_not_is_bad_input(bundled, tmp_path):
    r = CliRunner().invoke(main, ["explain", str(bundled), "--why-not", "XYZ", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--why-not" in r.output and not (tmp_path / "o").exists()
    r = CliRunner().invoke(main, ["explain", str(bundled), "--order", "veto,caveat"])
    assert r.exit_code == 2 and "--order" in r.output
