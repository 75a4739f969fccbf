"""An independent reading of MODEL.md v3 "Withdrawals" and "Re-plans", for the tests.

Built on ``tests/reference.py`` (which shares no code with forcealloc): the literal
per-asset MIP of version 2 plus, for EVERY withdrawal set W of H with 1 <= |W| <= k,
its own copy of R5, R8 and R9 (no k-sum dual), and with recourse one copy of the
reserve commitment u[a,r,W] per set. Also brute-force answers to what a plan survives:
the worst withdrawal per role, a smallest critical set, and the chance that each role's
requirement holds, by enumerating every subset and every stay/leave outcome.
"""

from __future__ import annotations

import itertools
import math

import highspy
from reference import solve_columns_rows

from tests.reference import TOL, Ref

INF = highspy.kHighsInf


def withdrawal_sets(h: list[str], k: int) -> list[tuple[str, ...]]:
    return [w for size in range(1, min(k, len(h)) + 1) for w in itertools.combinations(sorted(h), size)]


class RobustRef(Ref):
    """Ref with hesitant nations, stay probabilities and the robust MIP."""

    def protected(self, roles: list[str] | None) -> list[str]:
        return [r for r, R in self.R.items() if R["requirement"] > 0] if roles is None else roles

    def optimum_robust(self, k: int, h: list[str], roles: list[str] | None = None, recourse: bool = False,
                       reserve_cost: float = 0.25, keep: set | None = None, change_penalty: float = 0.0,
                       max_changes: int | None = None) -> tuple[str, float | None]:
        """The robust optimum with one constraint set per withdrawal set; ("optimal", obj)."""
        prot = self.protected(roles)
        cols: list[tuple[float, float, bool, float]] = []

        def var(lb=0.0, ub=1.0, integer=True, cost=0.0) -> int:
            cols.append((lb, ub, integer, cost))
            return len(cols) - 1

        rows: list[tuple[dict, float, float]] = []

        def row(coef: dict, lb=-INF, ub=INF):
            rows.append((coef, lb, ub))

        def add(d: dict, k_: int, v: float):
            d[k_] = d.get(k_, 0.0) + v

        wts = self.weights()
        P = self.pairs
        y = {f: var(cost=wts["cost"] * F["setup_cost"] + wts["approval_risk"] * self.risk(f)) for f, F in self.F.items()}
        x = [var(cost=wts["cost"] * p.c + (wts["enabler_dependence"] * p.e if self.N[p.nation]["enabler_only"] else 0))
             for p in P]
        w = {(n, r): var() for n in self.N for r in self.R}
        z = {n: var() for n in self.N}
        s = {r: var(0, INF, False, R["shortfall_penalty"]) for r, R in self.R.items()
             if R["shortfall_penalty"] is not None}

        def active(d: dict, r: str, level: float):
            for f in self.role_frameworks(r):
                add(d, y[f], -level)

        row({y[f]: 1.0 for f in self.F}, 1, 1)
        for f in self.F:
            if self.vetoed(f):
                row({y[f]: 1.0}, 0, 0)
        for a, A in self.A.items():
            mine = [i for i, p in enumerate(P) if p.asset == a]
            row({x[i]: 1.0 for i in mine}, 1 if A["must_deploy"] else -INF, 1)
            ok = self.allowed(a)
            for i in mine:
                d = {x[i]: 1.0}
                for f in ok & set(self.role_frameworks(P[i].role)):
                    add(d, y[f], -1.0)
                row(d, ub=0)
        for r, R in self.R.items():
            mine = [i for i, p in enumerate(P) if p.role == r]
            d = {x[i]: P[i].e for i in mine}
            if r in s:
                d[s[r]] = 1.0
            active(d, r, R["requirement"])
            row(d, lb=0)
            if R["capacity"] is not None:
                row({x[i]: P[i].fp for i in mine}, ub=R["capacity"])
            d = {w[n, r]: 1.0 for n in self.N}
            active(d, r, R["min_nations"])
            row(d, lb=0)
            enab = [i for i in mine if self.N[P[i].nation]["enabler_only"]]
            if enab and R["max_enabler_share"] < 1:
                d = {x[i]: P[i].e for i in enab}
                active(d, r, R["max_enabler_share"] * R["requirement"])
                row(d, ub=0)
        for n, N in self.N.items():
            for r in self.R:
                mine = [i for i, p in enumerate(P) if p.nation == n and p.role == r]
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
            if N["max_share"] < 1:
                share = {x[i]: p.e for i, p in enumerate(P) if p.nation == n}
                for f in self.F:
                    add(share, y[f], -N["max_share"] * self.required_strength(f))
                row(share, ub=0)
            if N["budget"] is not None:
                row({x[i]: p.c for i, p in enumerate(P) if p.nation == n}, ub=N["budget"])
        breadth = self.spec["settings"].get("min_coalition_nations", 0)
        row({z[n]: 1.0 for n, N in self.N.items() if N["coalition"]}, lb=breadth)
        for link in self.spec["links"]:
            n, t = link["nation"], link["target"]
            if link["kind"] == "requires_nation":
                row({z[n]: 1.0, z[t]: -1.0}, ub=0)
            else:
                d = {x[i]: p.e for i, p in enumerate(P) if p.role == t}
                add(d, z[n], -self.R[t]["requirement"])
                row(d, lb=0)

        # ---- v3: reserves, then one constraint set per withdrawal set
        v = {}
        if recourse and k > 0:
            for a, A in self.A.items():
                mine = [i for i, p in enumerate(P) if p.asset == a]
                if not any(P[i].role in prot for i in mine):
                    continue
                v[a] = var(cost=wts["cost"] * reserve_cost * A["cost"])
                d = {x[i]: 1.0 for i in mine}
                d[v[a]] = 1.0
                row(d, ub=1)
        for W in (withdrawal_sets(h, k) if k > 0 else []):
            gone = set(W)
            u = {}
            if recourse:
                for i, p in enumerate(P):
                    if p.role in prot and p.nation not in gone and p.asset in v:
                        u[i] = var()
                        row({u[i]: 1.0, v[p.asset]: -1.0}, ub=0)
                        d = {u[i]: 1.0}
                        for f in self.allowed(p.asset) & set(self.role_frameworks(p.role)):
                            add(d, y[f], -1.0)
                        row(d, ub=0)
                for a in v:
                    mine = [i for i in u if P[i].asset == a]
                    if mine:
                        row({u[i]: 1.0 for i in mine}, ub=1)
            for r in prot:
                R = self.R[r]
                d = {x[i]: p.e for i, p in enumerate(P) if p.role == r and p.nation not in gone}
                for i in u:
                    if P[i].role == r:
                        add(d, u[i], P[i].e)
                if r in s:
                    d[s[r]] = 1.0
                active(d, r, R["requirement"])
                row(d, lb=0)
                if recourse and R["capacity"] is not None:
                    d = {x[i]: p.fp for i, p in enumerate(P) if p.role == r and p.nation not in gone}
                    for i in u:
                        if P[i].role == r:
                            add(d, u[i], P[i].fp)
                    row(d, ub=R["capacity"])
                if R["min_nations"] > 0:
                    d = {}
                    for n in self.N:
                        if n in gone:
                            continue
                        if recourse:
                            om = var()
                            e = {om: 1.0, w[n, r]: -1.0}
                            for i in u:
                                if P[i].role == r and P[i].nation == n:
                                    e[u[i]] = -1.0
                            row(e, ub=0)
                            d[om] = 1.0
                        else:
                            d[w[n, r]] = 1.0
                    active(d, r, R["min_nations"])
                    row(d, lb=0)
            row({z[n]: 1.0 for n, N in self.N.items() if N["coalition"] and n not in gone}, lb=breadth)

        # ---- re-plans: D = changed pledges
        const = 0.0
        if keep is not None:
            dcol = var(0, INF, False, change_penalty)
            d = {dcol: -1.0}
            can = {(p.nation, p.role) for p in P}
            for n, r in itertools.product(self.N, self.R):
                if (n, r) in keep:
                    if (n, r) in can:
                        add(d, w[n, r], -1.0)
                        const += 1.0
                    else:
                        const += 1.0
                else:
                    add(d, w[n, r], 1.0)
            for n, r in keep:
                if n not in self.N or r not in self.R:
                    const += 1.0
            row(d, -const, -const)
            if max_changes is not None:
                row({dcol: 1.0}, ub=max_changes)
        return self._solve(cols, rows)

    def _solve(self, cols, rows) -> tuple[str, float | None]:
        return solve_columns_rows(cols, rows)


