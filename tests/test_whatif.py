"""What-if answers that say what they mean: deltas split by cause, and the price of each
political commitment that can change the answer."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from solver import SolveOptions, load_instance, solve
from solver.analysis.whatif.changes import parametric_instance, scenario_instance
from solver.analysis.whatif.scenarios import read_scenarios
from solver.analysis.whatif.sweeps import generate
from solver.io import read_raw

EXACT = SolveOptions(mip_gap=0)


@pytest.fixture(scope="module")
def whatif(bundled_batch):
    out = bundled_batch["out"]
    assert bundled_batch["returncode"] == 0, bundled_batch["stderr"]
    return out, pd.read_csv(out / "summary.csv").set_index("scenario"), bundled_batch["stdout"]


def _solution(out, name) -> dict:
    return json.loads((out / "scenarios" / name / "solution.json").read_text())


def test_deltas_split_money_penalties_and_weights(whatif):
    out, s, _ = whatif
    base = _solution(out, "base")
    for name in s.index.drop("base"):
        row, doc = s.loc[name], _solution(out, name)
        if doc["status"] != "optimal":
            continue
        assert row["delta_cost"] == pytest.approx(doc["terms"]["cost"] - base["terms"]["cost"], abs=1e-6)
        assert row["delta_shortfall"] == pytest.approx(doc["terms"]["shortfall"] - base["terms"]["shortfall"],
                                                       abs=1e-6)
        assert row["delta_objective"] == pytest.approx(doc["objective"] - base["objective"], abs=1e-6)
        # the parts add up (base cost weight 1)
        assert row["delta_objective"] == pytest.approx(row["delta_cost"] + row["delta_shortfall"]
                                                       + row["delta_other"] + row["delta_weights"], abs=1e-6)
        joined = set(n["nation"] for n in doc["nations"]) - set(n["nation"] for n in base["nations"])
        assert set(str(row["nations_join"]).split(";")) - {"nan", ""} == joined
    # a weight change alone: the same allocation, no money, the whole delta is re-weighting
    r = s.loc["risk-averse"]
    assert r["delta_cost"] == 0 and r["delta_shortfall"] == 0 and r["delta_objective"] > 0
    assert r["delta_weights"] == pytest.approx(r["delta_objective"])
    # the backstop gone: the penalty is not money
    r = s.loc["no-us-backstop"]
    # penalties from roles.csv: backstop 8 per point, air defence 15 per point
    assert r["roles_short"] == "air_defence 20; backstop 50"
    assert r["delta_shortfall"] == pytest.approx(8 * 50 + 15 * 20)


def test_screen_shows_deltas_not_internals(whatif):
    _, _, output = whatif
    assert "Δmoney" in output and "Δobjective" in output
    assert "persistent" not in output and "rebuild" not in output and "solve_time" not in output


def test_the_bilateral_backstop_scenario_tests_the_strongest_assumption(bundled):
    """README assumption 3: with the US backstop reaching a lead-nation coalition too, the
    answer must come from the data, not from the assumption (same as a fresh solve)."""
    scenarios, _ = read_scenarios(bundled / "scenarios.yaml")
    sc = next(x for x in scenarios if x.name == "bilateral-us-backstop")
    inst = scenario_instance(read_raw(bundled), sc)
    assert inst.frameworks.at["coalition", "enablers_reach"]
    sol = solve(inst, EXACT)
    assert sol.status.has_solution


# --------------------------------------------------------------------------- price of commitments
@pytest.fixture(scope="module")
def commitments(bundled):
    return generate("consent", load_instance(bundled))


def test_only_commitments_that_can_change_the_answer_are_priced(commitments):
    names = {s.name for s in commitments.scenarios}
    skipped = {s["commitment"]: s["reason"] for s in commitments.skipped}
    # the UN vetoes: priced together, not one at a time (the other would remain)
    assert "vetoes:un" in names and "veto:RUS:un" not in names and "veto:CHN:un" not in names
    assert "other vetoes remain" in skipped["veto:RUS:un"]
    # refusals by nations with nothing to offer under the framework are not priced
    assert "refusal:RUS:nato" not in names and "offers no asset" in skipped["refusal:RUS:nato"]
    assert "refusal:USA:eu" not in names and "could serve" in skipped["refusal:USA:eu"]
    # the backstop conditions and real refusals are
    assert {"link:DEU:backstop", "link:POL:backstop", "refusal:ITA:nato", "refusal:IRL:nato",
            "caveat:DEU:air_policing"} <= names
    # burden shares and budgets that can bind
    assert "share:FRA" in names and "budget:BGR" in names
    for sc in commitments.scenarios:
        assert sc.description and not sc.description.startswith(sc.name)


def test_prices_equal_single_solves(bundled, commitments, consent_batch):
    """A sample of prices from the sweep (persistent retargeted model, two workers) against a
    fresh exact solve of each lifted instance: the same difference in objective, never a
    gain from keeping a commitment, and lifts that really move the answer."""
    assert consent_batch["returncode"] == 0, consent_batch["stderr"]
    summary = pd.read_csv(consent_batch["out"] / "summary.csv").set_index("scenario")
    base = solve(bundled, EXACT).objective
    raw = read_raw(bundled)
    inst = load_instance(bundled)
    prices = {}
    for name in ("vetoes:un", "link:DEU:backstop", "refusal:ITA:nato", "share:FRA"):
        sc = next(x for x in commitments.scenarios if x.name == name)
        lifted = parametric_instance(inst, sc) if sc.parametric else scenario_instance(raw, sc)
        sol = solve(lifted, EXACT)
        prices[name] = sol.objective - base
        assert prices[name] <= 1e-6, name  # lifting a commitment never costs
        assert summary.at[name, "delta_objective"] == pytest.approx(prices[name], abs=1e-4), name
    # the UN vetoes lifted: both permanent members' consent rows no longer say veto
    lifted_un = scenario_instance(raw, next(x for x in commitments.scenarios if x.name == "vetoes:un"))
    consent = lifted_un.consent.reset_index() if "framework" not in lifted_un.consent.columns else lifted_un.consent
    un = consent[consent["framework"] == "un"]
    assert not (un["approval"] == "veto").any()
    assert any(v < -1e-6 for v in prices.values()), prices  # some commitment has a price


def test_price_table_is_in_planner_words(consent_batch):
    output = consent_batch["stdout"]
    assert consent_batch["returncode"] == 0, consent_batch["stderr"]
    assert "Price of each political commitment" in output
    flat = " ".join(output.replace("│", " ").split())
    assert "Germany joins only with US backstop" in flat
    assert " -0 " not in flat
    assert "not priced" in output
    skipped = pd.read_csv(consent_batch["out"] / "skipped.csv")
    assert {"commitment", "description", "reason"} <= set(skipped.columns) and len(skipped) > 0
