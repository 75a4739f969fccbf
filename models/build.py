"""Assemble the Pyomo model of MODEL.md from :class:`ModelData`, top to bottom.

The recipe reads like the contract: parameters a what-if may change, variables,
the constraint families 1-13 (one module each under ``models/constraints``),
then the objective. Component names come from the domain so a written LP file
reads like the problem (``requirement[land]``, ``consent[FRA-inf-bn-1_x3]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from models.constraints import consent, coverage, enablers, framework, links, nations
from models.eligibility import ModelData, strength_required
from models.objective import add_objective


@dataclass
class Groups:
    """Positions of the options (unit, role) grouped the ways constraints sum them."""

    keys: list[tuple[str, str]]
    by_role: dict[str, np.ndarray] = field(default_factory=dict)
    by_unit: dict[str, np.ndarray] = field(default_factory=dict)
    by_nation: dict[str, np.ndarray] = field(default_factory=dict)
    by_nation_role: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


def _groups(opt: pd.DataFrame) -> Groups:
    g = Groups(keys=list(zip(opt["unit"], opt["role"], strict=True)))
    g.by_role = {k: np.asarray(v) for k, v in opt.groupby("role", sort=True).indices.items()}
    g.by_unit = {k: np.asarray(v) for k, v in opt.groupby("unit", sort=True).indices.items()}
    g.by_nation = {k: np.asarray(v) for k, v in opt.groupby("nation", sort=True).indices.items()}
    g.by_nation_role = {
        tuple(k): np.asarray(v) for k, v in opt.groupby(["nation", "role"], sort=True).indices.items()
    }
    return g


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


def add_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """y[f], x[unit, role] (integer counts; binary for single assets), w, z, s."""
    opt = data.options
    ub = dict(zip(m.fa.keys, opt["ub"].to_numpy().tolist(), strict=True))
    m.framework = pyo.Var(data.frameworks, domain=pyo.Binary)
    for f, by in data.vetoes.items():
        if by:  # constraint 2: a veto in the approval group closes the framework
            m.framework[f].setub(0)
    m.assign = pyo.Var(m.fa.keys, domain=pyo.NonNegativeIntegers, bounds=lambda _m, k, r: (0, ub[k, r]))
    m.participates = pyo.Var(list(m.fa.by_nation_role), domain=pyo.Binary)
    m.contributes = pyo.Var(sorted(m.fa.by_nation), domain=pyo.Binary)
    roles = data.roles
    soft = roles.index[roles["shortfall_penalty"].notna() & (roles["requirement"] > 0)]
    m.shortfall = pyo.Var(list(soft), domain=pyo.NonNegativeReals)


def build_model(data: ModelData) -> pyo.ConcreteModel:
    """The full mixed-integer model of MODEL.md for one instance."""
    m = pyo.ConcreteModel(name=data.instance.name)
    m.fa = _groups(data.options)
    m.fa_data = data
    add_parameters(m, data)
    add_variables(m, data)
    framework.add_framework(m, data)  # 1, 2
    consent.add_consent(m, data)  # 3, 4
    coverage.add_coverage(m, data)  # 5, 6, 8
    nations.add_nations(m, data)  # 7, 9, 10, 11
    enablers.add_enablers(m, data)  # 12
    links.add_links(m, data)  # 13
    add_objective(m, data, data.instance.settings.weights)
    return m
