"""Constraints 1-2: exactly one command framework, and no vetoed framework."""

from __future__ import annotations

import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, framework_sum


def add_framework(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex) -> None:
    """(1) one_framework: sum_f y[f] = 1.

    (2) y[f] = 0 when a nation of f's approval group vetoes f. That is the upper
    bound of ``framework[f]`` (set where the variable is declared), not a row, so
    a what-if veto is a bound change on the persistent model."""
    m.one_framework = pyo.Constraint(expr=framework_sum(m, data.frameworks) == 1)
