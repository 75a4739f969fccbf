"""The :class:`Solution`: what a planner reads, computed from an allocation in pandas.

Every figure is recomputed from the per-asset allocation rather than read from
the solver, so the reported objective is the one the allocation really has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.eligibility import ModelData
from solver.domain.instance import TERMS
from solver.domain.status import Status
from solver.results.money import apportion_setup

ALLOCATION_COLUMNS = ["asset", "nation", "capability", "role", "contribution", "cost", "status"]  # status: deployed / reserve
ROLE_COLUMNS = ["role", "name", "requirement", "active", "in_theatre", "required", "covered", "shortfall", "nations"]
NATION_COLUMNS = ["nation", "name", "assets", "contribution", "in_theatre", "out_of_theatre", "share", "cost"]
# evaluate adds setup_share and money (cost + setup share; solver.results.money): the column adds up to the total


@dataclass
class Solution:
    """One allocation (or the reason there is none) with its tables and figures."""

    instance: str
    status: Status
    framework: str | None = None
    objective: float | None = None
    terms: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(TERMS))
    weights: dict[str, float] = field(default_factory=dict)
    mip_gap: float | None = None
    bound: float | None = None
    allocation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALLOCATION_COLUMNS))
    roles: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROLE_COLUMNS))
    nations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NATION_COLUMNS))
    solver: dict = field(default_factory=dict)
    diagnosis: list[str] = field(default_factory=list)
    infeasibility: dict = field(default_factory=dict)
    gap_objective: float | None = None
    stages: list[dict] = field(default_factory=list)  # lexicographic stages
    units: dict[str, str] = field(default_factory=dict)  # instance.yaml units: cost, strength
    money: dict | None = None  # asset, reserve and setup costs, unweighted (solver.results.money)
    extra: dict = field(default_factory=dict)  # more keys of solution.json: thresholds, fallback, plans, held
    robust: dict | None = None  # MODEL.md v3 withdrawals (solver.results.robust)
    persistence: dict | None = None  # MODEL.md v3 re-plans (solver.results.robust)
    # MODEL.md v3 "Time", only when T > 1 (None otherwise, and absent from solution.json)
    mission: dict | None = None  # periods, period_label, tour, dwell, sustainment
    schedule: pd.DataFrame | None = None  # asset, nation, role, period, contribution, cost
    nation_periods: pd.DataFrame | None = None  # nation, period, deployed, resting, unused

    @property
    def approval_probability(self) -> float | None:
        """The chance that every member of the chosen framework's approval group agrees:
        the product of their approval probabilities, exp(-approval_risk)."""
        risk = self.terms.get("approval_risk")
        return None if risk is None or self.framework is None else math.exp(-risk)

    @property
    def total_shortfall(self) -> float:
        return float(self.roles["shortfall"].sum()) if len(self.roles) else 0.0

    def nation_roles(self) -> set[tuple[str, str]]:
        """The w vector: (nation, role) pairs with at least one asset deployed."""
        a = self.allocation
        if "status" in a.columns:
            a = a[a["status"] != "reserve"]
        return set(zip(a["nation"], a["role"], strict=True))

    def assignments(self) -> set[tuple[str, str]]:
        """The x vector: (asset, role) pairs."""
        return set(zip(self.allocation["asset"], self.allocation["role"], strict=True))

    def to_dict(self, plans: bool = True) -> dict:
        """The ``solution.json`` document (``plans`` False: one plan of Plan B, without the
        fallback keys)."""
        def records(df: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in r.items()} for r in df.to_dict("records")]

        out = {
            "instance": self.instance,
            "status": str(self.status),
            "objective": _plain(self.objective),
            "terms": {k: _plain(v) for k, v in self.terms.items()},
            "weights": self.weights,
            "mip_gap": _plain(self.mip_gap),
            "bound": _plain(self.bound),
            "framework": self.framework,
            "approval_probability": _plain(self.approval_probability),
            "units": self.units,
            "total_shortfall": _plain(self.total_shortfall) if self.status.has_solution else None,
            "money": None if self.money is None else {k: _plain(v) for k, v in self.money.items()},
            "allocation": records(self.allocation),
            "roles": records(self.roles),
            "nations": records(self.nations),
            "solver": self.solver,
        }
        if self.robust is not None:
            out["robust"] = self.robust
        if self.persistence is not None:
            out["persistence"] = self.persistence
        if self.gap_objective is not None:
            out["gap_objective"] = _plain(self.gap_objective)
        if self.stages:
            out["lexicographic"] = self.stages
        if self.mission is not None:
            out["mission"] = self.mission
            out["schedule"] = records(self.schedule) if self.schedule is not None else []
            out["nation_periods"] = records(self.nation_periods) if self.nation_periods is not None else []
        if self.diagnosis:
            out["diagnosis"] = self.diagnosis
            out["infeasibility"] = self.infeasibility
        for k, v in self.extra.items():
            if k == "plans":
                if plans:
                    out[k] = [p.to_dict(plans=False) for p in v]
            elif plans or k not in ("fallback", "fallback_reason"):
                out[k] = _clean(v)
        return out


def _clean(v):
    """Nested dicts and lists of plain values (solution.json extras)."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return _plain(v)


