"""The option index and small helpers every constraint module uses to write linear sums.

An *option* is an eligible (unit, role) pair with a variable x[unit, role]; the
:class:`OptionIndex` groups option positions the ways constraints sum them and
is passed explicitly to every ``add_*`` function. ``LinearExpression`` built from
coefficient and variable lists skips Pyomo's operator overloading (several times
faster on large sums) and is the form the HiGHS interface translates without
walking an expression tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression


@dataclass(frozen=True)
class OptionIndex:
    """Positions of the options (rows of ``ModelData.options``) grouped by role, unit,
    nation and (nation, role)."""

    keys: list[tuple[str, str]]
    by_role: dict[str, np.ndarray] = field(default_factory=dict)
    by_unit: dict[str, np.ndarray] = field(default_factory=dict)
    by_nation: dict[str, np.ndarray] = field(default_factory=dict)
    by_nation_role: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, options: pd.DataFrame) -> OptionIndex:
        def groups(by):
            return {(tuple(k) if isinstance(k, tuple) else k): np.asarray(v)
                    for k, v in options.groupby(by, sort=True).indices.items()}

        return cls(keys=list(zip(options["unit"], options["role"], strict=True)), by_role=groups("role"),
                   by_unit=groups("unit"), by_nation=groups("nation"), by_nation_role=groups(["nation", "role"]))


def linear(coefs: Sequence, variables: Sequence, constant: float = 0.0) -> LinearExpression:
    """sum(coefs[i] * variables[i]) + constant."""
    return LinearExpression(constant=constant, linear_coefs=list(coefs), linear_vars=list(variables))


def total(variables: Iterable) -> LinearExpression:
    """sum(variables)."""
    vs = list(variables)
    return linear([1.0] * len(vs), vs)


def framework_sum(m: pyo.ConcreteModel, frameworks: Iterable[str]) -> LinearExpression:
    """sum of y[f] over the given frameworks (R(r) of MODEL.md for a role's list)."""
    return total(m.framework[f] for f in frameworks)


def option_vars(m: pyo.ConcreteModel, index: OptionIndex, positions) -> list:
    """The x variables (``assign``) at the given option positions."""
    keys = index.keys
    return [m.assign[keys[i]] for i in positions]


def option_sum(m: pyo.ConcreteModel, index: OptionIndex, coefs: np.ndarray, positions) -> LinearExpression:
    """sum of coefs[i] * x[i] over the given option positions (coefs: one per option)."""
    positions = np.asarray(positions, dtype=np.int64)
    return linear(np.asarray(coefs, dtype=float)[positions].tolist(), option_vars(m, index, positions))
