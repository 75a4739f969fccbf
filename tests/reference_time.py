"""An independent reading of MODEL.md version 3 "Time": the per-asset time-expanded MIP.

Written from the contract on the typed spec of ``tests/spec.py`` (eligibility from
``tests/reference.Ref``, which shares no code with forcealloc), straight in highspy:
one binary per (asset, role, period) tour start, no aggregation, no Pyomo. x[a,r,t]
is the sum of the starts of the last tour(a) periods; at most one start in every
window of tour(a) + dwell(a) consecutive periods (every start of s = 1..T, cut at T);
a requires_role link through its own indicator v[n,t] (the nation serves in t).

The spec may carry ``settings.mission`` {periods, tour, dwell}, a ``phases`` list
of {role, period, requirement}, and per asset ``tour``/``dwell`` (None: the mission's).
"""

from __future__ import annotations

import csv
from pathlib import Path

import highspy
import yaml
from reference import Ref, solve_columns_rows

INF = highspy.kHighsInf


class TimeRef(Ref):
    def __init__(self, spec: dict):
        super().__init__(spec)
        mission = spec["settings"].get("mission") or {}
        self.T = int(mission.get("periods", 1))
        self.periods = list(range(1, self.T + 1))
        self.tour = {a: int(A.get("tour") or mission.get("tour", 1)) for a, A in self.A.items()}
        self.dwell = {a: int(A.get("dwell") if A.get("dwell") is not None else mission.get("dwell", 0))
                      for a, A in self.A.items()}
        self.req = {(r, t): R["requirement"] for r, R in self.R.items() for t in self.periods}
        for p in spec.get("phases", []):
            self.req[p["role"], p["period"]] = p["requirement"]

    def required_strength_time(self, f: str) -> float:
        return sum(self.req[r, t] for r in self.R for t in self.periods if f in self.role_frameworks(r))

    def optimum(self, framework: str | None = None, nation=None, role=None) -> tuple[str, float | None]:
        cols: list[tuple[float, float, bool, float]] = []

        def var(lb=0.0, ub=1.0, integer=True, cost=0.0) -> int:
            cols.append((lb, ub, integer, cost))
            return len(cols) - 1

        rows: list[tuple[dict, float, float]] = []

        def row(coef: dict, lb=-INF, ub=INF):
            rows.append((coef, lb, ub))

        def add(d: dict, k: int, v: float):
            d[k] = d.get(k, 0.0) + v

        wts, T, P = self.weights(), self.periods, self.pairs
        y = {f: var(cost=wts["cost"] * F["setup_cost"] + wts["approval_risk"] * self.risk(f)) for f, F in self.F.items()}
        b = {(i, t): var() for i in range(len(P)) for t in T}
        w = {(n, r, t): var() for n in self.N for r in self.R for t in T}
        z = {n: var() for n in self.N}
        v = {(n, t): var() for n in self.N for t in T}
        s = {(r, t): var(0, INF, False, R["shortfall_penalty"]) for r, R in self.R.items() for t in T
             if R["shortfall_penalty"] is not None}

        def x(i: int, t: int, coef: float = 1.0) -> dict:
            """x[i,t] as starts: the last tour(a) periods."""
            a = P[i].asset
            return {b[i, u]: coef for u in T if t - self.tour[a] < u <= t}

        def xsum(items) -> dict:
            d: dict = {}
            for i, t, c in items:
                for k, val in x(i, t, c).items():
                    add(d, k, val)
            return d

        # objective over periods: per-period costs and enabler contributions on x
        xcost = {}
        for i, p in enumerate(P):
            c = wts["cost"] * p.c + (wts["enabler_dependence"] * p.e if self.N[p.nation]["enabler_only"] else 0.0)
            for t in T:
                for k, val in x(i, t, c).items():
                    xcost[k] = xcost.get(k, 0.0) + val
        row({y[f]: 1.0 for f in self.F}, 1, 1)  # 1
        for f in self.F:  # 2
            if self.vetoed(f) or (framework is not None and f != framework):
                row({y[f]: 1.0}, 0, 0)
        for a, A in self.A.items():
            mine = [i for i, p in enumerate(P) if p.asset == a]
            for t in T:  # 3
                row(xsum((i, t, 1.0) for i in mine), ub=1)
            if A["must_deploy"]:  # at least one tour
                row({b[i, t]: 1.0 for i in mine for t in T}, lb=1)
            L = self.tour[a] + self.dwell[a]
            for s0 in T:  # rotation: every window of L periods, cut at T
                row({b[i, t]: 1.0 for i in mine for t in T if s0 <= t < s0 + L}, ub=1)
            ok = self.allowed(a)
            for i in mine:  # 4
                for t in T:
                    d = x(i, t)
                    for f in ok & set(self.role_frameworks(P[i].role)):
                        add(d, y[f], -1.0)
                    row(d, ub=0)
        for r, R in self.R.items():
            mine = [i for i, p in enumerate(P) if p.role == r]
            for t in T:
                d = xsum((i, t, P[i].e) for i in mine)  # 5
                if (r, t) in s:
                    d[s[r, t]] = 1.0
                for f in self.role_frameworks(r):
                    add(d, y[f], -self.req[r, t])
                row(d, lb=0)
                if R["capacity"] is not None:  # 6
                    row(xsum((i, t, P[i].fp) for i in mine), ub=R["capacity"])
                d = {w[n, r, t]: 1.0 for n in self.N}  # 8
                for f in self.role_frameworks(r):
                    add(d, y[f], -R["min_nations"])
                row(d, lb=0)
                enab = [i for i in mine if self.N[P[i].nation]["enabler_only"]]  # 12
                if enab and R["max_enabler_share"] < 1:
                    d = xsum((i, t, P[i].e) for i in enab)
                    for f in self.role_frameworks(r):
                        add(d, y[f], -R["max_enabler_share"] * self.req[r, t])
                    row(d, ub=0)
        for n, N in self.N.items():  # 7, 10, 11
            allw = {}
            for r in self.R:
                mine = [i for i, p in enumerate(P) if p.nation == n and p.role == r]
                for t in T:
                    for i in mine:
                        d = x(i, t)
                        d[w[n, r, t]] = -1.0
                        row(d, ub=0)
                    d = {k: -val for k, val in xsum((i, t, 1.0) for i in mine).items()}
                    d[w[n, r, t]] = 1.0
                    row(d, ub=0)
                    row({w[n, r, t]: 1.0, z[n]: -1.0}, ub=0)
                    row({w[n, r, t]: 1.0, v[n, t]: -1.0}, ub=0)  # v[n,t]: n serves in t
                    allw[w[n, r, t]] = -1.0
            row({z[n]: 1.0, **allw}, ub=0)
            if N["max_share"] < 1:
                d = xsum((i, t, p.e) for i, p in enumerate(P) if p.nation == n for t in T)
                for f in self.F:
                    add(d, y[f], -N["max_share"] * self.required_strength_time(f))
                row(d, ub=0)
            if N["budget"] is not None:
                for t in T:
                    row(xsum((i, t, p.c) for i, p in enumerate(P) if p.nation == n), ub=N["budget"])
        breadth = self.spec["settings"].get("min_coalition_nations", 0)
        row({z[n]: 1.0 for n, N in self.N.items() if N["coalition"]}, lb=breadth)  # 9
        for link in self.spec["links"]:  # 13
            n, g = link["nation"], link["target"]
            if link["kind"] == "requires_nation":
                row({z[n]: 1.0, z[g]: -1.0}, ub=0)
            else:
                for t in T:
                    d = xsum((i, t, p.e) for i, p in enumerate(P) if p.role == g)
                    add(d, v[n, t], -self.req[g, t])
                    row(d, lb=0)
        cols = [(lo, hi, integer, cost + xcost.get(k, 0.0)) for k, (lo, hi, integer, cost) in enumerate(cols)]
        return solve_columns_rows(cols, rows)


def write_time(spec: dict, dest: Path) -> None:
    """Add the mission, the phases and assets.tour/dwell of a spec to a folder written by write_spec."""
    dest = Path(dest)
    settings = yaml.safe_load((dest / "instance.yaml").read_text())
    if spec["settings"].get("mission"):
        settings["mission"] = spec["settings"]["mission"]
    (dest / "instance.yaml").write_text(yaml.safe_dump(settings))
    if spec.get("phases"):
        with open(dest / "phases.csv", "w", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(["role", "period", "requirement"])
            for p in spec["phases"]:
                wr.writerow([p["role"], p["period"], p["requirement"]])
    rot = {a["asset"]: (a.get("tour"), a.get("dwell")) for a in spec["assets"]}
    if any(t is not None or d is not None for t, d in rot.values()):
        with open(dest / "assets.csv", newline="") as fh:
            table = list(csv.reader(fh))
        table[0] += ["tour", "dwell"]
        for line in table[1:]:
            t, d = rot[line[0]]
            line += ["" if t is None else str(t), "" if d is None else str(d)]
        with open(dest / "assets.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(table)