# ------------------------------------------------------------------ brute force on a plan
def plan_contrib(rows: list[dict]) -> dict[tuple[str, str], float]:
    """(nation, role) -> contribution of the deployed rows of an allocation."""
    out: dict[tuple[str, str], float] = {}
    for a in rows:
        if a.get("status", "deployed") == "reserve":
            continue
        out[a["nation"], a["role"]] = out.get((a["nation"], a["role"]), 0.0) + a["contribution"]
    return out


def survives(ref: Ref, framework: str, contrib: dict, gone: set, roles: list[str], *, hard_only: bool) -> bool:
    """Does the deployed plan keep R5 (hard roles only when ``hard_only``), R8 and R9 after ``gone`` leave?"""
    for r in roles:
        if framework not in ref.role_frameworks(r):
            continue
        R = ref.R[r]
        left = sum(v for (n, rr), v in contrib.items() if rr == r and n not in gone)
        if (R["shortfall_penalty"] is None or not hard_only) and left < R["requirement"] - TOL:
            return False
        nations = {n for (n, rr), v in contrib.items() if rr == r and n not in gone}
        if len(nations) < R["min_nations"]:
            return False
    breadth = ref.spec["settings"].get("min_coalition_nations", 0)
    members = {n for (n, _), v in contrib.items() if ref.N[n]["coalition"] and n not in gone}
    return len(members) >= breadth


def smallest_critical(ref: Ref, framework: str, contrib: dict, h: list[str], roles: list[str]) -> int | None:
    """Size of a smallest set of H whose leaving breaks a hard requirement, min_nations or breadth."""
    for size in range(1, len(h) + 1):
        for W in itertools.combinations(sorted(h), size):
            if not survives(ref, framework, contrib, set(W), roles, hard_only=True):
                return size
    return None


def worst_left(contrib: dict, r: str, h: list[str], k: int) -> float:
    """The least cover left in role r over every W of H with |W| <= k (W empty included)."""
    best = sum(v for (n, rr), v in contrib.items() if rr == r)
    for W in withdrawal_sets(h, k):
        best = min(best, sum(v for (n, rr), v in contrib.items() if rr == r and n not in W))
    return best


def chance(contrib: dict, r: str, need: float, stay: dict[str, float]) -> float:
    """P(staying nations' deployed cover >= need) by enumerating every stay/leave outcome."""
    nations = sorted({n for (n, rr) in contrib if rr == r})
    total = 0.0
    for outcome in itertools.product((True, False), repeat=len(nations)):
        p = math.prod(stay[n] if s else 1 - stay[n] for n, s in zip(nations, outcome, strict=True))
        left = sum(contrib[n, r] for n, s in zip(nations, outcome, strict=True) if s)
        if left >= need - TOL:
            total += p
    return total
