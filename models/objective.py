"""The objective of MODEL.md, built from coefficient arrays (never by walking expressions).

Each term is a vector of coefficients over the options x, the frameworks y and
the shortfalls s:

    cost               = sum c(a,r) x[a,r] + sum setup_cost(f) y[f]
    shortfall          = sum_r shortfall_penalty(r) s[r]
    approval_risk      = sum_f risk(f) y[f]
    enabler_dependence = sum of enabler_only nations' contributions e(a,r) x[a,r]

    objective = cost * term_cost + term_shortfall
              + approval_risk * term_approval_risk + enabler_dependence * term_enabler_dependence

The shortfall term has no weight of its own (weight 1, docs/model.md decision 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, linear, option_vars
from solver.domain.instance import TERMS


@dataclass(frozen=True)
class Term:
    """One objective term's coefficients: per option (x), per framework (y), per soft role (s)."""

    x: np.ndarray
    y: np.ndarray
    s: np.ndarray


def soft_roles(data: ModelData) -> list[str]:
    """Roles with a shortfall variable: a penalty is set and something is required."""
    roles = data.roles
    return list(roles.index[roles["shortfall_penalty"].notna() & (roles["requirement"] > 0)])


def term_coefficients(data: ModelData) -> dict[str, Term]:
    opt, fw = data.options, data.instance.frameworks
    nx, ny = len(opt), len(data.frameworks)
    soft = soft_roles(data)
    zero_x, zero_y, zero_s = np.zeros(nx), np.zeros(ny), np.zeros(len(soft))
    enabler = opt["enabler_only"].to_numpy(dtype=bool)
    return {
        "cost": Term(opt["cost"].to_numpy(dtype=float), fw.loc[data.frameworks, "setup_cost"].to_numpy(dtype=float),
                     zero_s),
        "shortfall": Term(zero_x, zero_y, data.roles.loc[soft, "shortfall_penalty"].to_numpy(dtype=float)),
        "approval_risk": Term(zero_x, np.array([data.risk[f] for f in data.frameworks], dtype=float), zero_s),
        "enabler_dependence": Term(np.where(enabler, opt["contribution"].to_numpy(dtype=float), 0.0), zero_y, zero_s),
    }


def term_weight(term: str, weights: dict[str, float]) -> float:
    return 1.0 if term == "shortfall" else float(weights.get(term, 0.0))


def objective_expression(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex,
                         weights: dict[str, float]):
    """sum_t weight(t) * term(t) as one linear expression with merged coefficients.
    ``weights`` may name any subset of the terms (a lexicographic stage gives {term: 1})."""
    terms = term_coefficients(data)
    x = sum(w * terms[t].x for t, w in weights.items() if w)
    y = sum(w * terms[t].y for t, w in weights.items() if w)
    s = sum(w * terms[t].s for t, w in weights.items() if w)
    xs = option_vars(m, index, range(len(index.keys)))
    ys = [m.framework[f] for f in data.frameworks]
    ss = [m.shortfall[r] for r in soft_roles(data)]
    coefs, variables = [], []
    for c, vs in ((x, xs), (y, ys), (s, ss)):
        c = np.broadcast_to(np.asarray(c, dtype=float), (len(vs),))
        nz = np.flatnonzero(c)
        coefs += c[nz].tolist()
        variables += [vs[i] for i in nz]
    # v3 extras (models/constraints/robust.py, keep.py): reserves belong to the cost term;
    # "change" (the re-plan penalty) has weight 1 in the full objective only
    full = set(TERMS) <= set(weights)
    for term, (cs, vs) in m.__dict__.get("_objective_extra", {}).items():
        w = float(weights.get(term, 0.0)) if term in TERMS else (1.0 if full else 0.0)
        if w:
            coefs += [w * c for c in cs]
            variables += list(vs)
    return linear(coefs, variables)


def model_weights(weights: dict[str, float]) -> dict[str, float]:
    """The objective's weights by term, shortfall included at 1."""
    return {t: term_weight(t, weights) for t in TERMS}


def add_objective(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, weights: dict[str, float]) -> None:
    """minimise sum_t weight(t) * term(t) (the module docstring)."""
    m.objective = pyo.Objective(expr=objective_expression(m, data, index, model_weights(weights)),
                                sense=pyo.minimize)
