"""The naive per-asset time-expanded model: MODEL.md version 3 "Time" written literally.

One binary tour start b[a,r,t] and one binary x[a,r,t] per eligible (asset, role) and
period, x = the starts of the last tour(a) periods, at most one start per asset in
every window of tour + dwell periods, every constraint per period, built straight
from the validated tables with highspy arrays (eligibility from benchmarks/naive.py).
No units, no bounds, no decomposition: the yardstick for benchmarks/time_bench.py.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np

from benchmarks.naive import INF, _pairs, _Rows
from models.time import asset_rotation, requirements


def build(inst) -> tuple[highspy.Highs, dict]:
    fw = list(inst.frameworks.index)
    roles, nats, assets = inst.roles, inst.nations, inst.assets
    mission = inst.settings.mission
    T = list(range(1, mission.periods + 1))
    req = requirements(roles, inst.phases, mission.periods)
    rot = asset_rotation(assets, mission)
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
    b = {(i, t): var() for i in range(len(p)) for t in T}
    x = {(i, t): var(w8["cost"] * p["c"].iat[i] + (w8["enabler_dependence"] * p["e"].iat[i] if enab[i] else 0.0))
         for i in range(len(p)) for t in T}
    wkeys = sorted(set(zip(p["nation"], p["role"], strict=True)))
    w = {(n, r, t): var() for n, r in wkeys for t in T}
    z = {n: var() for n in sorted(set(p["nation"]))}
    v = {(n, t): var() for n in z for t in T}
    s = {(r, t): var(roles.at[r, "shortfall_penalty"], 0, INF, False) for r in roles.index for t in T
         if req.at[r, t] > 0 and not math.isnan(roles.at[r, "shortfall_penalty"])}
    rows = _Rows()
    rows.add([y[f] for f in fw], [1.0] * len(fw), 1, 1)  # 1
    req_f = {f: sum(req.at[r, t] for r in roles.index for t in T if f in roles.at[r, "frameworks"]) for f in fw}
    by_asset = p.groupby("asset").indices
    for i in range(len(p)):  # x = starts of the last tour periods
        tour = int(rot.at[p["asset"].iat[i], "tour"])
        for t in T:
            began = [b[i, u] for u in T if t - tour < u <= t]
            rows.add([x[i, t], *began], [1.0, *[-1.0] * len(began)], 0, 0)
    for a, pos in by_asset.items():
        for t in T:  # 3
            rows.add([x[i, t] for i in pos], [1.0] * len(pos), -INF, 1)
        if bool(assets.at[a, "must_deploy"]):
            rows.add([b[i, t] for i in pos for t in T], [1.0] * (len(pos) * len(T)), 1, INF)
        L = int(rot.at[a, "tour"] + rot.at[a, "dwell"])
        for s0 in T:  # rotation
            cols = [b[i, t] for i in pos for t in T if s0 <= t < s0 + L]
            rows.add(cols, [1.0] * len(cols), -INF, 1)
    for a in assets.index[assets["must_deploy"]]:
        if a not in by_asset:
            rows.add([y[fw[0]]], [0.0], 1, 1)
    avail = assets["available_under"].to_dict()
    for i, (a, r, n) in enumerate(zip(p["asset"], p["role"], p["nation"], strict=True)):  # 4
        ok = [f for f in fw if f in avail[a] and f in roles.at[r, "frameworks"] and (n, f) not in refused
              and (not nats.at[n, "enabler_only"] or inst.frameworks.at[f, "enablers_reach"])]
        for t in T:
            rows.add([x[i, t], *[y[f] for f in ok]], [1.0, *[-1.0] * len(ok)], hi=0)
    by_role = p.groupby("role").indices
    for r in roles.index:
        pos = by_role.get(r, [])
        rf = roles.at[r, "frameworks"]
        for t in T:
            q = req.at[r, t]
            if q > 0:  # 5
                cols = [x[i, t] for i in pos] + ([s[r, t]] if (r, t) in s else []) + [y[f] for f in rf]
                vals = [p["e"].iat[i] for i in pos] + ([1.0] if (r, t) in s else []) + [-q] * len(rf)
                rows.add(cols, vals, lo=0)
            if not math.isnan(roles.at[r, "capacity"]) and len(pos):  # 6
                rows.add([x[i, t] for i in pos], [p["fp"].iat[i] for i in pos], hi=roles.at[r, "capacity"])
            if roles.at[r, "min_nations"] > 0:  # 8
                ws = [w[n, rr, t] for n, rr in wkeys if rr == r]
                k = roles.at[r, "min_nations"]
                rows.add(ws + [y[f] for f in rf], [1.0] * len(ws) + [-k] * len(rf), lo=0)
            if roles.at[r, "max_enabler_share"] < 1:  # 12
                en = [i for i in pos if nats.at[p["nation"].iat[i], "enabler_only"]]
                if en:
                    cap = roles.at[r, "max_enabler_share"] * q
                    rows.add([x[i, t] for i in en] + [y[f] for f in rf], [p["e"].iat[i] for i in en] + [-cap] * len(rf),
                             hi=0)
    by_nr = p.groupby(["nation", "role"]).indices
    for (n, r), pos in by_nr.items():  # 7
        for t in T:
            for i in pos:
                rows.add([x[i, t], w[n, r, t]], [1.0, -1.0], hi=0)
            rows.add([w[n, r, t], *[x[i, t] for i in pos]], [1.0, *[-1.0] * len(pos)], hi=0)
            rows.add([w[n, r, t], z[n]], [1.0, -1.0], hi=0)
            rows.add([w[n, r, t], v[n, t]], [1.0, -1.0], hi=0)
    for n in z:
        ws = [w[nn, r, t] for nn, r in wkeys if nn == n for t in T]
        rows.add([z[n], *ws], [1.0, *[-1.0] * len(ws)], hi=0)
    by_nation = p.groupby("nation").indices
    for n, pos in by_nation.items():
        if nats.at[n, "max_share"] < 1:  # 10 over the mission
            share = nats.at[n, "max_share"]
            rows.add([x[i, t] for i in pos for t in T] + [y[f] for f in fw],
                     [p["e"].iat[i] for i in pos for t in T] + [-share * req_f[f] for f in fw], hi=0)
        if not math.isnan(nats.at[n, "budget"]):  # 11 per period
            for t in T:
                rows.add([x[i, t] for i in pos], [p["c"].iat[i] for i in pos], hi=nats.at[n, "budget"])
    breadth = inst.settings.min_coalition_nations
    if breadth:  # 9
        rows.add([z[n] for n in z if nats.at[n, "coalition"]], [1.0] * sum(nats.at[n, "coalition"] for n in z), lo=breadth)
    for n, kind, g in inst.links[["nation", "kind", "target"]].itertuples(index=False):  # 13
        if n not in z:
            continue
        if kind == "requires_nation":
            if g == n:  # z <= z: nothing (and a repeated column would void the whole addRows)
                continue
            rows.add([z[n], z[g]] if g in z else [z[n]], [1.0, -1.0] if g in z else [1.0], hi=0)
            continue
        pos = by_role.get(g, [])
        for t in T:
            if req.at[g, t] > 0:
                rows.add([x[i, t] for i in pos] + [v[n, t]], [p["e"].iat[i] for i in pos] + [-req.at[g, t]], lo=0)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    nc = len(cost)
    h.addVars(nc, np.array(lo, float), np.array(hi, float))
    h.changeColsCost(nc, np.arange(nc, dtype=np.int32), np.array(cost, float))
    h.changeColsIntegrality(nc, np.arange(nc, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                                      for k in integer]))
    status = h.addRows(len(rows.lo), np.array(rows.lo, float), np.array(rows.hi, float), len(rows.index),
              np.array(rows.starts[:-1], np.int32), np.array(rows.index, np.int32), np.array(rows.value, float))
    if status != highspy.HighsStatus.kOk or h.getLp().num_row_ != len(rows.lo):
        raise RuntimeError(f"HiGHS refused the rows ({status})")
    return h, {"columns": nc, "rows": len(rows.lo)}


def solve(inst, mip_gap: float = 1e-3, time_limit: float = 600.0, threads: int = 1, seed: int = 0) -> dict:
    """Build and solve; the trace of (time, incumbent, bound) gives time to 1 % and 0.1 %."""
    t0 = time.perf_counter()
    h, size = build(inst)
    t1 = time.perf_counter()
    for k, val in (("mip_rel_gap", mip_gap), ("time_limit", time_limit), ("threads", threads), ("random_seed", seed)):
        h.setOptionValue(k, val)
    trace = []
    h.cbMipInterrupt.subscribe(lambda e: trace.append((time.perf_counter() - t0, e.data_out.objective_function_value,
                                                       e.data_out.mip_dual_bound)))
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    return {"status": str(h.getModelStatus()), "objective": info.objective_function_value,
            "bound": info.mip_dual_bound, "build_s": round(t1 - t0, 2), "solve_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "trace": trace, **size}
