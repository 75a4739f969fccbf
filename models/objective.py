"""The objective of MODEL.md: four terms, each an Expression, and their weighted sum.

term_cost               = sum c(a,r) x[a,r] + sum setup_cost(f) y[f]
term_shortfall          = sum_r shortfall_penalty(r) s[r]
term_approval_risk      = sum_f risk(f) y[f]
term_enabler_dependence = sum of enabler_only nations' contributions e(a,r) x[a,r]

objective = cost * term_cost + term_shortfall
          + approval_risk * term_approval_risk + enabler_dependence * term_enabler_dependence
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import MonomialTermExpression

from models.constraints.enablers import enabler_positions
from models.eligibility import ModelData
from models.expr import linear, option_sum

TERM_WEIGHT = {"cost": "cost", "shortfall": None, "approval_risk": "approval_risk",
               "enabler_dependence": "enabler_dependence"}


def term_expressions(m: pyo.ConcreteModel, data: ModelData) -> dict[str, object]:
    fw = data.instance.frameworks
    ys = [m.framework[f] for f in data.frameworks]
    roles = data.roles
    soft = list(m.shortfall)
    return {
        "cost": option_sum(m, range(len(m.fa.keys)), "cost")
        + linear(fw.loc[data.frameworks, "setup_cost"].tolist(), ys),
        "shortfall": linear([float(roles.at[r, "shortfall_penalty"]) for r in soft], [m.shortfall[r] for r in soft]),
        "approval_risk": linear([data.risk[f] for f in data.frameworks], ys),
        "enabler_dependence": option_sum(m, enabler_positions(data), "contribution"),
    }


def weighted(terms: dict[str, object], weights: dict[str, float]) -> object:
    """One linear expression: the weighted sum of the given terms, coefficients merged."""
    coef: dict[int, float] = defaultdict(float)
    var_of = {}
    const = 0.0
    for name, expr in terms.items():
        w = 1.0 if TERM_WEIGHT[name] is None else weights.get(name, 0.0)
        if w == 0:
            continue
        for arg in expr.args:
            if isinstance(arg, MonomialTermExpression):
                c, v = arg.args
            elif isinstance(arg, (int, float)):
                const += w * arg
                continue
            else:
                c, v = 1.0, arg
            coef[id(v)] += w * c
            var_of[id(v)] = v
    ids = [i for i in coef if coef[i] != 0]
    return linear([coef[i] for i in ids], [var_of[i] for i in ids], const)


def add_objective(m: pyo.ConcreteModel, data: ModelData, weights: dict[str, float]) -> None:
    terms = term_expressions(m, data)
    for name, expr in terms.items():
        setattr(m, f"term_{name}", pyo.Expression(expr=expr))
    m.objective = pyo.Objective(expr=weighted(terms, weights), sense=pyo.minimize)
