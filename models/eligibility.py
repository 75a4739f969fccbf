"""Index sets and coefficients of the model, computed from a validated instance.

Everything the Pyomo model needs is decided here in vectorised pandas, so the
constraint modules only read tables:

* the eligible (asset, role) pairs of MODEL.md with their contribution e(a,r),
  cost c(a,r) and footprint fp(a,r);
* the frameworks under which each asset may serve (constraint 4);
* *units*: interchangeable assets aggregated into one integer variable per
  role — or one unit per asset when aggregation is off. Two assets are
  interchangeable when the model cannot tell them apart: same nation,
  must_deploy, frameworks under constraint 4, and the same eligible roles with
  the same contribution, cost and footprint (so two battalions that differ
  only in a ready day no role's deadline separates are one unit). The model is
  the same either way: a unit of size 1 is a binary x[a,r].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from solver.domain.instance import Instance

EPS = 1e-9


@dataclass
class ModelData:
    """The model's index sets and coefficients; see the module docstring."""

    instance: Instance
    frameworks: list[str]
    vetoes: dict[str, list[str]]  # framework -> nations that veto it
    risk: dict[str, float]  # framework -> -sum ln approval_probability over its group
    units: pd.DataFrame  # index unit: nation, size, must_deploy, frameworks, all_frameworks, members
    options: pd.DataFrame  # unit, role, nation, contribution, cost, footprint, ub, enabler_only
    aggregate: bool

    @property
    def roles(self) -> pd.DataFrame:
        return self.instance.roles

    @property
    def nations(self) -> pd.DataFrame:
        return self.instance.nations


def eligible_pairs(inst: Instance) -> pd.DataFrame:
    """Every (asset, role) pair MODEL.md's eligibility rules allow, with e, c and fp."""
    assets = inst.assets.reset_index()
    by_cap = assets[["asset", "capability"]].merge(inst.capabilities, on="capability")
    by_cap = by_cap[["asset", "role", "effectiveness"]]
    over = inst.suitability.rename(
        columns={"effectiveness": "eff_override", "cost": "cost_override", "footprint": "footprint"}
    )
    p = by_cap.merge(over, on=["asset", "role"], how="outer")
    p = p.merge(assets, on="asset", how="left")
    roles = inst.roles[["needed_by", "in_theatre", "enabler", "lead_only"]].add_prefix("r_")
    p = p.merge(roles, left_on="role", right_index=True, how="left")
    nations = inst.nations[["in_theatre", "enabler_only", "lead_capable"]].add_prefix("n_")
    p = p.merge(nations, left_on="nation", right_index=True, how="left")
    ok = p["r_needed_by"].isna() | (p["ready_day"] <= p["r_needed_by"])
    ok &= ~(p["r_in_theatre"].astype(bool) & ~p["n_in_theatre"].astype(bool))
    ok &= ~p["n_enabler_only"].astype(bool) | p["r_enabler"].astype(bool)
    ok &= ~p["r_lead_only"].astype(bool) | p["n_lead_capable"].astype(bool)
    if not inst.caveats.empty:
        cav = pd.MultiIndex.from_frame(inst.caveats[["nation", "role"]])
        ok &= ~pd.MultiIndex.from_frame(p[["nation", "role"]]).isin(cav)
    p = p[ok]
    eff = p["eff_override"].fillna(p["effectiveness"]).fillna(1.0)
    out = pd.DataFrame(
        {
            "asset": p["asset"],
            "role": p["role"],
            "nation": p["nation"],
            "contribution": p["strength"] * eff,
            "cost": p["cost_override"].fillna(p["cost"]),
            "footprint": p["footprint"].fillna(p["strength"]),
            "override": p["eff_override"].notna() | p["cost_override"].notna() | p["footprint"].notna(),
        }
    )
    return out.sort_values(["asset", "role"]).reset_index(drop=True)


def consent_frameworks(inst: Instance) -> pd.Series:
    """Per asset, the frameworks under which it may serve (MODEL.md constraint 4)."""
    frameworks = list(inst.frameworks.index)
    refuse = inst.consent[~inst.consent["contributes"]]
    refused = refuse.groupby("nation")["framework"].agg(set).to_dict()
    reach = set(inst.frameworks.index[inst.frameworks["enablers_reach"]])
    enabler = inst.nations["enabler_only"]

    def allowed(nation: str, available: tuple) -> tuple:
        ok = set(available) - refused.get(nation, set())
        if enabler[nation]:
            ok &= reach
        return tuple(f for f in frameworks if f in ok)

    combos = inst.assets[["nation", "available_under"]].drop_duplicates()
    table = {(n, a): allowed(n, a) for n, a in combos.itertuples(index=False)}
    return pd.Series(
        [table[k] for k in zip(inst.assets["nation"], inst.assets["available_under"], strict=True)],
        index=inst.assets.index,
        dtype=object,
    )