def _plain(v):
    """JSON-friendly scalars: numpy types to Python, integral floats kept as floats."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, float):
        return round(v, 9) + 0.0
    return v


def allocation_table(data: ModelData, counts: np.ndarray) -> pd.DataFrame:
    """Per named asset again: each unit's first members fill its roles in role order."""
    opt, units = data.options, data.units
    assets = data.instance.assets
    rows_asset, rows_opt = [], []
    used: dict[str, int] = {}
    for i in np.flatnonzero(counts > 0):
        k = opt.at[i, "unit"]
        start = used.get(k, 0)
        n = int(counts[i])
        members = units.at[k, "members"][start : start + n]
        used[k] = start + n
        rows_asset.extend(members)
        rows_opt.extend([i] * len(members))
    sel = opt.loc[rows_opt]
    alloc = pd.DataFrame(
        {
            "asset": rows_asset,
            "nation": sel["nation"].to_numpy(),
            "capability": assets.loc[rows_asset, "capability"].to_numpy() if rows_asset else [],
            "role": sel["role"].to_numpy(),
            "contribution": sel["contribution"].to_numpy(dtype=float),
            "cost": sel["cost"].to_numpy(dtype=float),
            "status": "deployed",
        },
        columns=ALLOCATION_COLUMNS,
    )
    return alloc.sort_values(["role", "nation", "asset"]).reset_index(drop=True)


def evaluate(data: ModelData, framework: str, alloc: pd.DataFrame, weights: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float], float]:
    """Role and nation tables, the objective terms and the weighted objective."""
    inst = data.instance
    roles = inst.roles
    covered = alloc.groupby("role")["contribution"].sum().reindex(roles.index, fill_value=0.0)
    who = alloc.groupby("role")["nation"].agg(lambda s: sorted(set(s))).reindex(roles.index)
    active = roles["frameworks"].map(lambda fs: framework in fs)
    required = roles["requirement"].where(active, 0.0)
    shortfall = (required - covered).clip(lower=0.0)
    shortfall = shortfall.where(shortfall > 1e-9, 0.0)
    role_tab = pd.DataFrame(
        {
            "role": roles.index,
            "name": roles["name"].to_numpy(),
            "requirement": roles["requirement"].to_numpy(dtype=float),
            "active": active.to_numpy(dtype=bool),
            "in_theatre": roles["in_theatre"].to_numpy(dtype=bool),
            "required": required.to_numpy(dtype=float),
            "covered": covered.to_numpy(dtype=float),
            "shortfall": shortfall.to_numpy(dtype=float),
            "nations": [list(v) if isinstance(v, list) else [] for v in who],
        },
        columns=ROLE_COLUMNS,
    )
    inside = roles["in_theatre"].reindex(alloc["role"]).to_numpy(dtype=bool) if len(alloc) else np.zeros(0, bool)
    alloc = alloc.assign(in_theatre=np.where(inside, alloc["contribution"], 0.0),
                         out_of_theatre=np.where(inside, 0.0, alloc["contribution"]))
    nat = alloc.groupby("nation").agg(assets=("asset", "size"), contribution=("contribution", "sum"),
                                      in_theatre=("in_theatre", "sum"), out_of_theatre=("out_of_theatre", "sum"),
                                      cost=("cost", "sum"))
    force = float(alloc["in_theatre"].sum())  # shares are of the force in theatre, not of enabler support
    nat = nat.reset_index()
    nat.insert(1, "name", inst.nations.loc[nat["nation"], "name"].to_numpy() if len(nat) else [])
    nat["share"] = nat["in_theatre"] / force if force > 0 else 0.0
    nat = nat[NATION_COLUMNS].sort_values(["in_theatre", "contribution", "nation"], ascending=[False, False, True])
    nat = nat.reset_index(drop=True)
    nat["assets"] = nat["assets"].astype(int)
    nat = apportion_setup(nations=nat, setup=float(inst.frameworks.at[framework, "setup_cost"]))

    penalty = roles["shortfall_penalty"]
    soft = penalty.notna()
    enabler = inst.nations["enabler_only"]
    terms = {
        "cost": float(alloc["cost"].sum()) + float(inst.frameworks.at[framework, "setup_cost"]),
        "shortfall": float((penalty[soft] * shortfall[soft]).sum()),
        "approval_risk": float(data.risk[framework]),
        "enabler_dependence": float(alloc.loc[enabler.loc[alloc["nation"]].to_numpy(dtype=bool), "contribution"].sum())
        if len(alloc) else 0.0,
    }
    return role_tab, nat, terms, objective_value(terms, weights)


def gap_objective(settings, terms: dict[str, float]) -> float | None:
    """For an imported GAP instance, the GAP's own objective: n P - cost (max) or cost (min)."""
    gap = settings.gap
    if not gap:
        return None
    return gap["jobs"] * gap["profit_base"] - terms["cost"] if gap["sense"] == "max" else terms["cost"]


def objective_value(terms: dict[str, float], weights: dict[str, float]) -> float:
    """cost, approval_risk and enabler_dependence weighted; shortfall at weight 1."""
    return (
        weights.get("cost", 1.0) * terms["cost"]
        + terms["shortfall"]
        + weights.get("approval_risk", 0.0) * terms["approval_risk"]
        + weights.get("enabler_dependence", 0.0) * terms["enabler_dependence"]
    )
