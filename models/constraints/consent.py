"""Constraints 3-4: each asset serves at most once, and only where its nation consents
and the role is active.

MODEL.md's (4) sums y over F(k) ∩ frameworks(r) per (asset, role). With exactly
one framework chosen (1), that is the conjunction of ``consent`` (the unit's
frameworks F(k)) and ``role_active`` (the role's), linked by x[k,r] <= U w[n,r]:
one row per unit and one per (nation, role) instead of one per option. Options
with F(k) ∩ frameworks(r) empty have no variable at all (models.eligibility).
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, framework_sum, linear, option_vars, total


def add_consent(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """(3) deploy[k]:  sum_r x[k,r] <= |k|   (= |k| when must_deploy)
    (4) consent[k]: sum_r x[k,r] <= |k| * sum_{f in F(k)} y[f]
        role_active[n,r]: w[n,r] <= R(r) = sum_{f in frameworks(r)} y[f]

    For a unit k of size |k| (a single asset when |k| = 1). (4) per unit is tighter
    in the LP relaxation than per (asset, role) and implies (3)'s inequality, so (3)
    is added only where (4) is absent (F(k) = every framework) and the unit has more
    than one role, or where must_deploy holds. role_active is added only where a
    unit of the nation could otherwise serve in the role under a framework the role
    does not list."""
    units, by_unit = data.units, index.by_unit

    # (the index depends on the structure only, not on bounds a what-if may move)
    deploy = [k for k in units.index if units.at[k, "must_deploy"]
              or (units.at[k, "all_frameworks"] and len(by_unit.get(k, ())) > 1)]

    def deploy_rule(_m, k):
        pos = by_unit.get(k, [])
        size = int(units.at[k, "size"])
        body = total(option_vars(m, index, pos)) if len(pos) else None
        if units.at[k, "must_deploy"]:
            if body is None:  # nothing it may do: an empty row 0 == |k| (infeasible)
                return linear([0.0], [m.framework[data.frameworks[0]]]) == size
            return body == size
        return body <= size

    m.deploy = pyo.Constraint(deploy, rule=deploy_rule)

    restricted = [k for k in units.index if k in by_unit and not units.at[k, "all_frameworks"]]

    def consent_rule(_m, k):
        size = int(units.at[k, "size"])
        return total(option_vars(m, index, by_unit[k])) - size * framework_sum(m, units.at[k, "frameworks"]) <= 0

    m.consent = pyo.Constraint(restricted, rule=consent_rule)

    roles = data.roles
    unit_fw = units["frameworks"].to_dict()
    unit_of = data.options["unit"].to_numpy()
    inactive = []
    for (n, r), pos in index.by_nation_role.items():
        if roles.at[r, "all_frameworks"]:
            continue
        listed = set(roles.at[r, "frameworks"])
        if any(not set(unit_fw[k]) <= listed for k in unit_of[pos]):
            inactive.append((n, r))
    m.role_active = pyo.Constraint(
        inactive,
        rule=lambda _m, n, r: m.participates[n, r] - framework_sum(m, roles.at[r, "frameworks"]) <= 0,
    )
