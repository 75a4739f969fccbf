"""Constraints 7, 9, 10 and 11: who takes part, how many, how much, at what cost."""

from __future__ import annotations

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, linear, option_sum, option_vars, total


def link_expr(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, i: int):
    """x[k,r] - U[k,r] w[n,r] for option i (U moves with a what-if: the session changes
    this coefficient in place)."""
    k, r = index.keys[i]
    u = int(data.options["ub"].iat[i])
    return linear([1.0, -float(u)], [m.assign[k, r], m.participates[data.options["nation"].iat[i], r]])


def add_nations(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """(7) linking, with U[k,r] the largest useful count of unit k in role r (size,
        capacity, budget and enabler-share bounds; U = 1 for one asset):
          assign_needs_participation[k,r]: x[k,r] <= U[k,r] w[n(k),r]
          participation_needs_assign[n,r]: w[n,r] <= sum_{k of n} x[k,r]
          participation_needs_nation[n,r]: w[n,r] <= z[n]
          nation_needs_participation[n]:   z[n] <= sum_r w[n,r]
    (9) coalition_breadth: sum over coalition nations of z[n] >= min_coalition_nations
    (10) burden_share[n]: sum_{a of n} e x <= max_share(n) * sum_r requirement(r) R(r)
         = max_share(n) * sum_f strength_required(f) y[f] (one framework is chosen, so
         this is linear); only for nations with max_share < 1 (MODEL.md version 2:
         against what is required, so extra units never dilute a share)
    (11) budget[n]: sum_{a of n} c x <= budget(n)"""
    opt, nats = data.options, data.nations
    contribution, cost = opt["contribution"].to_numpy(), opt["cost"].to_numpy()
    position = {key: i for i, key in enumerate(index.keys)}
    m.assign_needs_participation = pyo.Constraint(
        index.keys, rule=lambda _m, k, r: link_expr(m, data, index, position[k, r]) <= 0)
    m.participation_needs_assign = pyo.Constraint(
        list(index.by_nation_role),
        rule=lambda _m, n, r: m.participates[n, r] <= total(option_vars(m, index, index.by_nation_role[n, r])),
    )
    m.participation_needs_nation = pyo.Constraint(
        list(index.by_nation_role), rule=lambda _m, n, r: m.participates[n, r] <= m.contributes[n]
    )
    roles_of: dict[str, list] = {}
    for n, r in index.by_nation_role:
        roles_of.setdefault(n, []).append(m.participates[n, r])
    m.nation_needs_participation = pyo.Constraint(
        sorted(roles_of), rule=lambda _m, n: m.contributes[n] <= total(roles_of[n])
    )

    settings = data.instance.settings
    if settings.min_coalition_nations > 0:
        members = [n for n in index.by_nation if nats.at[n, "coalition"]]
        m.coalition_breadth = pyo.Constraint(expr=total(m.contributes[n] for n in members) >= m.breadth_required)

    shared = [n for n in index.by_nation if nats.at[n, "max_share"] < 1]

    def share_rule(_m, n):
        required = linear([m.share_limit[n] * m.strength_required[f] for f in data.frameworks],
                          [m.framework[f] for f in data.frameworks])
        return option_sum(m, index, contribution, index.by_nation[n]) - required <= 0

    m.burden_share = pyo.Constraint(shared, rule=share_rule)

    budgeted = [n for n in index.by_nation
                if nats.at[n, "budget"] == nats.at[n, "budget"] and (cost[index.by_nation[n]] > 0).any()]
    m.budget = pyo.Constraint(
        budgeted, rule=lambda _m, n: option_sum(m, index, cost, index.by_nation[n]) <= m.budget_limit[n]
    )