def vetoes(inst: Instance) -> dict[str, list[str]]:
    """Framework -> nations of its approval group that veto it (constraint 2)."""
    out: dict[str, list[str]] = {}
    veto = inst.consent[inst.consent["approval"] == "veto"]
    for f, group in inst.frameworks["approval_group"].items():
        members = set(inst.group_members(group))
        out[f] = sorted(n for n in veto.loc[veto["framework"] == f, "nation"] if n in members)
    return out


def strength_required(inst: Instance) -> dict[str, float]:
    """Per framework f, sum of requirement(r) over the roles active under f: the force's
    required strength sum_r requirement(r) R(r) when f is chosen (constraint 10)."""
    roles = inst.roles
    return {f: float(sum(req for req, fws in zip(roles["requirement"], roles["frameworks"], strict=True)
                         if f in fws)) for f in inst.frameworks.index}


def approval_risk(inst: Instance) -> dict[str, float]:
    """risk(f) = - sum over f's approval group of ln approval_probability(n, f)."""
    c = inst.consent
    prob = dict(zip(zip(c["nation"], c["framework"], strict=True), c["approval_probability"], strict=True))
    out = {}
    for f, group in inst.frameworks["approval_group"].items():
        risk = -sum(math.log(prob.get((n, f), 1.0)) for n in inst.group_members(group))
        out[f] = risk + 0.0  # no -0.0
    return out


def _signatures(assets: pd.DataFrame, pairs: pd.DataFrame, split: pd.Series | None = None) -> np.ndarray:
    """Per asset, a code for everything the model sees of it: nation, must_deploy,
    frameworks and every eligible (role, contribution, cost, footprint). Equal
    codes mean interchangeable assets, whatever their capability or ready day.

    Each distinct pair gets two fixed random 64-bit keys; an asset's signature
    sums its pairs' keys (an order-free set hash, 128 bits, so distinct sets
    collide with negligible probability) and is vectorised for 100,000 assets.
    """
    pair_code, _ = pd.factorize(pd.MultiIndex.from_frame(pairs[["role", "contribution", "cost", "footprint"]]))
    rng = np.random.default_rng(20260101)
    keys = rng.integers(0, 2**63, size=(max(pair_code.max() + 1, 1), 2), dtype=np.uint64) if len(pairs) else np.zeros((1, 2), np.uint64)
    pos = assets.index.get_indexer(pairs["asset"])
    h = np.zeros((len(assets), 2), dtype=np.uint64)
    np.add.at(h, pos, keys[pair_code])
    count = np.bincount(pos, minlength=len(assets))
    extra = [split.reindex(assets.index).to_numpy()] if split is not None else []
    head = pd.MultiIndex.from_arrays([*extra, assets["nation"], assets["must_deploy"],
                                      assets["frameworks"].map(";".join), h[:, 0], h[:, 1], count])
    return pd.factorize(head)[0]


def _units(inst: Instance, pairs: pd.DataFrame, allowed: pd.Series, aggregate: bool,
           split: pd.Series | None = None) -> pd.DataFrame:
    """Group interchangeable assets into units, named after their first asset."""
    assets = inst.assets.copy()
    assets["frameworks"] = allowed
    assets = assets.sort_index()
    group = _signatures(assets, pairs, split) if aggregate else np.arange(len(assets))
    order = np.argsort(group, kind="stable")  # assets stay in name order within a unit
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    names_sorted = assets.index.to_numpy()[order]
    members = np.split(names_sorted, starts[1:])
    first = np.array([m[0] for m in members], dtype=object)
    size = np.array([len(m) for m in members])
    by_first = np.argsort(first, kind="stable")  # units in the order of their first asset
    members = [tuple(members[i]) for i in by_first]
    first, size = first[by_first], size[by_first]
    rep = assets.loc[first]
    names = [f if n == 1 else f"{f}_x{n}" for f, n in zip(first, size, strict=True)]
    nfw = len(inst.frameworks)
    units = pd.DataFrame(
        {
            "nation": rep["nation"].to_numpy(),
            "representative": first,
            "size": size.astype(int),
            "must_deploy": rep["must_deploy"].to_numpy().astype(bool),
            "frameworks": rep["frameworks"].to_numpy(),
            "members": pd.Series(members, dtype=object).to_numpy(),
        },
        index=pd.Index(names, name="unit"),
    )
    units["all_frameworks"] = units["frameworks"].map(len) == nfw
    return units


