"""Money: asset, reserve and setup costs that add up, per nation too; vetoed approval 0."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from planb_support import ASSETS, SETUP, cli, write_tiny

from solver.app import api
from solver.engine.session import SolveOptions
from solver.results.money import apportion_setup, money_of

EXACT = SolveOptions(mip_gap=0.0)
pytestmark = pytest.mark.quick


def test_bundled_money_adds_up(bundled):
    sol = api.solve(bundled, with_thresholds=False)
    m = sol.money
    assert m["reserve"] == 0.0
    assert m["total"] == pytest.approx(sol.terms["cost"])  # no reserve: money is the cost term
    assert m["asset"] == pytest.approx(sol.allocation["cost"].sum())
    fw = pd.read_csv(bundled / "frameworks.csv").set_index("framework")
    assert m["setup"] == pytest.approx(fw.at[sol.framework, "setup_cost"])
    nat = sol.nations
    assert nat["money"].sum() == pytest.approx(m["total"])
    assert nat["setup_share"].sum() == pytest.approx(m["setup"])
    # apportioned in proportion to each nation's asset cost
    assert list(nat["setup_share"]) == pytest.approx(list(nat["cost"] / nat["cost"].sum() * m["setup"]))
    assert m["unit"] == "EUR million per year"


def test_tiny_money_by_hand(tmp_path):
    sol = api.solve(write_tiny(tmp_path / "i", weight=50.0), EXACT)
    # A: a1 (100) + b1 (20), both N1's, setup 10: N1 carries all of it
    assert sol.framework == "A"
    assert sol.money == {**sol.money, "asset": 120.0, "reserve": 0.0, "setup": SETUP["A"], "total": 130.0}
    assert sol.nations.set_index("nation").loc["N1", "money"] == pytest.approx(130.0)
    assert ASSETS["a1"][3] + ASSETS["b1"][3] == 120.0


def test_reserve_rows_counted_apart():
    alloc = pd.DataFrame({"asset": ["x", "y", "z"], "nation": ["N1", "N1", "N2"], "role": ["R", "R", "R"],
                          "cost": [10.0, 4.0, 6.0], "status": ["deployed", "reserve", "deployed"]})
    m = money_of(allocation=alloc, setup=5.0)
    assert (m["asset"], m["reserve"], m["setup"], m["total"]) == (16.0, 4.0, 5.0, 25.0)
    nat = apportion_setup(nations=pd.DataFrame({"nation": ["N1", "N2"], "cost": [0.0, 0.0]}), setup=6.0)
    assert list(nat["setup_share"]) == [3.0, 3.0] and nat["money"].sum() == 6.0  # no asset cost: equal split


def test_json_and_screen(tmp_path):
    inst = write_tiny(tmp_path / "i")
    r = cli("solve", str(inst), "--json", "-q")
    doc = json.loads(r.stdout)
    assert doc["money"]["total"] == 130.0 and doc["money"]["unit"] == "EUR million"
    assert sum(n["money"] for n in doc["nations"]) == pytest.approx(130.0)
    r = cli("solve", str(inst), "-q")
    assert "Money per nation" in r.stdout and "setup share" in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 80


def test_explain_vetoed_approval_zero_and_delta_money(tmp_path):
    ex = api.explain(write_tiny(tmp_path / "i", weight=50.0), EXACT)
    rows = {f["framework"]: f for f in ex.frameworks}
    assert rows["U"]["status"] == "vetoed" and rows["U"]["approval_probability"] == 0.0
    assert rows["A"]["delta_money"] == 0.0
    assert rows["B"]["delta_money"] == pytest.approx(180.0 - 130.0)  # brute force: C_B 180, C_A 130
    assert "cost" not in " ".join(ex.why)


def test_alternatives_carry_delta_money(tmp_path):
    alts = api.alternatives(write_tiny(tmp_path / "i", weight=50.0), k=2, level="framework", options=EXACT)
    doc = alts.to_dict()["alternatives"]
    assert [a["framework"] for a in doc] == ["A", "B"]
    assert doc[0]["delta_money"] == 0.0 and doc[1]["delta_money"] == pytest.approx(180.0 - 130.0)
    assert doc[1]["money"]["total"] == pytest.approx(180.0)


def test_brief_context_money_per_nation_adds_up(bundled):
    from types import SimpleNamespace

    from solver.io import load_instance
    from solver.present.brief import context

    inst = load_instance(bundled)
    sol = api.solve(inst, with_thresholds=False)
    no_explanation = SimpleNamespace(why=[], nations=[], frameworks=[])  # the money table needs none
    ctx = context(sol, no_explanation, None, inst, bundled, SolveOptions())
    rows = ctx["nation_money"]["rows"]
    value = [float(r[-1]["text"].replace(",", "")) for r in rows]
    assert rows[-1][0]["text"] == "total" and value[-1] == pytest.approx(sol.money["total"], abs=0.01)
    assert sum(value[:-1]) == pytest.approx(value[-1], abs=0.05)
