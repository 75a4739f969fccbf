"""Constraint 12: the enabler share of a role.

enabler_share[r]: sum over enabler_only nations' options of e(a,r) x[a,r]
                  <= max_enabler_share(r) * requirement(r)

Added for every role an enabler-only nation may fill (MODEL.md states it
without a condition, so the default share 1.0 caps enablers at the requirement).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import option_sum


def add_enablers(m: pyo.ConcreteModel, data: ModelData) -> None:
    enabler = data.options["enabler_only"].to_numpy()
    by_role = {r: pos[enabler[pos]] for r, pos in m.fa.by_role.items()}
    by_role = {r: pos for r, pos in by_role.items() if len(pos)}
    m.enabler_share = pyo.Constraint(
        sorted(by_role), rule=lambda _m, r: option_sum(m, by_role[r], "contribution") <= m.enabler_limit[r]
    )


def enabler_positions(data: ModelData) -> np.ndarray:
    """Option positions of enabler-only nations (the enabler-dependence term)."""
    return np.flatnonzero(data.options["enabler_only"].to_numpy())
