"""Assemble the Pyomo model of MODEL.md from :class:`ModelData`, top to bottom.

The recipe reads like the contract: parameters a what-if may change, variables,
the constraint families 1-13 (one module each under ``models/constraints``, each
given the data and the option index explicitly), then the objective. Component
names come from the domain so a written LP file reads like the problem
(``requirement[land]``, ``consent[FRA-inf-bn-1_x3]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyomo.environ as pyo

from models.constraints import consent, coverage, enablers, framework, links, nations
from models.constraints.keep import add_keep
from models.constraints.robust import add_robust
from models.eligibility import ModelData, strength_required
from models.expr import OptionIndex
from models.objective import add_objective, soft_roles


@dataclass(frozen=True)
class BuiltModel:
    """The Pyomo model and the option index its x variables are laid out by."""

    model: pyo.ConcreteModel
    index: OptionIndex


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def add_parameters(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Data a what-if scenario may change without changing the model's structure."""
    roles, nats, s = data.roles, data.nations, data.instance.settings
    m.required = pyo.Param(roles.index, mutable=True, initialize=roles["requirement"].to_dict())
    m.capacity_limit = pyo.Param(
        roles.index, mutable=True, initialize={r: _nan_to_none(v) for r, v in roles["capacity"].items()},
        within=pyo.Any,
    )
    m.min_nations_required = pyo.Param(roles.index, mutable=True, initialize=roles["min_nations"].to_dict())
    m.enabler_limit = pyo.Param(
        roles.index, mutable=True, initialize=(roles["max_enabler_share"] * roles["requirement"]).to_dict()
    )
    m.share_limit = pyo.Param(nats.index, mutable=True, initialize=nats["max_share"].to_dict())
    m.strength_required = pyo.Param(data.frameworks, mutable=True, initialize=strength_required(data.instance))
    m.budget_limit = pyo.Param(
        nats.index, mutable=True, initialize={n: _nan_to_none(v) for n, v in nats["budget"].items()},
        within=pyo.Any,
    )
    m.breadth_required = pyo.Param(mutable=True, initialize=s.min_coalition_nations)


def add_variables(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """y[f], x[unit, role] (integer counts; binary for single assets), w, z, s."""
    ub = dict(zip(index.keys, data.options["ub"].to_numpy().tolist(), strict=True))
    m.framework = pyo.Var(data.frameworks, domain=pyo.Binary)
    for f, by in data.vetoes.items():
        if by:  # constraint 2: a veto in the approval group closes the framework
            m.framework[f].setub(0)
    m.assign = pyo.Var(index.keys, domain=pyo.NonNegativeIntegers, bounds=lambda _m, k, r: (0, ub[k, r]))
    m.participates = pyo.Var(list(index.by_nation_role), domain=pyo.Binary)
    m.contributes = pyo.Var(sorted(index.by_nation), domain=pyo.Binary)
    m.shortfall = pyo.Var(soft_roles(data), domain=pyo.NonNegativeReals)


def build_model(data: ModelData, robust=None, keep=None) -> BuiltModel:
    """The full mixed-integer model of MODEL.md for one instance; ``robust`` (a
    solver.io.robust_spec.RobustSpec with k > 0) adds the withdrawal rows, ``keep`` (a KeepSpec)
    the re-plan term."""
    m = pyo.ConcreteModel(name=data.instance.name)
    index = OptionIndex.of(data.options)
    add_parameters(m, data)
    add_variables(m, data, index)
    framework.add_framework(m, data, index)  # 1, 2
    consent.add_consent(m, data, index)  # 3, 4
    coverage.add_coverage(m, data, index)  # 5, 6, 8
    nations.add_nations(m, data, index)  # 7, 9, 10, 11
    enablers.add_enablers(m, data, index)  # 12
    links.add_links(m, data, index)  # 13
    if robust is not None and robust.k > 0:
        add_robust(m, data, index, robust)  # v3 withdrawals: R5, R8, R9 (models/constraints/robust.py)
    if keep is not None:
        add_keep(m, data, index, keep)  # v3 re-plans: change_penalty x D or D <= N
    add_objective(m, data, index, data.instance.settings.weights)
    return BuiltModel(m, index)
