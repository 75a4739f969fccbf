"""The naive per-asset model: MODEL.md version 2 written literally, one binary per
(asset, role), built straight from the validated tables with highspy arrays.

It shares no model code with forcealloc (no units, no upper bounds, no greedy
start, no reformulation): the yardstick the benchmark families measure the
aggregated model against, in the same run. Constraint 4 is one row per
(asset, role) over F(a) ∩ frameworks(r); burden shares against the required
strength; shares of 1 set no cap.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
import pandas as pd

INF = highspy.kHighsInf


class _Rows:
    def __init__(self):
        self.lo, self.hi, self.starts, self.index, self.value = [], [], [0], [], []

    def add(self, cols, vals, lo=-INF, hi=INF):
        self.index.extend(int(c) for c in cols)
        self.value.extend(float(v) for v in vals)
        self.starts.append(len(self.index))
        self.lo.append(lo)
        self.hi.append(hi)


def _pairs(inst) -> pd.DataFrame:
    """Eligible (asset, role) pairs with e, c, fp, read from the tables (MODEL.md's rules)."""
    a = inst.assets.reset_index()
    by_cap = a[["asset", "capability"]].merge(inst.capabilities, on="capability")[["asset", "role", "effectiveness"]]
    suit = inst.suitability.rename(columns={"effectiveness": "eff_o", "cost": "cost_o", "footprint": "fp_o"})
    p = by_cap.merge(suit, on=["asset", "role"], how="outer").merge(a, on="asset")
    r = inst.roles
    n = inst.nations
    ok = r.loc[p["role"], "needed_by"].isna().to_numpy() | (p["ready_day"].to_numpy() <= r.loc[p["role"], "needed_by"].to_numpy())
    ok &= ~(r.loc[p["role"], "in_theatre"].to_numpy() & ~n.loc[p["nation"], "in_theatre"].to_numpy())
    ok &= ~n.loc[p["nation"], "enabler_only"].to_numpy() | r.loc[p["role"], "enabler"].to_numpy()
    ok &= ~r.loc[p["role"], "lead_only"].to_numpy() | n.loc[p["nation"], "lead_capable"].to_numpy()
    cav = set(zip(inst.caveats["nation"], inst.caveats["role"], strict=True))
    ok &= ~np.array([(x, y) in cav for x, y in zip(p["nation"], p["role"], strict=True)], dtype=bool)
    p = p[ok].reset_index(drop=True)
    eff = p["eff_o"].fillna(p["effectiveness"]).fillna(1.0)
    return pd.DataFrame({"asset": p["asset"], "role": p["role"], "nation": p["nation"], "e": p["strength"] * eff,
                         "c": p["cost_o"].fillna(p["cost"]), "fp": p["fp_o"].fillna(p["strength"])})


def build(inst) -> tuple[highspy.Highs, dict]:
    """The literal model in a Highs object; returns it and the column layout."""
    fw = list(inst.frameworks.index)
    roles, nats, assets = inst.roles, inst.nations, inst.assets
    w8 = inst.settings.weights
    p = _pairs(inst)
    c = inst.consent
    refused = set(zip(c.loc[~c["contributes"], "nation"], c.loc[~c["contributes"], "framework"], strict=True))
    veto = set(zip(c.loc[c["approval"] == "veto", "nation"], c.loc[c["approval"] == "veto", "framework"], strict=True))
    prob = {(n, f): q for n, f, q in c[["nation", "framework", "approval_probability"]].itertuples(index=False)}
    cost, lo, hi, integer = [], [], [], []

    def var(obj=0.0, lb=0.0, ub=1.0, is_int=True) -> int:
        cost.append(obj)
        lo.append(lb)
        hi.append(ub)
        integer.append(is_int)
        return len(cost) - 1

    y = {}
    for f in fw:
        group = inst.group_members(inst.frameworks.at[f, "approval_group"])
        risk = -sum(math.log(prob.get((n, f), 1.0)) for n in group)
        vetoed = any((n, f) in veto for n in group)
        y[f] = var(w8["cost"] * inst.frameworks.at[f, "setup_cost"] + w8["approval_risk"] * risk, 0, 0 if vetoed else 1)
    enab = nats.loc[p["nation"], "enabler_only"].to_numpy()
    x = [var(w8["cost"] * cc + (w8["enabler_dependence"] * ee if en else 0.0))
         for cc, ee, en in zip(p["c"], p["e"], enab, strict=True)]
    wkeys = sorted(set(zip(p["nation"], p["role"], strict=True)))
    w = {k: var() for k in wkeys}
    z = {n: var() for n in sorted(set(p["nation"]))}
    soft = [r for r in roles.index if roles.at[r, "requirement"] > 0 and not math.isnan(roles.at[r, "shortfall_penalty"])]
    s = {r: var(roles.at[r, "shortfall_penalty"], 0, INF, False) for r in soft}
    rows = _Rows()
    rows.add([y[f] for f in fw], [1.0] * len(fw), 1, 1)  # 1
    req_f = {f: sum(roles.at[r, "requirement"] for r in roles.index if f in roles.at[r, "frameworks"]) for f in fw}
    by_asset = p.groupby("asset").indices
    for a, pos in by_asset.items():  # 3
        md = bool(assets.at[a, "must_deploy"])
        rows.add([x[i] for i in pos], [1.0] * len(pos), 1 if md else -INF, 1)
    for a in assets.index[assets["must_deploy"]]:
        if a not in by_asset:
            rows.add([y[fw[0]]], [0.0], 1, 1)
    avail = assets["available_under"].to_dict()
    for i, (a, r, n) in enumerate(zip(p["asset"], p["role"], p["nation"], strict=True)):  # 4 per (asset, role)
        ok = [f for f in fw if f in avail[a] and f in roles.at[r, "frameworks"] and (n, f) not in refused
              and (not nats.at[n, "enabler_only"] or inst.frameworks.at[f, "enablers_reach"])]
        rows.add([x[i], *[y[f] for f in ok]], [1.0, *[-1.0] * len(ok)], hi=0)
    by_role = p.groupby("role").indices
    for r in roles.index:
        pos = by_role.get(r, [])
        req = roles.at[r, "requirement"]
        if req > 0:  # 5
            cols = [x[i] for i in pos] + ([s[r]] if r in s else []) + [y[f] for f in roles.at[r, "frameworks"]]
            vals = [p["e"].iat[i] for i in pos] + ([1.0] if r in s else []) + [-req] * len(roles.at[r, "frameworks"])
            rows.add(cols, vals, lo=0)
        if not math.isnan(roles.at[r, "capacity"]) and len(pos):  # 6
            rows.add([x[i] for i in pos], [p["fp"].iat[i] for i in pos], hi=roles.at[r, "capacity"])
        if roles.at[r, "min_nations"] > 0:  # 8
            ws = [w[k] for k in wkeys if k[1] == r]
            k = roles.at[r, "min_nations"]
            rows.add(ws + [y[f] for f in roles.at[r, "frameworks"]], [1.0] * len(ws) + [-k] * len(roles.at[r, "frameworks"]), lo=0)
        if roles.at[r, "max_enabler_share"] < 1:  # 12
            en = [i for i in pos if nats.at[p["nation"].iat[i], "enabler_only"]]
            if en:
                cap = roles.at[r, "max_enabler_share"] * req
                rows.add([x[i] for i in en] + [y[f] for f in roles.at[r, "frameworks"]],
                         [p["e"].iat[i] for i in en] + [-cap] * len(roles.at[r, "frameworks"]), hi=0)
    by_nr = p.groupby(["nation", "role"]).indices
    for (n, r), pos in by_nr.items():  # 7
        for i in pos:
            rows.add([x[i], w[n, r]], [1.0, -1.0], hi=0)
        rows.add([w[n, r], *[x[i] for i in pos]], [1.0, *[-1.0] * len(pos)], hi=0)
        rows.add([w[n, r], z[n]], [1.0, -1.0], hi=0)
    for n in z:
        ws = [w[k] for k in wkeys if k[0] == n]
        rows.add([z[n], *ws], [1.0, *[-1.0] * len(ws)], hi=0)
    by_nation = p.groupby("nation").indices
    for n, pos in by_nation.items():
        if nats.at[n, "max_share"] < 1:  # 10
            share = nats.at[n, "max_share"]
            rows.add([x[i] for i in pos] + [y[f] for f in fw], [p["e"].iat[i] for i in pos] + [-share * req_f[f] for f in fw],
                     hi=0)
        if not math.isnan(nats.at[n, "budget"]):  # 11
            rows.add([x[i] for i in pos], [p["c"].iat[i] for i in pos], hi=nats.at[n, "budget"])
    breadth = inst.settings.min_coalition_nations
    if breadth:  # 9
        rows.add([z[n] for n in z if nats.at[n, "coalition"]], [1.0] * sum(nats.at[n, "coalition"] for n in z), lo=breadth)
    for n, kind, t in inst.links[["nation", "kind", "target"]].itertuples(index=False):  # 13
        if n not in z:
            continue
        if kind == "requires_nation":
            if t == n:  # z <= z: nothing (and a repeated column would void the whole addRows)
                continue
            rows.add([z[n], z[t]] if t in z else [z[n]], [1.0, -1.0] if t in z else [1.0], hi=0)
        elif roles.at[t, "requirement"] > 0:
            pos = by_role.get(t, [])
            rows.add([x[i] for i in pos] + [z[n]], [p["e"].iat[i] for i in pos] + [-roles.at[t, "requirement"]], lo=0)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    nc = len(cost)
    h.addVars(nc, np.array(lo, float), np.array(hi, float))
    h.changeColsCost(nc, np.arange(nc, dtype=np.int32), np.array(cost, float))
    h.changeColsIntegrality(nc, np.arange(nc, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger if t else highspy.HighsVarType.kContinuous
                                      for t in integer]))
    status = h.addRows(len(rows.lo), np.array(rows.lo, float), np.array(rows.hi, float), len(rows.index),
              np.array(rows.starts[:-1], np.int32), np.array(rows.index, np.int32), np.array(rows.value, float))
    assert status == highspy.HighsStatus.kOk, f"the naive model's rows were refused: {status}"
    return h, {"columns": nc, "rows": len(rows.lo)}


def solve(inst, mip_gap: float = 1e-3, time_limit: float = 600.0, threads: int = 1, seed: int = 0) -> dict:
    """Build and solve; the trace of (time, incumbent, bound) gives time to 1 % and 0.1 %."""
    t0 = time.perf_counter()
    h, size = build(inst)
    t1 = time.perf_counter()
    for k, v in (("mip_rel_gap", mip_gap), ("time_limit", time_limit), ("threads", threads),
                 ("random_seed", seed)):
        h.setOptionValue(k, v)
    trace = []
    h.cbMipInterrupt.subscribe(lambda e: trace.append((time.perf_counter(), e.data_out.objective_function_value,
                                                       e.data_out.mip_dual_bound)))
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    return {"status": str(h.getModelStatus()), "objective": info.objective_function_value,
            "bound": info.mip_dual_bound, "build_s": t1 - t0, "solve_s": t2 - t1, "total_s": t2 - t0,
            "trace": [(t - t0, inc, b) for t, inc, b in trace], **size}
