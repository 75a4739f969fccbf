"""Constraint 12: the enabler share of a role."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, framework_sum, option_sum


def add_enablers(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """(12) enabler_share[r]: sum over enabler_only nations' options of e(a,r) x[a,r]
                          <= max_enabler_share(r) * requirement(r) * R(r)

    Only where max_enabler_share(r) < 1 (MODEL.md version 2: a share of 1, the
    default, sets no cap, so one enabler package larger than the requirement may
    still cover it). For a role that applies under every framework R(r) = 1 and the
    limit is a right-hand side; otherwise it moves to the left as -limit * y[f]."""
    roles = data.roles
    enabler = data.options["enabler_only"].to_numpy()
    contribution = data.options["contribution"].to_numpy()
    by_role = {r: pos[enabler[pos]] for r, pos in index.by_role.items()}
    by_role = {r: pos for r, pos in by_role.items() if len(pos) and roles.at[r, "max_enabler_share"] < 1}

    def rule(_m, r):
        body = option_sum(m, index, contribution, by_role[r])
        if roles.at[r, "all_frameworks"]:
            return body <= m.enabler_limit[r]
        return body - m.enabler_limit[r] * framework_sum(m, roles.at[r, "frameworks"]) <= 0

    m.enabler_share = pyo.Constraint(sorted(by_role), rule=rule)


def enabler_positions(data: ModelData) -> np.ndarray:
    """Option positions of enabler-only nations (the enabler-dependence term)."""
    return np.flatnonzero(data.options["enabler_only"].to_numpy())