def upper_bounds(inst: Instance, opt: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Largest useful count of a unit in a role: size, capacity, budget, enabler share.

    Each bound is implied by a constraint of MODEL.md (6, 11, 12), so using it as
    the variable's bound and in the linking constraint x <= U w is equivalent and
    tighter than x <= size * w.
    """
    ub = units.loc[opt["unit"], "size"].to_numpy().astype(float)

    def cap(limit: np.ndarray, per_unit: np.ndarray) -> None:
        nonlocal ub
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.where((per_unit > EPS) & np.isfinite(limit), np.floor(limit / per_unit + 1e-9), np.inf)
        ub = np.minimum(ub, b)

    roles, nations = inst.roles, inst.nations
    cap(roles.loc[opt["role"], "capacity"].to_numpy(dtype=float), opt["footprint"].to_numpy())
    cap(nations.loc[opt["nation"], "budget"].to_numpy(dtype=float), opt["cost"].to_numpy())
    share = roles.loc[opt["role"], "max_enabler_share"].to_numpy(dtype=float)
    enabler_limit = share * roles.loc[opt["role"], "requirement"].to_numpy(dtype=float)
    enabler_limit = np.where(opt["enabler_only"].to_numpy() & (share < 1), enabler_limit, np.inf)  # 1: no cap
    cap(enabler_limit, opt["contribution"].to_numpy())
    return pd.Series(ub.astype(int), index=opt.index)


def model_data(inst: Instance, aggregate: bool = True, split: pd.Series | None = None) -> ModelData:
    """Compute every index set and coefficient of the model from an instance. ``split``
    (a key per asset) keeps assets with different keys in different units."""
    pairs = eligible_pairs(inst)
    allowed = consent_frameworks(inst)
    units = _units(inst, pairs, allowed, aggregate, split)
    reps = pd.Series(units.index, index=units["representative"])
    opt = pairs[pairs["asset"].isin(reps.index)].copy()
    opt.insert(0, "unit", reps.loc[opt["asset"]].to_numpy())
    opt = opt.drop(columns=["asset", "override"])
    opt["enabler_only"] = inst.nations.loc[opt["nation"], "enabler_only"].to_numpy().astype(bool)
    # Constraint 4: a unit serves in a role only under a framework it may serve under
    # and under which the role is active; with none left the option gets no variable.
    opt = opt[serving_frameworks(units.loc[opt["unit"], "frameworks"].to_numpy(),
                                 inst.roles.loc[opt["role"], "frameworks"].to_numpy()).map(len).to_numpy() > 0]
    opt["ub"] = upper_bounds(inst, opt, units)  # 0 keeps the variable, fixed at 0
    opt = opt.sort_values(["unit", "role"]).reset_index(drop=True)
    return ModelData(
        instance=inst,
        frameworks=list(inst.frameworks.index),
        vetoes=vetoes(inst),
        risk=approval_risk(inst),
        units=units,
        options=opt,
        aggregate=aggregate,
    )


def eligibility_warnings(inst: Instance, pairs: pd.DataFrame) -> list[str]:
    """Roles that no asset may fill (a planner usually wants to know before solving)."""
    filled = set(pairs["role"])
    return [
        f"role '{r}' has no eligible asset (requirement {inst.roles.loc[r, 'requirement']:g})"
        for r in inst.roles.index
        if r not in filled
    ]


def serving_frameworks(unit_frameworks, role_frameworks) -> pd.Series:
    """Per option, F(k) ∩ frameworks(r): the frameworks under which the unit may fill
    the role (constraint 4; a role not active under the chosen framework takes no asset)."""
    cache: dict[tuple, tuple] = {}
    out = []
    for a, b in zip(unit_frameworks, role_frameworks, strict=True):
        key = (a, b)
        if key not in cache:
            wanted = set(b)
            cache[key] = tuple(f for f in a if f in wanted)
        out.append(cache[key])
    return pd.Series(out, dtype=object)


def usable_under(data: ModelData, framework: str) -> np.ndarray:
    """Boolean mask of the options that may serve under a framework (constraint 4)."""
    fws = serving_frameworks(data.units.loc[data.options["unit"], "frameworks"].to_numpy(),
                             data.roles.loc[data.options["role"], "frameworks"].to_numpy())
    return np.fromiter((framework in fs for fs in fws), dtype=bool, count=len(fws))
