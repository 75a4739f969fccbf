"""Constraints 7, 9, 10 and 11: who takes part, how many, how much, at what cost.

(7) linking, for unit k of |k| assets (|k| = 1 for one asset):
      assign_needs_participation[k,r]: x[k,r] <= |k| w[n(k),r]
    (the tighter count bound U[k,r] is the variable's upper bound, so a what-if
    that moves a capacity or budget changes a bound, not a coefficient)
      participation_needs_assign[n,r]: w[n,r] <= sum_{k of n} x[k,r]
      participation_needs_nation[n,r]: w[n,r] <= z[n]
      nation_needs_participation[n]:   z[n] <= sum_r w[n,r]
(9) coalition_breadth: sum over coalition nations of z[n] >= min_coalition_nations
(10) burden_share[n]: sum_{a of n} e x <= max_share(n) * T, with
     total_force: T <= sum_all e x (an inequality: T == ... stalls HiGHS, see
     SOLVER-NOTES); only for nations with max_share < 1.
(11) budget[n]: sum_{a of n} c x <= budget(n)
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import option_sum, option_vars, total


def add_nations(m: pyo.ConcreteModel, data: ModelData) -> None:
    g, opt, nats = m.fa, data.options, data.nations
    nation_of = opt["nation"].to_numpy()

    size = data.units["size"]

    def assign_rule(_m, k, r):
        return m.assign[k, r] - int(size[k]) * m.participates[nation_of[_m.fa_pos[k, r]], r] <= 0

    m.fa_pos = {key: i for i, key in enumerate(g.keys)}
    m.assign_needs_participation = pyo.Constraint(g.keys, rule=assign_rule)
    m.participation_needs_assign = pyo.Constraint(
        list(g.by_nation_role),
        rule=lambda _m, n, r: m.participates[n, r] <= total(option_vars(m, g.by_nation_role[n, r])),
    )
    m.participation_needs_nation = pyo.Constraint(
        list(g.by_nation_role), rule=lambda _m, n, r: m.participates[n, r] <= m.contributes[n]
    )
    roles_of: dict[str, list] = {}
    for n, r in g.by_nation_role:
        roles_of.setdefault(n, []).append(m.participates[n, r])
    m.nation_needs_participation = pyo.Constraint(
        sorted(roles_of), rule=lambda _m, n: m.contributes[n] <= total(roles_of[n])
    )

    settings = data.instance.settings
    if settings.min_coalition_nations > 0:
        members = [n for n in g.by_nation if nats.at[n, "coalition"]]
        m.coalition_breadth = pyo.Constraint(expr=total(m.contributes[n] for n in members) >= m.breadth_required)

    shared = [n for n in g.by_nation if nats.at[n, "max_share"] < 1]
    if shared:
        m.total_force = pyo.Var(domain=pyo.NonNegativeReals)
        m.total_force_bound = pyo.Constraint(
            expr=m.total_force <= option_sum(m, range(len(g.keys)), "contribution")
        )
        m.burden_share = pyo.Constraint(
            shared,
            rule=lambda _m, n: option_sum(m, g.by_nation[n], "contribution") - m.share_limit[n] * m.total_force <= 0,
        )

    budgeted = [
        n for n in g.by_nation
        if nats.at[n, "budget"] == nats.at[n, "budget"] and (opt["cost"].to_numpy()[g.by_nation[n]] > 0).any()
    ]
    m.budget = pyo.Constraint(
        budgeted, rule=lambda _m, n: option_sum(m, g.by_nation[n], "cost") <= m.budget_limit[n]
    )
