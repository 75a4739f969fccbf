"""The relaxable model: every commitment gated by its own relaxation indicator.

Built on the open instance (every commitment lifted, ``solver.domain.commitments``),
whose model holds only the hard rules, this adds one binary rho[c] per
commitment c and a row that holds c unless rho[c] = 1. With rho fixed by its
bounds, one persistent model answers "is it feasible with these commitments
kept and the others lifted?" (a deletion filter, by bound changes only); with
rho free and the objective sum_c weight(c) rho[c], it finds the cheapest repair.
Lifting a commitment here is exactly ``solver.domain.commitments.lift`` on the tables:

    veto(n,f):          y[f] <= rho
    refusal(n,f):       z[n] + y[f] <= 1 + rho
    caveat(n,r):        w[n,r] <= rho
    link nation(n,t):   z[n] - z[t] <= rho
    link role(n,t):     sum e x[.,t] >= req(t) (z[n] - rho - rho_req(t))
    budget(n):          sum c x[n] <= budget(n) + M rho
    burden_share(n):    sum e x[n] <= max_share(n) sum_r req(r) t[r] + M rho
    requirement(r):     sum e x[.,r] + s[r] >= req(r) t[r],  t[r] = R(r) (1 - rho_req(r))
    min_nations(r):     sum_n w[n,r] >= min(r) (R(r) - rho)
    enabler_share(r):   sum enabler e x[.,r] <= share(r) req(r) t[r] + M rho
    capacity(r):        sum fp x[.,r] <= capacity(r) + M rho
    readiness(r):       x[k,r] <= U rho  for units not ready by needed_by(r)
    must_deploy(a):     sum_r x[k,r] >= |k| - sum_{a in k} rho[a]
    availability(a):    sum_r x[k,r] <= |k| sum_{f in available(a)} y[f] + sum_{a in k} rho[a]
    breadth:            sum_{coalition} z[n] >= B (1 - rho)

t[r] linearises R(r) (1 - rho_req(r)) exactly for binaries, so a lifted
requirement is 0 wherever MODEL.md uses it (the role, burden shares, enabler
shares, role links), as on the lifted tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from models.eligibility import ModelData
from models.expr import OptionIndex, framework_sum, linear, option_sum, option_vars, total
from solver.domain.commitments import Commitment


@dataclass
class Relaxation:
    """What the gated rows added: each commitment's indicator, the soft roles' shortfalls."""

    commitments: list[Commitment]
    rho: dict[str, object]  # commitment id -> binary variable
    shortfall: dict[str, object]  # soft role -> s[r]
    penalty: dict[str, float]  # soft role -> shortfall_penalty


def split_key(base_assets: pd.DataFrame) -> pd.Series:
    """Assets that one commitment may treat differently are never one unit: must_deploy,
    availability and readiness are per asset."""
    return (base_assets["must_deploy"].astype(str) + "|" + base_assets["available_under"].map(";".join)
            + "|" + base_assets["ready_day"].astype(str))


@dataclass
class _Gating:
    """What every gate function reads: the model, the data, the indicators and the rows."""

    m: pyo.ConcreteModel
    index: OptionIndex
    base: object  # the base Instance (its commitments' values)
    rho: dict[str, object]
    e: np.ndarray
    c: np.ndarray
    fp: np.ndarray
    ub: np.ndarray
    unit_of: np.ndarray
    units: pd.DataFrame
    enabler: np.ndarray
    t: object  # t[r] = R(r) (1 - rho_req(r))
    required: list[str]
    soft: list[str]
    required_strength: object
    z: dict
    w: dict
    used: set[str]
    per_unit: dict  # (kind, unit) -> [(commitment id, rho)]: asset commitments gate one row per unit
    unit_of_asset: dict  # asset -> its unit

    def gate(self, row, *keys: str) -> None:
        self.m.commitment.add(row)
        self.used.update(keys)

    def R(self, r: str):
        """sum of y over the role's frameworks, or None when the role lists every framework."""
        roles = self.base.roles
        return None if roles.at[r, "all_frameworks"] else framework_sum(self.m, roles.at[r, "frameworks"])


def _veto(g: _Gating, cm: Commitment) -> None:
    """y[f] <= rho."""
    g.gate(g.m.framework[cm.key["framework"]] - g.rho[cm.id] <= 0, cm.id)


def _refusal(g: _Gating, cm: Commitment) -> None:
    """z[n] + y[f] <= 1 + rho."""
    k = cm.key
    if k["nation"] in g.z:
        g.gate(g.z[k["nation"]] + g.m.framework[k["framework"]] - g.rho[cm.id] <= 1, cm.id)


