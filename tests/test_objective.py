"""The objective HiGHS holds has exactly the coefficients MODEL.md's formula gives.

Computed by hand from the instance tables (not from forcealloc's term arrays)
and compared with the cost vector in HiGHS, column by column.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver import load_instance
from solver.engine.session import Session

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick


@pytest.fixture(scope="module")
def session(bundled):
    return Session(load_instance(bundled))


def _hand_costs(s: Session, weights: dict) -> dict:
    """Objective coefficient of every x, y and s column from MODEL.md's formula."""
    inst, m = s.instance, s.model
    out = {}
    for unit, role in s.index.keys:
        a = s.data.units.at[unit, "representative"]
        nation = inst.assets.at[a, "nation"]
        cap = inst.assets.at[a, "capability"]
        eff = inst.capabilities.set_index(["capability", "role"])["effectiveness"].get((cap, role), 1.0)
        over = inst.suitability[(inst.suitability["asset"] == a) & (inst.suitability["role"] == role)]
        if len(over) and not math.isnan(over["effectiveness"].iloc[0]):
            eff = over["effectiveness"].iloc[0]
        cost = inst.assets.at[a, "cost"]
        if len(over) and not math.isnan(over["cost"].iloc[0]):
            cost = over["cost"].iloc[0]
        e = inst.assets.at[a, "strength"] * eff
        enabler = inst.nations.at[nation, "enabler_only"]
        out[s.highs.col(m.assign[unit, role])] = weights["cost"] * cost + (weights["enabler_dependence"] * e
                                                                            if enabler else 0.0)
    for f in inst.frameworks.index:
        group = inst.group_members(inst.frameworks.at[f, "approval_group"])
        probs = {(n, g): p for n, g, p in inst.consent[["nation", "framework", "approval_probability"]].itertuples(
            index=False)}
        risk = -sum(math.log(probs.get((n, f), 1.0)) for n in group)
        out[s.highs.col(m.framework[f])] = (weights["cost"] * inst.frameworks.at[f, "setup_cost"]
                                            + weights["approval_risk"] * risk)
    for r in m.shortfall:
        out[s.highs.col(m.shortfall[r])] = inst.roles.at[r, "shortfall_penalty"]
    return out


def test_objective_coefficients_match_the_formula(session):
    w = session.instance.settings.weights
    cost = session.highs.lp_arrays()["cost"]
    hand = _hand_costs(session, w)
    for col, c in hand.items():
        assert cost[col] == pytest.approx(c, abs=1e-9), col
    others = np.setdiff1d(np.arange(len(cost)), list(hand))
    assert np.all(cost[others] == 0)


def test_a_weighted_term_scales_every_coefficient(session):
    """objective_of({'cost': 2}) is twice the cost term, setup costs included (a version
    that walked expression arguments returned the constant 2.0 plus the sum instead)."""
    s = session
    try:
        s.set_objective(s.objective_of({"cost": 2.0}))
        doubled = s.highs.lp_arrays()["cost"]
        s.set_objective(s.objective_of({"cost": 1.0}))
        single = s.highs.lp_arrays()["cost"]
    finally:
        s.restore_objective()
    assert np.allclose(doubled, 2 * single) and single.any()
    hand = _hand_costs(s, {"cost": 1.0, "approval_risk": 0.0, "enabler_dependence": 0.0})
    for col, c in hand.items():
        if col not in s.highs.cols(s.model.shortfall.values()):
            assert single[col] == pytest.approx(c, abs=1e-9)
