"""An independent reading of MODEL.md: checker, brute force and a reference MIP.

Written from the contract alone, on the typed spec of ``tests/spec.py``: it
shares no code with forcealloc (no reader, validator, eligibility, Pyomo model
or aggregation). The reference MIP is the literal per-asset formulation of
MODEL.md version 2, built as arrays for highspy: constraint 4 per (asset, role)
over F(a) ∩ frameworks(r); burden shares (10) against the required strength
sum_f strength(f) y[f]; shares of 1 set no cap (10, 12).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import highspy
import numpy as np

TOL = 1e-6


@dataclass
class Pair:
    asset: str
    role: str
    nation: str
    e: float
    c: float
    fp: float


class Ref:
    """MODEL.md's sets and coefficients, computed directly from a spec."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.N = {n["nation"]: n for n in spec["nations"]}
        self.F = {f["framework"]: f for f in spec["frameworks"]}
        self.R = {r["role"]: r for r in spec["roles"]}
        self.A = {a["asset"]: a for a in spec["assets"]}
        self.consent = {(c["nation"], c["framework"]): c for c in spec["consent"]}
        caps = {(c["capability"], c["role"]): c["effectiveness"] for c in spec["capabilities"]}
        suit = {(s["asset"], s["role"]): s for s in spec["suitability"]}
        caveats = {(c["nation"], c["role"]) for c in spec["caveats"]}
        self.pairs: list[Pair] = []
        for a, A in self.A.items():
            n = self.N[A["nation"]]
            for r, R in self.R.items():
                if (A["capability"], r) not in caps and (a, r) not in suit:
                    continue
                if R["needed_by"] is not None and A["ready_day"] > R["needed_by"]:
                    continue
                if (A["nation"], r) in caveats:
                    continue
                if R["in_theatre"] and not n["in_theatre"]:
                    continue
                if n["enabler_only"] and not R["enabler"]:
                    continue
                if R["lead_only"] and not n["lead_capable"]:
                    continue
                s = suit.get((a, r), {})
                eff = s.get("effectiveness")
                if eff is None:
                    eff = caps.get((A["capability"], r), 1.0)
                cost = s.get("cost") if s.get("cost") is not None else A["cost"]
                fp = s.get("footprint") if s.get("footprint") is not None else A["strength"]
                self.pairs.append(Pair(a, r, A["nation"], A["strength"] * eff, cost, fp))

    # -------------------------------------------------------------- definitions
    def role_frameworks(self, r: str) -> list[str]:
        fw = self.R[r]["frameworks"]
        return list(self.F) if fw is None else fw

    def group(self, f: str) -> list[str]:
        g = self.F[f]["approval_group"]
        return [] if g == "none" else [n for n, N in self.N.items() if N[g]]

    def vetoed(self, f: str) -> bool:
        return any(self.consent.get((n, f), {}).get("approval") == "veto" for n in self.group(f))

    def allowed(self, a: str) -> set[str]:
        """Frameworks under which asset a may serve (constraint 4)."""
        A = self.A[a]
        n = A["nation"]
        out = set()
        for f, F in self.F.items():
            if not self.consent.get((n, f), {}).get("contributes", True):
                continue
            if A["available_under"] is not None and f not in A["available_under"]:
                continue
            if self.N[n]["enabler_only"] and not F["enablers_reach"]:
                continue
            out.add(f)
        return out

    def required_strength(self, f: str) -> float:
        """sum_r requirement(r) R(r) under framework f (constraint 10, version 2)."""
        return sum(R["requirement"] for r, R in self.R.items() if f in self.role_frameworks(r))

    def risk(self, f: str) -> float:
        return -sum(math.log(self.consent.get((n, f), {}).get("approval_probability", 1.0)) for n in self.group(f))

    def weights(self) -> dict:
        o = self.spec["settings"].get("objective", {})
        return {"cost": o.get("cost", 1.0), "approval_risk": o.get("approval_risk", 0.0),
                "enabler_dependence": o.get("enabler_dependence", 0.0)}

    # -------------------------------------------------------------- checking
    def evaluate(self, f: str, chosen: list[Pair]) -> tuple[list[str], dict, float]:
        """Violations of constraints 1-13, the terms and the objective of an allocation."""
        bad: list[str] = []
        if f not in self.F:
            return [f"unknown framework {f}"], {}, math.nan
        if self.vetoed(f):
            bad.append(f"2: {f} vetoed")
        used: dict[str, int] = {}
        for p in chosen:
            used[p.asset] = used.get(p.asset, 0) + 1
            if f not in self.allowed(p.asset):
                bad.append(f"4: {p.asset} may not serve under {f}")
            if f not in self.role_frameworks(p.role):
                bad.append(f"4: {p.role} is not active under {f}")
        for a, k in used.items():
            if k > 1:
                bad.append(f"3: {a} used {k} times")
        for a, A in self.A.items():
            if A["must_deploy"] and used.get(a, 0) != 1:
                bad.append(f"3: {a} must deploy")
        cov = {r: 0.0 for r in self.R}
        fp = {r: 0.0 for r in self.R}
        w = set()
        for p in chosen:
            cov[p.role] += p.e
            fp[p.role] += p.fp
            w.add((p.nation, p.role))
        z = {n for n, _ in w}
        shortfall = {}
        for r, R in self.R.items():
            active = f in self.role_frameworks(r)
            need = R["requirement"] if active else 0.0
            gap = max(0.0, need - cov[r])
            if gap > TOL and R["shortfall_penalty"] is None:
                bad.append(f"5: {r} covered {cov[r]} of {need}")
            shortfall[r] = gap if R["shortfall_penalty"] is not None else 0.0
            if R["capacity"] is not None and fp[r] > R["capacity"] + TOL:
                bad.append(f"6: {r} footprint {fp[r]} > {R['capacity']}")
            nations_in = len({n for n, rr in w if rr == r})
            if nations_in < R["min_nations"] * (1 if active else 0):
                bad.append(f"8: {r} has {nations_in} nations")
            enab = sum(p.e for p in chosen if p.role == r and self.N[p.nation]["enabler_only"])
            if R["max_enabler_share"] < 1 and enab > R["max_enabler_share"] * need + TOL:
                bad.append(f"12: {r} enabler {enab}")
        breadth = self.spec["settings"].get("min_coalition_nations", 0)
        if len([n for n in z if self.N[n]["coalition"]]) < breadth:
            bad.append("9: coalition breadth")
        required = self.required_strength(f)
        for n, N in self.N.items():
            mine = sum(p.e for p in chosen if p.nation == n)
            if N["max_share"] < 1 and mine > N["max_share"] * required + TOL:
                bad.append(f"10: {n} share {mine}/{required}")
            if N["budget"] is not None and sum(p.c for p in chosen if p.nation == n) > N["budget"] + TOL:
                bad.append(f"11: {n} budget")
        for link in self.spec["links"]:
            n, t = link["nation"], link["target"]
            if n not in z:
                continue
            if link["kind"] == "requires_nation" and t not in z:
                bad.append(f"13: {n} requires nation {t}")
            if link["kind"] == "requires_role" and cov[t] < self.R[t]["requirement"] - TOL:
                bad.append(f"13: {n} requires role {t}")
        terms = {
            "cost": sum(p.c for p in chosen) + self.F[f]["setup_cost"],
            "shortfall": sum((self.R[r]["shortfall_penalty"] or 0.0) * s for r, s in shortfall.items()),
            "approval_risk": self.risk(f),
            "enabler_dependence": sum(p.e for p in chosen if self.N[p.nation]["enabler_only"]),
        }
        wts = self.weights()
        obj = (wts["cost"] * terms["cost"] + terms["shortfall"] + wts["approval_risk"] * terms["approval_risk"]
               + wts["enabler_dependence"] * terms["enabler_dependence"])
        return bad, terms, obj

    def pairs_of(self, allocation: list[tuple[str, str]]) -> list[Pair]:
        index = {(p.asset, p.role): p for p in self.pairs}
        return [index[(a, r)] for a, r in allocation]

    # -------------------------------------------------------------- brute force
    def enumerate(self) -> list[tuple[float, str, frozenset, dict]]:
        """Every feasible (objective, framework, allocation, terms), best first."""
        options = {a: [None] + [p for p in self.pairs if p.asset == a] for a in self.A}
        out = []
        for combo in itertools.product(*options.values()):
            chosen = [p for p in combo if p is not None]
            for f in self.F:
                bad, terms, obj = self.evaluate(f, chosen)
                if not bad:
                    out.append((obj, f, frozenset((p.asset, p.role) for p in chosen), terms))
        out.sort(key=lambda t: t[0])
        return out

    # -------------------------------------------------------------- reference MIP
    def optimum(self, framework: str | None = None, nation: str | None = None,
                role: str | None = None) -> tuple[str, float | None]:
        """Solve the literal per-asset MIP with highspy; ("optimal", obj) or ("infeasible", None).
        Optionally forced: this framework chosen, this nation contributing (in this role)."""
        cols: list[tuple[float, float, bool, float]] = []  # lb, ub, integer, cost

        def var(lb=0.0, ub=1.0, integer=True, cost=0.0) -> int:
            cols.append((lb, ub, integer, cost))
            return len(cols) - 1

        rows: list[tuple[dict, float, float]] = []

        def row(coef: dict, lb=-highspy.kHighsInf, ub=highspy.kHighsInf):
            rows.append((coef, lb, ub))

        wts = self.weights()
        y = {f: var(cost=wts["cost"] * F["setup_cost"] + wts["approval_risk"] * self.risk(f)) for f, F in self.F.items()}
        x = [var(cost=wts["cost"] * p.c + (wts["enabler_dependence"] * p.e if self.N[p.nation]["enabler_only"] else 0))
             for p in self.pairs]
        w = {(n, r): var() for n in self.N for r in self.R}
        z = {n: var() for n in self.N}
        s = {r: var(0, highspy.kHighsInf, False, R["shortfall_penalty"]) for r, R in self.R.items()
             if R["shortfall_penalty"] is not None}

        def add(d: dict, k: int, v: float):
            d[k] = d.get(k, 0.0) + v

        row({y[f]: 1.0 for f in self.F}, 1, 1)  # 1
        for f in self.F:  # 2
            if self.vetoed(f) or (framework is not None and f != framework):
                row({y[f]: 1.0}, 0, 0)
        for a, A in self.A.items():  # 3, 4
            mine = [i for i, p in enumerate(self.pairs) if p.asset == a]
            row({x[i]: 1.0 for i in mine}, 1 if A["must_deploy"] else -highspy.kHighsInf, 1)
            ok = self.allowed(a)
            for i in mine:  # 4: under a framework the asset may serve under AND the role is active under
                d = {x[i]: 1.0}
                for f in ok & set(self.role_frameworks(self.pairs[i].role)):
                    add(d, y[f], -1.0)
                row(d, ub=0)
        for r, R in self.R.items():
            mine = [i for i, p in enumerate(self.pairs) if p.role == r]
            d = {x[i]: self.pairs[i].e for i in mine}  # 5
            if r in s:
                d[s[r]] = 1.0
            for f in self.role_frameworks(r):
                add(d, y[f], -R["requirement"])
            row(d, lb=0)
            if R["capacity"] is not None:  # 6
                row({x[i]: self.pairs[i].fp for i in mine}, ub=R["capacity"])
            d = {w[n, r]: 1.0 for n in self.N}  # 8
            for f in self.role_frameworks(r):
                add(d, y[f], -R["min_nations"])
            row(d, lb=0)
            enab = [i for i in mine if self.N[self.pairs[i].nation]["enabler_only"]]  # 12, share < 1 only
            if enab and R["max_enabler_share"] < 1:
                d = {x[i]: self.pairs[i].e for i in enab}
                for f in self.role_frameworks(r):
                    add(d, y[f], -R["max_enabler_share"] * R["requirement"])
                row(d, ub=0)
        for n, N in self.N.items():  # 7
            for r in self.R:
                mine = [i for i, p in enumerate(self.pairs) if p.nation == n and p.role == r]
                for i in mine:
                    row({x[i]: 1.0, w[n, r]: -1.0}, ub=0)
                d = {w[n, r]: 1.0}
                for i in mine:
                    d[x[i]] = -1.0
                row(d, ub=0)
                row({w[n, r]: 1.0, z[n]: -1.0}, ub=0)
            d = {z[n]: 1.0}
            for r in self.R:
                d[w[n, r]] = -1.0
            row(d, ub=0)
            if N["max_share"] < 1:  # 10: against the required strength, share < 1 only
                share = {x[i]: p.e for i, p in enumerate(self.pairs) if p.nation == n}
                for f in self.F:
                    add(share, y[f], -N["max_share"] * self.required_strength(f))
                row(share, ub=0)
            if N["budget"] is not None:  # 11
                row({x[i]: p.c for i, p in enumerate(self.pairs) if p.nation == n}, ub=N["budget"])
        breadth = self.spec["settings"].get("min_coalition_nations", 0)
        row({z[n]: 1.0 for n, N in self.N.items() if N["coalition"]}, lb=breadth)  # 9
        if nation is not None:  # forced in: the nation contributes (to the role)
            row({(w[nation, role] if role is not None else z[nation]): 1.0}, lb=1)
        for link in self.spec["links"]:  # 13
            n, t = link["nation"], link["target"]
            if link["kind"] == "requires_nation":
                row({z[n]: 1.0, z[t]: -1.0}, ub=0)
            else:
                d = {x[i]: p.e for i, p in enumerate(self.pairs) if p.role == t}
                add(d, z[n], -self.R[t]["requirement"])
                row(d, lb=0)

        return solve_columns_rows(cols, rows)


def solve_columns_rows(cols: list, rows: list) -> tuple[str, float | None]:
    """Solve a MIP given as columns (lb, ub, integer, cost) and rows ({col: coef}, lo, hi) with
    HiGHS directly, exactly; "infeasible" only when a run without presolve agrees (HiGHS 1.16's
    presolve once called a feasible model infeasible: tests/test_presolve.py)."""
    for presolve in ("choose", "off"):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", presolve)
        lb, ub, integer, cost = (np.array(v) for v in zip(*cols, strict=True))
        h.addVars(len(cols), lb.astype(float), ub.astype(float))
        h.changeColsCost(len(cols), np.arange(len(cols)), cost.astype(float))
        h.changeColsIntegrality(len(cols), np.arange(len(cols)),
                                np.array([highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                                          for i in integer]))
        for d, lo, hi in rows:
            idx = np.array(list(d.keys()), dtype=np.int32)
            val = np.array(list(d.values()), dtype=float)
            h.addRow(lo, hi, len(idx), idx, val)
        h.run()
        st = h.getModelStatus()
        if st == highspy.HighsModelStatus.kOptimal:
            return "optimal", h.getInfo().objective_function_value
        if st not in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            raise AssertionError(f"reference model: {st}")
    return "infeasible", None