def _caveat(g: _Gating, cm: Commitment) -> None:
    """w[n,r] <= rho."""
    k = cm.key
    if (k["nation"], k["role"]) in g.w:
        g.gate(g.w[k["nation"], k["role"]] - g.rho[cm.id] <= 0, cm.id)


def _link(g: _Gating, cm: Commitment) -> None:
    """requires_nation: z[n] - z[t] <= rho; requires_role: sum e x[.,t] >= req(t) (z[n] - rho - rho_req(t))."""
    k, q = cm.key, g.rho[cm.id]
    n, target = k["nation"], k["target"]
    if n not in g.z:
        return
    if k["link"] == "requires_nation":
        g.gate(g.z[n] - g.z.get(target, 0) - q <= 0, cm.id)
    elif g.base.roles.at[target, "requirement"] > 0:
        req = float(g.base.roles.at[target, "requirement"])
        body = option_sum(g.m, g.index, g.e, g.index.by_role.get(target, []))
        g.gate(body - req * g.z[n] + req * q + req * g.rho[f"requirement:{target}"] >= 0, cm.id,
               f"requirement:{target}")


def _budget(g: _Gating, cm: Commitment) -> None:
    """sum c x[n] <= budget(n) + M rho."""
    n = cm.key["nation"]
    if n in g.index.by_nation:
        pos = g.index.by_nation[n]
        big = float((g.c * g.ub)[pos].sum())
        g.gate(option_sum(g.m, g.index, g.c, pos) - big * g.rho[cm.id] <= float(g.base.nations.at[n, "budget"]), cm.id)


def _burden_share(g: _Gating, cm: Commitment) -> None:
    """sum e x[n] <= max_share(n) sum_r req(r) t[r] + M rho."""
    n = cm.key["nation"]
    if n in g.index.by_nation:
        pos = g.index.by_nation[n]
        share = float(g.base.nations.at[n, "max_share"])
        big = float((g.e * g.ub)[pos].sum())
        g.gate(option_sum(g.m, g.index, g.e, pos) - share * g.required_strength - big * g.rho[cm.id] <= 0, cm.id)


def _requirement(g: _Gating, cm: Commitment) -> None:
    """sum e x[.,r] + s[r] >= req(r) t[r]."""
    r = cm.key["role"]
    body = option_sum(g.m, g.index, g.e, g.index.by_role.get(r, []))
    if r in g.soft:
        body = body + g.m.relaxed_shortfall[r]
    g.gate(body - float(g.base.roles.at[r, "requirement"]) * g.t[r] >= 0, cm.id)


def _min_nations(g: _Gating, cm: Commitment) -> None:
    """sum_n w[n,r] >= min(r) (R(r) - rho)."""
    r = cm.key["role"]
    need = int(g.base.roles.at[r, "min_nations"])
    ws = [g.w[n, r] for n in g.index.by_nation if (n, r) in g.w]
    lhs = total(ws) + need * g.rho[cm.id]
    g.gate((lhs >= need) if g.R(r) is None else (lhs - need * g.R(r) >= 0), cm.id)


def _enabler_share(g: _Gating, cm: Commitment) -> None:
    """sum enabler e x[.,r] <= share(r) req(r) t[r] + M rho."""
    r = cm.key["role"]
    pos = np.asarray([p for p in g.index.by_role.get(r, []) if g.enabler[p]], dtype=np.int64)
    if len(pos):
        share, req = float(g.base.roles.at[r, "max_enabler_share"]), float(g.base.roles.at[r, "requirement"])
        big = float((g.e * g.ub)[pos].sum())
        cap = share * req * g.t[r] if r in g.required else 0.0
        g.gate(option_sum(g.m, g.index, g.e, pos) - cap - big * g.rho[cm.id] <= 0, cm.id)


def _capacity(g: _Gating, cm: Commitment) -> None:
    """sum fp x[.,r] <= capacity(r) + M rho."""
    r = cm.key["role"]
    if r in g.index.by_role:
        pos = g.index.by_role[r]
        big = float((g.fp * g.ub)[pos].sum())
        g.gate(option_sum(g.m, g.index, g.fp, pos) - big * g.rho[cm.id] <= float(g.base.roles.at[r, "capacity"]),
               cm.id)


