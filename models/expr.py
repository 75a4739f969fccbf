"""Small helpers every constraint module uses to write linear expressions fast.

``LinearExpression`` built from coefficient and variable lists skips Pyomo's
operator overloading (several times faster on large sums) and is the form the
HiGHS interface translates without walking an expression tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression


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


def option_vars(m: pyo.ConcreteModel, positions) -> list:
    """The x variables (``assign``) at the given option positions."""
    keys = m.fa.keys
    return [m.assign[keys[i]] for i in positions]


def option_sum(m: pyo.ConcreteModel, positions, column: str) -> LinearExpression:
    """sum of options[column] * x over the given option positions."""
    coefs = m.fa_data.options[column].to_numpy()[positions]
    return linear(coefs.tolist(), option_vars(m, positions))
