"""Withdrawals (MODEL.md v3): rows that keep the plan whole when up to k nations of H leave.

Without recourse, each family is one k-sum dual per protected role (the worst
withdrawal for a role is the k nations of H that give it most, and the rows of
different roles do not interact), so the robust model is one MILP, exactly:

    R5  robust_requirement[r]:  sum_a e x - (k theta[r] + sum_{n in H} p[n,r]) + s[r] >= req(r) R(r)
        robust_share[n,r]:      p[n,r] + theta[r] >= sum_{a of n} e(a,r) x[a,r]
    R8  robust_nations[r]:      sum_n w[n,r] - (k phi[r] + sum_{n in H} q[n,r]) >= min_nations(r) R(r)
        robust_pledge[n,r]:     q[n,r] + phi[r] >= w[n,r]
    R9  robust_breadth:         sum_coalition z - (k psi + sum_{n in H, coalition} o[n]) >= min_coalition_nations
        robust_member[n]:       o[n] + psi >= z[n]

(p, q, o, theta, phi, psi >= 0: the LP dual of "the sum of the k largest").
With recourse, R5 and R8 are written once per withdrawal set W (``add_recourse``):
reserves v[k] (integer counts per unit) may then be committed, u[k,r,W] <= v[k].
R9 counts deployed nations only, so it keeps its k-sum form.

Every builder takes the rows of one role (or of the coalition) and the x, w, z
variables it counts, so a time-phased model can repeat them per period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from models.eligibility import ModelData, serving_frameworks
from models.expr import OptionIndex, framework_sum, linear, option_vars, total
from solver.io.robust_spec import withdrawal_sets

if TYPE_CHECKING:
    from solver.io.robust_spec import RobustSpec


def _rhs_scaled(m, data: ModelData, r: str, body, level):
    """body >= level * R(r) (R(r) = 1 when the role is active under every framework)."""
    if data.roles.at[r, "all_frameworks"]:
        return body >= level
    return body - level * framework_sum(m, data.roles.at[r, "frameworks"]) >= 0


def _ksum_rows(block: pyo.Block, name: str, k: int, parts: dict[str, tuple[list, list]], body_coefs: list,
               body_vars: list, level, scale) -> None:
    """body - (k t + sum_n p[n]) >= level (scaled by ``scale``), p[n] + t >= part_n, all >= 0.

    ``parts`` maps each nation of H to (coefs, vars) of what it gives; ``scale`` turns
    (body, level) into the final relation (R(r) or a plain >=)."""
    keys = sorted(parts)
    most = {n: sum(c * (v.ub if v.ub is not None else 1.0) for c, v in zip(*parts[n], strict=True)) for n in keys}
    # theta is the k-th largest part and p[n] the excess of part n over it: both bounded by the
    # largest a nation can give (valid bounds that tighten the relaxation)
    t = pyo.Var(domain=pyo.NonNegativeReals, bounds=(0, max(most.values())))
    block.add_component(f"{name}_theta", t)
    p = pyo.Var(keys, domain=pyo.NonNegativeReals, bounds=lambda _b, n: (0, most[n]))
    block.add_component(f"{name}_p", p)
    share = pyo.Constraint(keys, rule=lambda _b, n: linear([1.0, 1.0] + [-c for c in parts[n][0]],
                                                          [p[n], t, *parts[n][1]]) >= 0)
    block.add_component(f"{name}_share", share)
    body = linear(list(body_coefs) + [-float(k)] + [-1.0] * len(keys), list(body_vars) + [t] + [p[n] for n in keys])
    block.add_component(name, pyo.Constraint(expr=scale(body, level)))


def add_robust_requirement(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, r: str, k: int,
                           hesitant: Sequence[str], positions: np.ndarray | None = None) -> None:
    """R5 for role r: the requirement met after the k largest contributors of H leave."""
    pos = index.by_role.get(r, np.zeros(0, dtype=np.int64)) if positions is None else positions
    contribution = data.options["contribution"].to_numpy()
    nation = data.options["nation"].to_numpy()
    xs = option_vars(m, index, pos)
    coefs = contribution[pos].astype(float).tolist()
    h = set(hesitant)
    parts: dict[str, tuple[list, list]] = {}
    for c, v, n in zip(coefs, xs, nation[pos], strict=True):
        if n in h and c > 0:
            parts.setdefault(n, ([], []))
            parts[n][0].append(c)
            parts[n][1].append(v)
    if not parts:
        return  # nobody in H gives the role anything: R5 is constraint 5
    if r in m.shortfall:
        coefs, xs = [*coefs, 1.0], [*xs, m.shortfall[r]]
    _ksum_rows(m.robust, f"requirement_{r}", k, parts, coefs, xs, m.required[r],
               lambda body, level: _rhs_scaled(m, data, r, body, level))


def add_robust_nations(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, r: str, k: int,
                       hesitant: Sequence[str]) -> None:
    """R8 for role r: min_nations kept after the k nations of H that take part leave."""
    pledges = [(n, rr) for n, rr in index.by_nation_role if rr == r]
    h = set(hesitant)
    parts = {n: ([1.0], [m.participates[n, r]]) for n, _ in pledges if n in h}
    if not parts:
        return
    ws = [m.participates[key] for key in pledges]
    _ksum_rows(m.robust, f"nations_{r}", k, parts, [1.0] * len(ws), ws, m.min_nations_required[r],
               lambda body, level: _rhs_scaled(m, data, r, body, level))


def add_robust_breadth(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, k: int,
                       hesitant: Sequence[str]) -> None:
    """R9: the coalition keeps min_coalition_nations after k of its members in H leave
    (deployed nations only, with or without recourse)."""
    nats = data.nations
    members = [n for n in index.by_nation if nats.at[n, "coalition"]]
    h = set(hesitant)
    parts = {n: ([1.0], [m.contributes[n]]) for n in members if n in h}
    if not parts:
        return
    zs = [m.contributes[n] for n in members]
    _ksum_rows(m.robust, "breadth", k, parts, [1.0] * len(zs), zs, m.breadth_required,
               lambda body, level: body >= level)


def protected_roles(data: ModelData, spec: RobustSpec) -> list[str]:
    """Protected roles that require something or need several nations."""
    roles = data.roles
    return [r for r in spec.roles if roles.at[r, "requirement"] > 0 or roles.at[r, "min_nations"] > 0]


def add_reserves(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, spec: RobustSpec) -> list[str]:
    """v[k]: units held in reserve (x + v <= size); only units that could serve a protected role."""
    opt = data.options
    roles = set(protected_roles(data, spec))
    units = sorted(set(opt.loc[opt["role"].isin(roles), "unit"]))
    units = [k for k in units if not data.units.at[k, "must_deploy"]]
    size = data.units["size"].to_dict()
    m.robust.reserve = pyo.Var(units, domain=pyo.NonNegativeIntegers, bounds=lambda _b, k: (0, int(size[k])))
    m.robust.reserve_fits = pyo.Constraint(
        units, rule=lambda _b, k: total([*option_vars(m, index, index.by_unit.get(k, [])), m.robust.reserve[k]])
        <= int(size[k]))
    cost = data.instance.assets["cost"]
    rep = data.units["representative"]
    coefs = [spec.reserve_cost * float(cost[rep[k]]) for k in units]
    extra = m.__dict__.setdefault("_objective_extra", {})
    extra["cost"] = ([c for c in coefs if c], [m.robust.reserve[k] for k, c in zip(units, coefs, strict=True) if c])
    return units


def add_recourse_copy(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, spec: RobustSpec,
                      withdrawn: tuple[str, ...], tag: str) -> None:
    """One withdrawal set W: reserves of the nations that stay may step in (u <= v, each unit's
    reserves to at most its reserve count, eligible under the chosen framework, within capacity
    counting the assets still present); R5 and R8 count x and u."""
    opt = data.options
    gone = set(withdrawn)
    reserve = m.robust.reserve
    roles = protected_roles(data, spec)
    nation = opt["nation"].to_numpy()
    unit = opt["unit"].to_numpy()
    role = opt["role"].to_numpy()
    mask = np.isin(role, roles) & ~np.isin(nation, list(gone)) & np.isin(unit, list(reserve.index_set()))
    upos = np.flatnonzero(mask)
    blk = pyo.Block()
    m.robust.add_component(f"after_{tag}", blk)
    ukeys = [index.keys[i] for i in upos]
    size = data.units["size"].to_dict()
    blk.commit = pyo.Var(ukeys, domain=pyo.NonNegativeIntegers, bounds=lambda _b, k, r: (0, int(size[k])))
    by_unit: dict[str, list] = {}
    for k, r in ukeys:
        by_unit.setdefault(k, []).append(blk.commit[k, r])
    blk.from_reserve = pyo.Constraint(sorted(by_unit), rule=lambda _b, k: total(by_unit[k]) - reserve[k] <= 0)
    fws = serving_frameworks(data.units.loc[unit[upos], "frameworks"].to_numpy(),
                             data.roles.loc[role[upos], "frameworks"].to_numpy())
    nfw = len(data.frameworks)
    limited = [(i, key) for i, key, f in zip(upos, ukeys, fws, strict=True) if len(f) < nfw]
    served = {key: f for key, f in zip(ukeys, fws, strict=True)}
    blk.eligible = pyo.Constraint(
        [key for _, key in limited],
        rule=lambda _b, k, r: blk.commit[k, r] - int(size[k]) * framework_sum(m, served[k, r]) <= 0)
    contribution, footprint = opt["contribution"].to_numpy(), opt["footprint"].to_numpy()
    stays = ~np.isin(nation, list(gone))
    caps = data.roles["capacity"]

    def present(r, coefs):
        pos = [i for i in index.by_role.get(r, []) if stays[i]]
        ups = [j for j, key in enumerate(ukeys) if key[1] == r]
        return (linear([float(coefs[i]) for i in pos] + [float(coefs[upos[j]]) for j in ups],
                       option_vars(m, index, pos) + [blk.commit[ukeys[j]] for j in ups]))

    capped = [r for r in roles if caps[r] == caps[r] and r in index.by_role]
    blk.capacity = pyo.Constraint(capped, rule=lambda _b, r: present(r, footprint) <= m.capacity_limit[r])
    required = [r for r in roles if data.roles.at[r, "requirement"] > 0]

    def req_rule(_b, r):
        body = present(r, contribution)
        if r in m.shortfall:
            body = body + m.shortfall[r]
        return _rhs_scaled(m, data, r, body, m.required[r])

    blk.requirement = pyo.Constraint(required, rule=req_rule)
    multi = [r for r in roles if data.roles.at[r, "min_nations"] > 0]
    counted = sorted({(n, r) for n, r in index.by_nation_role if r in multi and n not in gone}
                     | {(nation[i], role[i]) for i in upos if role[i] in multi})
    blk.counts = pyo.Var(counted, domain=pyo.Binary)

    def counts_rule(_b, n, r):
        vs = [m.participates[n, r]] if (n, r) in index.by_nation_role else []
        vs += [blk.commit[key] for key in ukeys if key[1] == r and data.units.at[key[0], "nation"] == n]
        return blk.counts[n, r] - total(vs) <= 0

    blk.counts_if_present = pyo.Constraint(counted, rule=counts_rule)
    blk.nations = pyo.Constraint(
        multi, rule=lambda _b, r: _rhs_scaled(m, data, r, total(blk.counts[n, rr] for n, rr in counted if rr == r),
                                              m.min_nations_required[r]))


def add_robust(m: pyo.ConcreteModel, data: ModelData, index: OptionIndex, spec: RobustSpec,
               sets: list[tuple[str, ...]] | None = None) -> None:
    """Every withdrawal row for ``spec`` (only called with k > 0). With recourse, ``sets``
    are the withdrawal sets written out (default: all of them)."""
    m.robust = pyo.Block()
    k, h = spec.k, spec.hesitant
    roles = protected_roles(data, spec)
    if not spec.recourse:
        for r in roles:
            if data.roles.at[r, "requirement"] > 0:
                add_robust_requirement(m, data, index, r, k, h)
            if data.roles.at[r, "min_nations"] > 0:
                add_robust_nations(m, data, index, r, k, h)
    else:
        add_reserves(m, data, index, spec)
        sets = sets if sets is not None else getattr(spec, "sets", None)  # constraint generation: some sets
        for i, w in enumerate(withdrawal_sets(h, k) if sets is None else sets):
            add_recourse_copy(m, data, index, spec, w, str(i))
    if data.instance.settings.min_coalition_nations > 0:
        add_robust_breadth(m, data, index, k, h)
