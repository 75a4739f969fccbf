"""A greedy allocation to offer HiGHS as a starting incumbent.

Per open framework, roles are filled in order (targets of links first, then the
scarcest) with the cheapest contribution per unit of cost, respecting what a
greedy can track as it goes: units left, variable bounds, capacities, national
budgets, burden shares, enabler shares and minimum numbers of nations. Nations
whose links are not met are dropped and the fill repeated; missing coalition
breadth is topped up with each absent nation's cheapest unit. HiGHS checks the
result against every constraint and ignores it if it breaks one: it is only a
start, but on large instances it is the difference between an answer with a
gap in seconds and no answer at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.eligibility import ModelData, usable_under

EPS = 1e-9


@dataclass
class _State:
    counts: np.ndarray
    left: dict[str, int]
    spend: dict[str, float] = field(default_factory=dict)
    contrib: dict[str, float] = field(default_factory=dict)
    footprint: dict[str, float] = field(default_factory=dict)
    enabler: dict[str, float] = field(default_factory=dict)


class _Greedy:
    def __init__(self, data: ModelData, framework: str):
        self.data, self.f = data, framework
        opt = data.options
        self.opt = opt
        self.usable = usable_under(data, framework)
        self.unit = opt["unit"].to_numpy()
        self.nation = opt["nation"].to_numpy()
        self.role = opt["role"].to_numpy()
        self.e = opt["contribution"].to_numpy(dtype=float)
        self.c = opt["cost"].to_numpy(dtype=float)
        self.fp = opt["footprint"].to_numpy(dtype=float)
        self.ub = opt["ub"].to_numpy()
        self.en = opt["enabler_only"].to_numpy()
        roles, nats = data.roles, data.nations
        self.active = {r: framework in roles.at[r, "frameworks"] for r in roles.index}
        self.need = {r: float(roles.at[r, "requirement"]) if self.active[r] else 0.0 for r in roles.index}
        est_total = sum(self.need.values())
        self.share_cap = {n: float(nats.at[n, "max_share"]) * est_total if nats.at[n, "max_share"] < 1 else math.inf
                          for n in nats.index}
        self.budget = {n: (math.inf if pd.isna(b) else float(b)) for n, b in nats["budget"].items()}
        self.capacity = {r: (math.inf if pd.isna(c) else float(c)) for r, c in roles["capacity"].items()}
        self.enabler_cap = {r: float(roles.at[r, "max_enabler_share"]) * self.need[r]
                            if roles.at[r, "max_enabler_share"] < 1 else math.inf for r in roles.index}
        self.by_role = {r: np.flatnonzero(self.usable & (self.role == r)) for r in roles.index}

    def room(self, s: _State, i: int, excluded: set[str]) -> int:
        """How many more units option i may take without breaking a tracked limit."""
        n, r = self.nation[i], self.role[i]
        if n in excluded or not self.usable[i]:
            return 0
        k = min(s.left[self.unit[i]], int(self.ub[i] - s.counts[i]))

        def limit(free: float, per: float) -> int:
            if per <= EPS or math.isinf(free):
                return k
            return int(math.floor(free / per + EPS))

        k = min(k, limit(self.budget[n] - s.spend.get(n, 0.0), self.c[i]))
        k = min(k, limit(self.capacity[r] - s.footprint.get(r, 0.0), self.fp[i]))
        k = min(k, limit(self.share_cap[n] - s.contrib.get(n, 0.0), self.e[i]))
        if self.en[i]:
            k = min(k, limit(self.enabler_cap[r] - s.enabler.get(r, 0.0), self.e[i]))
        return max(k, 0)

    def take(self, s: _State, i: int, k: int) -> None:
        n, r = self.nation[i], self.role[i]
        s.counts[i] += k
        s.left[self.unit[i]] -= k
        s.spend[n] = s.spend.get(n, 0.0) + k * self.c[i]
        s.contrib[n] = s.contrib.get(n, 0.0) + k * self.e[i]
        s.footprint[r] = s.footprint.get(r, 0.0) + k * self.fp[i]
        if self.en[i]:
            s.enabler[r] = s.enabler.get(r, 0.0) + k * self.e[i]

    def ratio(self, i: int) -> tuple:
        return (self.c[i] / self.e[i] if self.e[i] > 0 else math.inf, -self.e[i], i)

    def fill(self, excluded: set[str]) -> _State | None:
        data = self.data
        s = _State(np.zeros(len(self.opt), dtype=np.int64), data.units["size"].to_dict())
        links = data.instance.links
        targets = set(links.loc[links["kind"] == "requires_role", "target"])
        order = sorted(self.need, key=lambda r: (r not in targets, self._slack(r), r))
        for r in order:
            need = self.need[r]
            cand = sorted(self.by_role[r], key=self.ratio)
            min_n = int(data.roles.at[r, "min_nations"]) if self.active[r] else 0
            seen: set[str] = set()
            for i in cand:  # one unit from the cheapest nations first, for multinationality
                if len(seen) >= min_n:
                    break
                if self.nation[i] not in seen and self.room(s, i, excluded) > 0:
                    self.take(s, i, 1)
                    seen.add(self.nation[i])
                    need -= self.e[i]
            for i in cand:
                if need <= EPS:
                    break
                k = min(self.room(s, i, excluded), math.ceil(need / self.e[i] - EPS) if self.e[i] > 0 else 0)
                if k > 0:
                    self.take(s, i, k)
                    need -= k * self.e[i]
            if need > EPS and pd.isna(data.roles.at[r, "shortfall_penalty"]):
                return None
        units = data.units
        for k in units.index[units["must_deploy"]]:
            cand = sorted((i for i in np.flatnonzero(self.unit == k)), key=lambda i: (self.c[i], i))
            for i in cand:
                take = min(s.left[k], self.room(s, i, excluded))
                if take > 0:
                    self.take(s, i, take)
            if s.left[k] > 0:
                return None
        return s

    def _slack(self, r: str) -> float:
        need = self.need[r]
        if need <= 0:
            return math.inf
        return float((self.e * self.ub)[self.by_role[r]].sum()) / need

    def contributing(self, s: _State) -> set[str]:
        return set(self.nation[s.counts > 0])

    def broken_links(self, s: _State) -> set[str]:
        links = self.data.instance.links
        z = self.contributing(s)
        covered = {r: float((self.e * s.counts)[self.role == r].sum()) for r in self.data.roles.index}
        bad = set()
        for n, kind, t in links[["nation", "kind", "target"]].itertuples(index=False):
            if n not in z:
                continue
            if kind == "requires_nation" and t not in z:
                bad.add(n)
            if kind == "requires_role" and covered[t] < float(self.data.roles.at[t, "requirement"]) - EPS:
                bad.add(n)
        return bad

    def top_up_breadth(self, s: _State, excluded: set[str]) -> None:
        nats = self.data.nations
        want = self.data.instance.settings.min_coalition_nations
        have = {n for n in self.contributing(s) if nats.at[n, "coalition"]}
        if len(have) >= want:
            return
        cand = sorted((i for i in np.flatnonzero(self.usable) if nats.at[self.nation[i], "coalition"]),
                      key=lambda i: (self.c[i], i))
        for i in cand:
            n = self.nation[i]
            if len(have) >= want:
                break
            if n not in have and self.room(s, i, excluded) > 0:
                self.take(s, i, 1)
                have.add(n)

    def run(self) -> np.ndarray | None:
        excluded: set[str] = set()
        for _ in range(6):
            s = self.fill(excluded)
            if s is None:
                return None
            self.top_up_breadth(s, excluded)
            bad = self.broken_links(s)
            if not bad:
                return s.counts
            excluded |= bad
        return None


def greedy_start(data: ModelData, frameworks: list[str] | None = None) -> tuple[np.ndarray, str] | None:
    """The cheapest greedy (counts, framework) over the open frameworks, or None."""
    best = None
    setup = data.instance.frameworks["setup_cost"]
    cost = data.options["cost"].to_numpy()
    for f in frameworks if frameworks is not None else data.frameworks:
        if data.vetoes[f]:
            continue
        counts = _Greedy(data, f).run()
        if counts is None:
            continue
        value = float(cost @ counts) + float(setup[f])
        if best is None or value < best[0]:
            best = (value, counts, f)
    return None if best is None else (best[1], best[2])
