"""The time-phased model of MODEL.md version 3 ("Time"), built only when T > 1.

One framework y[f] and one membership z[n] for the whole mission; per option
(unit k, role r) and period t an integer count of tour starts b[k,r,t] and of
units serving x[k,r,t] = sum of b[k,r,t'] over t - tour(k) < t' <= t (a tour that
runs past T is cut at T); w[n,r,t] and s[r,t] per period.

Interchangeable assets are one unit of size m (``models.eligibility``), split by
tour and dwell so a unit's members rotate alike. For a single asset the rotation
rule is "at most one start in every window of tour + dwell consecutive periods";
for a unit of m identical assets it becomes a count, at most m starts in every
such window. That count is exact: assigning the starts in time order, each to a
member that is rested (its last start at least tour + dwell periods before),
never runs out, because the members still busy at t are exactly those that
started in the window ending at t (``solver.results.timeline.expand`` does this and a
test checks it). The per-period "each asset at most once" (3) is implied by the
windows, since a tour is never longer than its window.

Constraint names follow the single-period model with a period index
(``requirement[land,3]``), so ``models.elastic`` works on this model unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from models.eligibility import ModelData, model_data
from models.expr import OptionIndex, framework_sum, linear, total
from models.objective import model_weights

if TYPE_CHECKING:
    from solver.domain.instance import Instance
    from solver.domain.mission import Mission


def requirements(roles: pd.DataFrame, phases: pd.DataFrame | None, periods: int) -> pd.DataFrame:
    """requirement(r, t): the roles' requirement, overridden in listed periods by ``phases``
    (rows: roles, columns: periods 1..T)."""
    req = pd.DataFrame({t: roles["requirement"].astype(float) for t in range(1, periods + 1)}, index=roles.index)
    if phases is not None and len(phases):
        for r, t, v in phases[["role", "period", "requirement"]].itertuples(index=False):
            if r in req.index and 1 <= int(t) <= periods:
                req.at[r, int(t)] = float(v)
    return req


def asset_rotation(assets: pd.DataFrame, mission: Mission) -> pd.DataFrame:
    """Per asset its tour and dwell: its own, or the mission's where the cell is blank."""
    tour = assets["tour"] if "tour" in assets.columns else pd.Series(float("nan"), index=assets.index)
    dwell = assets["dwell"] if "dwell" in assets.columns else pd.Series(float("nan"), index=assets.index)
    return pd.DataFrame({"tour": tour.fillna(mission.tour).astype(int),
                         "dwell": dwell.fillna(mission.dwell).astype(int)}, index=assets.index)


@dataclass
class TimeData:
    """Everything the time-phased model needs beyond the single-period data."""

    instance: Instance  # the instance as given (``data.instance`` holds peak requirements)
    data: ModelData  # units and options, built with each role's peak requirement (for bounds)
    mission: Mission
    requirement: pd.DataFrame  # role x period 1..T
    tour: pd.Series  # per unit, in periods
    dwell: pd.Series  # per unit, in periods

    @property
    def periods(self) -> list[int]:
        return list(range(1, self.mission.periods + 1))

    def window(self, k: str) -> int:
        """tour + dwell: the length of unit k's rotation window."""
        return int(self.tour[k] + self.dwell[k])

    def strength_required(self) -> dict[str, float]:
        """Per framework f, sum over t and the roles active under f of requirement(r,t)."""
        roles, per_role = self.instance.roles, self.requirement.sum(axis=1)
        return {f: float(sum(per_role[r] for r, fws in zip(roles.index, roles["frameworks"], strict=True)
                             if f in fws)) for f in self.instance.frameworks.index}


def time_data(inst: Instance, aggregate: bool = True) -> TimeData:
    """Units (interchangeable assets with the same tour and dwell), options and the
    requirement of every role in every period."""
    mission = inst.settings.mission
    req = requirements(inst.roles, inst.phases, mission.periods)
    peak_roles = inst.roles.copy()
    peak_roles["requirement"] = req.max(axis=1)  # bounds from the enabler share use the largest requirement
    peak = replace(inst, roles=peak_roles)
    rot = asset_rotation(inst.assets, mission)
    rot["tour"] = rot["tour"].clip(upper=mission.periods)  # a tour past T is cut at T
    key = rot["tour"].astype(str) + "/" + rot["dwell"].astype(str)
    data = model_data(peak, aggregate, split=key)
    reps = data.units["representative"]
    return TimeData(instance=inst, data=data, mission=mission, requirement=req,
                    tour=pd.Series(rot.loc[reps, "tour"].to_numpy(), index=data.units.index),
                    dwell=pd.Series(rot.loc[reps, "dwell"].to_numpy(), index=data.units.index))


