"""An elastic copy of the model: requirements may fall short, at a price.

Used to explain infeasibility: with the requirement (5), multinationality (8)
and coalition breadth (9) rows given slack variables and the objective replaced
by the total normalised slack, the model under a fixed framework says which
roles fall short, and by how much, once every other constraint is respected.
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.expr import linear

ELASTIC_FAMILIES = ("requirement", "multinationality", "coalition_breadth")


def make_elastic(m: pyo.ConcreteModel) -> dict[tuple[str, object], pyo.Var]:
    """Give the families above a slack each and minimise their normalised sum; returns
    the slack variable of each (family, index)."""
    slacks, weights = [], []
    m.elastic_slack = pyo.VarList(domain=pyo.NonNegativeReals)
    m.elastic = pyo.ConstraintList()
    slack_of = {}
    for family in ELASTIC_FAMILIES:
        comp = getattr(m, family, None)
        if comp is None:
            continue
        for idx, c in list(comp.items()):
            if not c.active or not c.has_lb():
                continue
            s = m.elastic_slack.add()
            m.elastic.add(c.body + s >= c.lower)
            c.deactivate()
            scale = max(1.0, abs(pyo.value(c.lower)))
            slacks.append(s)
            weights.append(1.0 / scale)
            slack_of[(family, idx)] = s
    m.objective.set_value(linear(weights, slacks))
    return slack_of
