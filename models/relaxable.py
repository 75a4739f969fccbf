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
from collections import defaultdict
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


def add_relaxation(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, base, found: list[Commitment]) -> Relaxation:
    """Gate every commitment of the base instance (``found``) on ``m``, the model of the open
    instance ``data`` describes (see the module docstring for each row)."""
    opt, units = data.options, data.units
    e, c, fp, ub = (opt[k].to_numpy(dtype=float) for k in ("contribution", "cost", "footprint", "ub"))
    unit_of = opt["unit"].to_numpy()
    roles, nations, assets = base.roles, base.nations, base.assets
    ids = [k.id for k in found]
    m.relax = pyo.Var(ids, domain=pyo.Binary)
    m.commitment = pyo.ConstraintList()
    rho = {i: m.relax[i] for i in ids}
    used: set[str] = set()  # commitments that gate a row (the rest cannot change anything here)

    def gate(row, *keys: str) -> None:
        m.commitment.add(row)
        used.update(keys)

    def R(r):  # sum of y over the role's frameworks, or 1
        return None if roles.at[r, "all_frameworks"] else framework_sum(m, roles.at[r, "frameworks"])

    # t[r] = R(r) (1 - rho_req(r)) for roles with a requirement
    required = [r for r in roles.index if roles.at[r, "requirement"] > 0]
    m.active_required = pyo.Var(required, bounds=(0, 1))
    t = m.active_required
    for r in required:
        q = rho[f"requirement:{r}"]
        if R(r) is None:
            gate(t[r] + q == 1, f"requirement:{r}")
        else:
            gate(t[r] - R(r) <= 0)
            gate(t[r] + q <= 1, f"requirement:{r}")
            gate(t[r] - R(r) + q >= 0, f"requirement:{r}")
    soft = [r for r in required if not math.isnan(roles.at[r, "shortfall_penalty"])]
    m.relaxed_shortfall = pyo.Var(soft, domain=pyo.NonNegativeReals)
    z = {n: m.contributes[n] for n in index.by_nation}
    w = {k: m.participates[k] for k in index.by_nation_role}
    required_strength = linear([float(roles.at[r, "requirement"]) for r in required], [t[r] for r in required])

    members = defaultdict(list)  # unit -> its asset commitments of a kind
    ids_of = defaultdict(list)
    unit_of_asset = {a: k for k, ms in units["members"].items() for a in ms}
    for k in found:
        if k.kind in ("must_deploy", "availability"):
            members[(k.kind, unit_of_asset[k.key["asset"]])].append(rho[k.id])
            ids_of[(k.kind, unit_of_asset[k.key["asset"]])].append(k.id)

    for cm in found:
        k, q = cm.key, rho[cm.id]
        if cm.kind == "veto":
            gate(m.framework[k["framework"]] - q <= 0, cm.id)
        elif cm.kind == "refusal" and k["nation"] in z:
            gate(z[k["nation"]] + m.framework[k["framework"]] - q <= 1, cm.id)
        elif cm.kind == "caveat" and (k["nation"], k["role"]) in w:
            gate(w[k["nation"], k["role"]] - q <= 0, cm.id)
        elif cm.kind == "link" and k["nation"] in z:
            n, target = k["nation"], k["target"]
            if k["link"] == "requires_nation":
                gate(z[n] - z.get(target, 0) - q <= 0, cm.id)
            elif roles.at[target, "requirement"] > 0:
                req = float(roles.at[target, "requirement"])
                body = option_sum(m, index, e, index.by_role.get(target, []))
                gate(body - req * z[n] + req * q + req * rho[f"requirement:{target}"] >= 0, cm.id,
                     f"requirement:{target}")
        elif cm.kind == "budget" and k["nation"] in index.by_nation:
            pos = index.by_nation[k["nation"]]
            big = float((c * ub)[pos].sum())
            gate(option_sum(m, index, c, pos) - big * q <= float(nations.at[k["nation"], "budget"]), cm.id)
        elif cm.kind == "burden_share" and k["nation"] in index.by_nation:
            pos = index.by_nation[k["nation"]]
            share = float(nations.at[k["nation"], "max_share"])
            big = float((e * ub)[pos].sum())
            gate(option_sum(m, index, e, pos) - share * required_strength - big * q <= 0, cm.id)
        elif cm.kind == "requirement":
            r = k["role"]
            body = option_sum(m, index, e, index.by_role.get(r, []))
            if r in soft:
                body = body + m.relaxed_shortfall[r]
            gate(body - float(roles.at[r, "requirement"]) * t[r] >= 0, cm.id)
        elif cm.kind == "min_nations":
            r, need = k["role"], int(roles.at[k["role"], "min_nations"])
            ws = [w[n, r] for n in index.by_nation if (n, r) in w]
            lhs = total(ws) + need * q
            gate((lhs >= need) if R(r) is None else (lhs - need * R(r) >= 0), cm.id)
        elif cm.kind == "enabler_share":
            r = k["role"]
            pos = np.asarray([p for p in index.by_role.get(r, []) if opt["enabler_only"].iat[p]], dtype=np.int64)
            if len(pos):
                share, req = float(roles.at[r, "max_enabler_share"]), float(roles.at[r, "requirement"])
                big = float((e * ub)[pos].sum())
                cap = share * req * t[r] if r in required else 0.0
                gate(option_sum(m, index, e, pos) - cap - big * q <= 0, cm.id)
        elif cm.kind == "capacity" and k["role"] in index.by_role:
            pos = index.by_role[k["role"]]
            big = float((fp * ub)[pos].sum())
            gate(option_sum(m, index, fp, pos) - big * q <= float(roles.at[k["role"], "capacity"]), cm.id)
        elif cm.kind == "readiness":
            r, day = k["role"], float(roles.at[k["role"], "needed_by"])
            for p in index.by_role.get(r, []):
                rep = units.at[unit_of[p], "representative"]
                if assets.at[rep, "ready_day"] > day:
                    gate(option_vars(m, index, [p])[0] - ub[p] * q <= 0, cm.id)
        elif cm.kind == "breadth":
            need = int(base.settings.min_coalition_nations)
            coalition = [z[n] for n in z if nations.at[n, "coalition"]]
            gate(total(coalition) + need * q >= need, cm.id)
    for (kind, unit), qs in members.items():
        used.update(ids_of[kind, unit])
        size = int(units.at[unit, "size"])
        xs = total(option_vars(m, index, index.by_unit.get(unit, [])))
        if kind == "must_deploy":
            gate(xs + total(qs) >= size)
        else:
            rep = units.at[unit, "representative"]
            avail = framework_sum(m, assets.at[rep, "available_under"])
            gate(xs - size * avail - total(qs) <= 0)
    penalty = {r: float(roles.at[r, "shortfall_penalty"]) for r in soft}
    if soft:
        m.objective.set_value(m.objective.expr + linear(list(penalty.values()), [m.relaxed_shortfall[r] for r in soft]))
    kept = [k for k in found if k.id in used]
    return Relaxation(kept, {k.id: rho[k.id] for k in kept}, {r: m.relaxed_shortfall[r] for r in soft}, penalty)