@dataclass(frozen=True)
class BuiltTimeModel:
    model: pyo.ConcreteModel
    index: OptionIndex
    keys: list[tuple[str, str, int]]  # (unit, role, period) of assign/start, option-major


def _windows(periods: int, length: int) -> list[tuple[int, int]]:
    """Every window of ``length`` consecutive periods within 1..T (one window when length >= T)."""
    if length >= periods:
        return [(1, periods)]
    return [(t, t + length - 1) for t in range(1, periods - length + 2)]


def build_time_model(td: TimeData) -> BuiltTimeModel:
    """The time-phased MILP (module docstring); objective per MODEL.md."""
    data, inst = td.data, td.instance
    roles, nats, opt, units = inst.roles, inst.nations, data.options, data.units
    T = td.periods
    index = OptionIndex.of(opt)
    keys = [(k, r, t) for k, r in index.keys for t in T]
    m = pyo.ConcreteModel(name=inst.name)
    ub = opt["ub"].to_numpy().astype(int)
    ub_of = {key: int(ub[i]) for i, key in enumerate(index.keys)}
    contribution, cost = opt["contribution"].to_numpy(float), opt["cost"].to_numpy(float)
    enabler = opt["enabler_only"].to_numpy(bool)
    req = td.requirement

    # ---------------------------------------------------------------- variables
    m.framework = pyo.Var(data.frameworks, domain=pyo.Binary)
    for f, by in data.vetoes.items():
        if by:  # (2)
            m.framework[f].setub(0)
    m.start = pyo.Var(keys, domain=pyo.NonNegativeIntegers, bounds=lambda _m, k, r, t: (0, ub_of[k, r]))
    m.assign = pyo.Var(keys, domain=pyo.NonNegativeIntegers, bounds=lambda _m, k, r, t: (0, ub_of[k, r]))
    nr_keys = [(n, r, t) for n, r in index.by_nation_role for t in T]
    m.participates = pyo.Var(nr_keys, domain=pyo.Binary)
    m.contributes = pyo.Var(sorted(index.by_nation), domain=pyo.Binary)
    soft = [(r, t) for r in roles.index[roles["shortfall_penalty"].notna()] for t in T if req.at[r, t] > 0]
    m.shortfall = pyo.Var(soft, domain=pyo.NonNegativeReals)

    def x(i: int, t: int):
        k, r = index.keys[i]
        return m.assign[k, r, t]

    def xsum(coefs: np.ndarray, positions, t: int):
        positions = np.asarray(positions, dtype=np.int64)
        return linear(np.asarray(coefs, float)[positions].tolist(), [x(i, t) for i in positions])

    def scaled(r: str, body, level):
        """body >= level * R(r)."""
        if roles.at[r, "all_frameworks"]:
            return body >= level
        return body - level * framework_sum(m, roles.at[r, "frameworks"]) >= 0

    # ---------------------------------------------------------------- tours
    tour = td.tour.to_dict()

    def tour_rule(_m, k, r, t):
        began = [m.start[k, r, s] for s in range(max(1, t - tour[k] + 1), t + 1)]
        return linear([1.0] + [-1.0] * len(began), [m.assign[k, r, t], *began]) == 0

    m.tour = pyo.Constraint(keys, rule=tour_rule)
    rot_keys = [(k, a) for k in units.index if k in index.by_unit for a, _ in _windows(len(T), td.window(k))]
    ends = {k: dict(_windows(len(T), td.window(k))) for k in units.index}

    def rotation_rule(_m, k, a):
        roles_k = [index.keys[i][1] for i in index.by_unit[k]]
        return total(m.start[k, r, t] for r in roles_k for t in range(a, ends[k][a] + 1)) <= int(units.at[k, "size"])

    m.rotation = pyo.Constraint(rot_keys, rule=rotation_rule)

    # ---------------------------------------------------------------- 1, 3 (must deploy), 4
    m.one_framework = pyo.Constraint(expr=framework_sum(m, data.frameworks) == 1)
    must = [k for k in units.index if units.at[k, "must_deploy"]]

    def deploy_rule(_m, k):
        size = int(units.at[k, "size"])
        if k not in index.by_unit:  # nothing it may do: infeasible
            return linear([0.0], [m.framework[data.frameworks[0]]]) >= size
        return total(m.start[k, index.keys[i][1], t] for i in index.by_unit[k] for t in T) >= size

    m.deploy = pyo.Constraint(must, rule=deploy_rule)  # must_deploy: at least one tour per asset
    restricted = [(k, t) for k in units.index if k in index.by_unit and not units.at[k, "all_frameworks"] for t in T]
    m.consent = pyo.Constraint(restricted, rule=lambda _m, k, t: total(x(i, t) for i in index.by_unit[k])
                               - int(units.at[k, "size"]) * framework_sum(m, units.at[k, "frameworks"]) <= 0)
    inactive = [(n, r, t) for n, r in index.by_nation_role if not roles.at[r, "all_frameworks"] for t in T]
    m.role_active = pyo.Constraint(inactive, rule=lambda _m, n, r, t: m.participates[n, r, t]
                                   - framework_sum(m, roles.at[r, "frameworks"]) <= 0)

    # ---------------------------------------------------------------- 5, 6, 8
    by_role = index.by_role

    def requirement_rule(_m, r, t):
        body = xsum(contribution, by_role.get(r, []), t)
        if (r, t) in m.shortfall:
            body = body + m.shortfall[r, t]
        return scaled(r, body, float(req.at[r, t]))

    m.requirement = pyo.Constraint([(r, t) for r in roles.index for t in T if req.at[r, t] > 0],
                                   rule=requirement_rule)
    footprint = opt["footprint"].to_numpy(float)
    capped = [(r, t) for r in roles.index[roles["capacity"].notna()] if r in by_role for t in T]
    m.capacity = pyo.Constraint(capped, rule=lambda _m, r, t: xsum(footprint, by_role[r], t)
                                <= float(roles.at[r, "capacity"]))
    nations_in: dict[str, list[str]] = {}
    for n, r in index.by_nation_role:
        nations_in.setdefault(r, []).append(n)
    m.multinationality = pyo.Constraint(
        [(r, t) for r in roles.index[roles["min_nations"] > 0] for t in T],
        rule=lambda _m, r, t: scaled(r, total(m.participates[n, r, t] for n in nations_in.get(r, [])),
                                     int(roles.at[r, "min_nations"])))

    # ---------------------------------------------------------------- 7, 9, 10, 11
    position = {key: i for i, key in enumerate(index.keys)}

    def link_rule(_m, k, r, t):
        n = opt["nation"].iat[position[k, r]]
        return linear([1.0, -float(ub_of[k, r])], [m.assign[k, r, t], m.participates[n, r, t]]) <= 0

    m.assign_needs_participation = pyo.Constraint(keys, rule=link_rule)
    m.participation_needs_assign = pyo.Constraint(
        nr_keys, rule=lambda _m, n, r, t: m.participates[n, r, t]
        <= total(x(i, t) for i in index.by_nation_role[n, r]))
    m.participation_needs_nation = pyo.Constraint(
        nr_keys, rule=lambda _m, n, r, t: m.participates[n, r, t] <= m.contributes[n])
    w_of: dict[str, list] = {}
    for n, r, t in nr_keys:
        w_of.setdefault(n, []).append(m.participates[n, r, t])
    m.nation_needs_participation = pyo.Constraint(sorted(w_of), rule=lambda _m, n: m.contributes[n]
                                                  <= total(w_of[n]))
    settings = inst.settings
    if settings.min_coalition_nations > 0:
        members = [n for n in index.by_nation if nats.at[n, "coalition"]]
        m.coalition_breadth = pyo.Constraint(
            expr=total(m.contributes[n] for n in members) >= settings.min_coalition_nations)
    strength = td.strength_required()
    shared = [n for n in index.by_nation if nats.at[n, "max_share"] < 1]

    def share_rule(_m, n):
        pos = index.by_nation[n]
        body = linear([contribution[i] for t in T for i in pos], [x(i, t) for t in T for i in pos])
        share = float(nats.at[n, "max_share"])
        return body - linear([share * strength[f] for f in data.frameworks],
                             [m.framework[f] for f in data.frameworks]) <= 0

    m.burden_share = pyo.Constraint(shared, rule=share_rule)
    budgeted = [(n, t) for n in index.by_nation if not math.isnan(nats.at[n, "budget"])
                and (cost[index.by_nation[n]] > 0).any() for t in T]
    m.budget = pyo.Constraint(budgeted, rule=lambda _m, n, t: xsum(cost, index.by_nation[n], t)
                              <= float(nats.at[n, "budget"]))

    # ---------------------------------------------------------------- 12
    capped_enablers = [r for r, pos in by_role.items() if enabler[pos].any() and roles.at[r, "max_enabler_share"] < 1]

    def enabler_rule(_m, r, t):
        pos = by_role[r][enabler[by_role[r]]]
        limit = float(roles.at[r, "max_enabler_share"] * req.at[r, t])
        body = xsum(contribution, pos, t)
        if roles.at[r, "all_frameworks"]:
            return body <= limit
        return body - limit * framework_sum(m, roles.at[r, "frameworks"]) <= 0

    m.enabler_share = pyo.Constraint([(r, t) for r in sorted(capped_enablers) for t in T], rule=enabler_rule)

    # ---------------------------------------------------------------- 13
    links, active = inst.links, index.by_nation
    needs_nation = [(n, t) for n, t in links.loc[links["kind"] == "requires_nation", ["nation", "target"]]
                    .itertuples(index=False) if n in active]
    m.requires_nation = pyo.Constraint(
        needs_nation, rule=lambda _m, n, g: (m.contributes[n] <= m.contributes[g]) if g in active
        else (m.contributes[n] <= 0))
    roles_of: dict[str, list[str]] = {}
    for n, r in index.by_nation_role:
        roles_of.setdefault(n, []).append(r)
    needs_role = [(n, g, r, t) for n, g in links.loc[links["kind"] == "requires_role", ["nation", "target"]]
                  .itertuples(index=False) if n in active for t in T if req.at[g, t] > 0 for r in roles_of[n]]
    # the target is covered (by assets, not shortfall) in every period in which the nation serves
    m.requires_role = pyo.Constraint(
        needs_role, rule=lambda _m, n, g, r, t: xsum(contribution, by_role.get(g, []), t)
        - float(req.at[g, t]) * m.participates[n, r, t] >= 0)

    m.objective = pyo.Objective(expr=time_objective(m, td, index, model_weights(settings.weights)),
                                sense=pyo.minimize)
    return BuiltTimeModel(m, index, keys)