def _readiness(g: _Gating, cm: Commitment) -> None:
    """x[k,r] <= U rho for units not ready by needed_by(r)."""
    r = cm.key["role"]
    day = float(g.base.roles.at[r, "needed_by"])
    for p in g.index.by_role.get(r, []):
        rep = g.units.at[g.unit_of[p], "representative"]
        if g.base.assets.at[rep, "ready_day"] > day:
            g.gate(option_vars(g.m, g.index, [p])[0] - g.ub[p] * g.rho[cm.id] <= 0, cm.id)


def _per_unit(g: _Gating, cm: Commitment) -> None:
    """must_deploy and availability: one row per unit over its assets' indicators (below)."""
    unit = g.unit_of_asset[cm.key["asset"]]
    g.per_unit.setdefault((cm.kind, unit), []).append((cm.id, g.rho[cm.id]))


def _breadth(g: _Gating, cm: Commitment) -> None:
    """sum_{coalition} z[n] >= B (1 - rho)."""
    need = int(g.base.settings.min_coalition_nations)
    coalition = [g.z[n] for n in g.z if g.base.nations.at[n, "coalition"]]
    g.gate(total(coalition) + need * g.rho[cm.id] >= need, cm.id)


# One gate per kind of the registry (solver.domain.commitments.KINDS; tests hold them in step).
GATES = {"veto": _veto, "refusal": _refusal, "caveat": _caveat, "link": _link, "budget": _budget,
         "burden_share": _burden_share, "requirement": _requirement, "min_nations": _min_nations,
         "enabler_share": _enabler_share, "capacity": _capacity, "readiness": _readiness,
         "must_deploy": _per_unit, "availability": _per_unit, "breadth": _breadth}


def add_relaxation(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, base, found: list[Commitment]) -> Relaxation:
    """Gate every commitment of the base instance (``found``) on ``m``, the model of the open
    instance ``data`` describes (see the module docstring for each row)."""
    opt, units, roles = data.options, data.units, base.roles
    ids = [k.id for k in found]
    m.relax = pyo.Var(ids, domain=pyo.Binary)
    m.commitment = pyo.ConstraintList()
    rho = {i: m.relax[i] for i in ids}
    # t[r] = R(r) (1 - rho_req(r)) for roles with a requirement
    required = [r for r in roles.index if roles.at[r, "requirement"] > 0]
    m.active_required = pyo.Var(required, bounds=(0, 1))
    soft = [r for r in required if not math.isnan(roles.at[r, "shortfall_penalty"])]
    m.relaxed_shortfall = pyo.Var(soft, domain=pyo.NonNegativeReals)
    t = m.active_required
    g = _Gating(m, index, base, rho, *(opt[k].to_numpy(dtype=float) for k in ("contribution", "cost", "footprint", "ub")),
                opt["unit"].to_numpy(), units, opt["enabler_only"].to_numpy(dtype=bool), t, required, soft,
                linear([float(roles.at[r, "requirement"]) for r in required], [t[r] for r in required]),
                {n: m.contributes[n] for n in index.by_nation}, {k: m.participates[k] for k in index.by_nation_role},
                set(), {}, {a: k for k, ms in units["members"].items() for a in ms})
    for r in required:
        q = rho[f"requirement:{r}"]
        if g.R(r) is None:
            g.gate(t[r] + q == 1, f"requirement:{r}")
        else:
            g.gate(t[r] - g.R(r) <= 0)
            g.gate(t[r] + q <= 1, f"requirement:{r}")
            g.gate(t[r] - g.R(r) + q >= 0, f"requirement:{r}")
    for cm in found:
        GATES[cm.kind](g, cm)
    for (kind, unit), members in g.per_unit.items():
        g.used.update(i for i, _ in members)
        qs = [q for _, q in members]
        size = int(units.at[unit, "size"])
        xs = total(option_vars(m, index, index.by_unit.get(unit, [])))
        if kind == "must_deploy":  # sum_r x[k,r] >= |k| - sum_{a in k} rho[a]
            g.gate(xs + total(qs) >= size)
        else:  # sum_r x[k,r] <= |k| sum_{f in available(a)} y[f] + sum_{a in k} rho[a]
            rep = units.at[unit, "representative"]
            g.gate(xs - size * framework_sum(m, base.assets.at[rep, "available_under"]) - total(qs) <= 0)
    penalty = {r: float(roles.at[r, "shortfall_penalty"]) for r in soft}
    if soft:
        m.objective.set_value(m.objective.expr + linear(list(penalty.values()), [m.relaxed_shortfall[r] for r in soft]))
    kept = [k for k in found if k.id in g.used]
    return Relaxation(kept, {k.id: rho[k.id] for k in kept}, {r: m.relaxed_shortfall[r] for r in soft}, penalty)
