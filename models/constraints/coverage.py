"""Constraints 5, 6 and 8: what each role needs and can take.

R(r) = sum of y[f] over the role's frameworks; for a role that applies under
every framework R(r) = 1 by constraint 1, and the requirement is a right-hand
side. Otherwise it moves to the left as -requirement(r) * y[f] terms.
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, framework_sum, option_sum, total


def _scaled(m, data: ModelData, r: str, body, level):
    """body >= level * R(r)."""
    roles = data.roles
    if roles.at[r, "all_frameworks"] and body.nargs() > 0:
        return body >= level
    return body - level * framework_sum(m, roles.at[r, "frameworks"]) >= 0


def add_coverage(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """(5) requirement[r]:      sum_a e(a,r) x[a,r] + s[r] >= requirement(r) * R(r)
    (6) capacity[r]:         sum_a fp(a,r) x[a,r] <= capacity(r)
    (8) multinationality[r]: sum_n w[n,r] >= min_nations(r) * R(r)"""
    roles, by_role = data.roles, index.by_role
    contribution = data.options["contribution"].to_numpy()
    footprint = data.options["footprint"].to_numpy()

    def requirement_rule(_m, r):
        body = option_sum(m, index, contribution, by_role.get(r, []))
        if r in m.shortfall:
            body = body + m.shortfall[r]
        return _scaled(m, data, r, body, m.required[r])

    m.requirement = pyo.Constraint(list(roles.index[roles["requirement"] > 0]), rule=requirement_rule)

    capped = [r for r in roles.index[roles["capacity"].notna()] if r in by_role]
    m.capacity = pyo.Constraint(
        capped, rule=lambda _m, r: option_sum(m, index, footprint, by_role[r]) <= m.capacity_limit[r]
    )

    nation_roles: dict[str, list] = {}
    for n, r in index.by_nation_role:
        nation_roles.setdefault(r, []).append(m.participates[n, r])

    def multinationality_rule(_m, r):
        return _scaled(m, data, r, total(nation_roles.get(r, [])), m.min_nations_required[r])

    m.multinationality = pyo.Constraint(list(roles.index[roles["min_nations"] > 0]), rule=multinationality_rule)
