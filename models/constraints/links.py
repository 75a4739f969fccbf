"""Constraint 13: nations that join only on a condition."""

from __future__ import annotations

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, option_sum


def add_links(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """(13) requires_nation[n,t]: z[n] <= z[t]
         requires_role[n,t]:   sum_a e(a,t) x[a,t] >= requirement(t) * z[n]
                               (covered by assets themselves: a shortfall does not count)

    A nation without any option has no z: it cannot contribute, so as a target it
    forces z[n] = 0, and as a linked nation it needs no constraint."""
    links = data.instance.links
    active = index.by_nation
    needs_nation = [
        (n, t) for n, t in links.loc[links["kind"] == "requires_nation", ["nation", "target"]].itertuples(index=False)
        if n in active and t != n  # a nation that requires itself asks nothing
    ]

    def nation_rule(_m, n, t):
        if t in active:
            return m.contributes[n] <= m.contributes[t]
        return m.contributes[n] <= 0

    m.requires_nation = pyo.Constraint(needs_nation, rule=nation_rule)

    roles = data.roles
    contribution = data.options["contribution"].to_numpy()
    needs_role = [
        (n, t) for n, t in links.loc[links["kind"] == "requires_role", ["nation", "target"]].itertuples(index=False)
        if n in active and roles.at[t, "requirement"] > 0
    ]
    m.requires_role = pyo.Constraint(
        needs_role,
        rule=lambda _m, n, t: option_sum(m, index, contribution, index.by_role.get(t, []))
        - m.required[t] * m.contributes[n] >= 0,
    )