def time_objective(m: pyo.ConcreteModel, td: TimeData, index: OptionIndex, weights: dict[str, float]):
    """cost x (per-period asset costs + setup once) + shortfall penalties per period
    + approval_risk x risk once + enabler_dependence x enabler contributions per period.
    ``weights`` by term, a missing term weighs 0 (``model_weights`` gives the shortfall 1)."""
    data, fw = td.data, td.instance.frameworks
    opt = data.options
    w = {t: float(weights.get(t, 0.0)) for t in ("cost", "shortfall", "approval_risk", "enabler_dependence")}
    xc = w["cost"] * opt["cost"].to_numpy(float) + w["enabler_dependence"] * np.where(
        opt["enabler_only"].to_numpy(bool), opt["contribution"].to_numpy(float), 0.0)
    yc = [w["cost"] * float(fw.at[f, "setup_cost"]) + w["approval_risk"] * data.risk[f] for f in data.frameworks]
    coefs, variables = [], []
    for i, (k, r) in enumerate(index.keys):
        if xc[i]:
            for t in td.periods:
                coefs.append(float(xc[i]))
                variables.append(m.assign[k, r, t])
    for f, c in zip(data.frameworks, yc, strict=True):
        if c:
            coefs.append(c)
            variables.append(m.framework[f])
    if w["shortfall"]:
        roles = td.instance.roles
        for r, t in m.shortfall:
            coefs.append(w["shortfall"] * float(roles.at[r, "shortfall_penalty"]))
            variables.append(m.shortfall[r, t])
    return linear(coefs, variables)
