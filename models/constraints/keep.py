"""Re-plans that keep their word (MODEL.md v3): D, the nation-role pledges in one plan and
not the other, as a linear expression over w.

    D = forced + sum_{(n,r) in P, w exists} (1 - w[n,r]) + sum_{(n,r) not in P} w[n,r]

where P is the earlier plan's pledges and ``forced`` counts pledges of P that have no w
variable any more (the nation can no longer serve in that role: it withdrew, no longer
contributes under any framework, or a caveat now forbids it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, linear
from solver.io.robust_spec import forced_changes

if TYPE_CHECKING:
    from solver.io.robust_spec import KeepSpec


def changes_expression(m: pyo.ConcreteModel, index: OptionIndex, pledges):
    """D as (constant, coefs, vars)."""
    keys = list(index.by_nation_role)
    coefs = [-1.0 if key in pledges else 1.0 for key in keys]
    constant = float(sum(1 for key in keys if key in pledges) + len(forced_changes(index, pledges)))
    return constant, coefs, [m.participates[key] for key in keys]


def add_keep(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, keep: KeepSpec) -> None:
    """change_penalty x D as its own objective term, or D <= max_changes."""
    constant, coefs, ws = changes_expression(m, index, keep.pledges)
    m.changes = pyo.Var(domain=pyo.NonNegativeReals)  # = D (reported), fixed by the row below
    m.changes_count = pyo.Constraint(expr=linear([*coefs, -1.0], [*ws, m.changes], constant) == 0)
    if keep.max_changes is not None:
        m.changes_limit = pyo.Constraint(expr=m.changes <= keep.max_changes)
    if keep.change_penalty:
        extra = m.__dict__.setdefault("_objective_extra", {})
        extra["change"] = ([float(keep.change_penalty)], [m.changes])
