"""Alternative allocations: k-best, per framework, near-optimal and maximally different.

HiGHS keeps no solution pool, so forcealloc builds one on the persistent model:

* **k-best**: after each allocation a no-good cut excludes its pattern at the
  chosen level (the w vector for ``nation-role``, the x vector for ``asset``)
  and the same model is re-solved from the best known remaining allocation.
  Every feasible allocation HiGHS meets along the way is kept (a callback), and
  every dual bound it proves stays valid after further cuts, so when a kept
  allocation is already within the gap of the last proven bound it is
  certified without another search. Each alternative carries the bound that
  proves it is the best remaining one at its level, to the same gap as the
  optimum; with ``mip_gap = 0`` the ranking is exact.
* **framework**: the best allocation with each framework fixed in turn; the
  frameworks that yield nothing are explained (vetoed by whom, or which roles
  fall short).
* **near-optimal** (modelling to generate alternatives): each new allocation
  keeps the objective within (1 + slack) of the optimum and maximises its
  smallest Hamming distance (nation-role vector) to every allocation found so
  far, with the sum of distances as a tie-break.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pyomo.environ as pyo

from models.eligibility import model_data
from models.expr import linear
from solver.analysis.diagnose import explain_framework
from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.engine.session import Forcing, Session, SolveOptions
from solver.results.compare import changes, describe, pattern
from solver.results.solution import Solution

LEVELS = ("nation-role", "asset", "framework")


@dataclass
class Alternative:
    rank: int
    solution: Solution
    distance: int  # to the optimum, at the chosen level
    changes: dict
    bound: float | None  # proven lower bound on any allocation not ranked above
    certified_by: str = "search"  # "search" or "pool" (within the gap of an earlier bound)
    min_distance: int | None = None  # near-optimal: to the closest earlier allocation

    @property
    def summary(self) -> str:
        """What changed against the optimum, in one line (the writers print it)."""
        return describe(self.changes) if self.changes else ""


@dataclass
class Alternatives:
    level: str
    alternatives: list[Alternative]
    unavailable: dict[str, dict] = field(default_factory=dict)
    mip_gap: float = 0.0
    note: str = ""
    timings: dict = field(default_factory=dict)
    stopped: str = ""  # why the list ends: what a planner must know before reading "only 3"

    def to_dict(self) -> dict:
        return {
            "level": self.level,
            "mip_gap": self.mip_gap,
            "ranking": self.note,
            "stopped": self.stopped,
            "alternatives": [
                {
                    "rank": a.rank,
                    **{k: v for k, v in a.solution.to_dict().items() if k in (
                        "status", "objective", "terms", "framework", "mip_gap", "allocation", "roles", "nations",
                        "money")},
                    "delta_money": _delta_money(a.solution, self.alternatives[0].solution),
                    "bound": a.bound,
                    "certified_by": a.certified_by,
                    "distance": a.distance,
                    **({"min_distance": a.min_distance} if a.min_distance is not None else {}),
                    "changes": a.changes,
                }
                for a in self.alternatives
            ],
            "unavailable": self.unavailable,
            "timings": self.timings,
        }


def _delta_money(s: Solution, best: Solution) -> float | None:
    """Money of an alternative minus the best's (instance units); the objective's
    difference is in ``changes.deltas.objective`` and is not money."""
    if s.money is None or best.money is None:
        return None
    return round(s.money["total"] - best.money["total"], 9) + 0.0


# --------------------------------------------------------------------------- the pool
class _Pool:
    """Every feasible column vector HiGHS reports while it searches (``with pool:``)."""

    def __init__(self, session: Session):
        self.session = session
        self.items: list[tuple[float | None, np.ndarray]] = []
        self._watch = session.highs.on_solution(lambda x: self.items.append((None, x)))

    def __enter__(self) -> _Pool:
        self._watch.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._watch.__exit__(*exc)

    def priced(self) -> list[tuple[float, np.ndarray]]:
        """Objective of each kept vector, computed here: the callback's own value can
        be the incumbent's rather than this solution's."""
        objective = self.session.highs.objective_at
        self.items = [(objective(x) if obj is None else obj, x) for obj, x in self.items]
        return self.items


class _Cutter:
    """No-good cuts on the w (nation-role) or x (asset) vector of a session."""

    def __init__(self, session: Session, level: str):
        self.s, self.level = session, level
        m = session.model
        if level == "asset":
            self.keys = list(session.index.keys)  # units are single assets here
            self.vars = [m.assign[k] for k in self.keys]
        else:
            self.keys = list(session.index.by_nation_role)
            self.vars = [m.participates[k] for k in self.keys]
        self.cols = session.highs.cols(self.vars)
        self.cuts: list = []

    def vector(self, col: np.ndarray) -> np.ndarray:
        return (np.rint(col[self.cols]) > 0).astype(np.int8)

    def of_solution(self, sol: Solution) -> np.ndarray:
        on = set(sol.assignments() if self.level == "asset" else sol.nation_roles())
        if self.level == "asset":
            unit_of = {a: k for k, members in self.s.data.units["members"].items() for a in members}
            on = {(unit_of[a], r) for a, r in on}
        return np.array([1 if k in on else 0 for k in self.keys], dtype=np.int8)

    def exclude(self, v: np.ndarray) -> None:
        """sum over ones (1 - v) + sum over zeros v >= 1."""
        coefs = np.where(v > 0, -1.0, 1.0)
        expr = linear(coefs.tolist(), self.vars, float(v.sum()))
        self.cuts.append(self.s.add_constraint(expr >= 1, prefix="nogood"))

    def allowed(self, v: np.ndarray, excluded: list[np.ndarray]) -> bool:
        return not any(np.array_equal(v, e) for e in excluded)

    def remove_all(self) -> None:
        for c in self.cuts:
            self.s.remove_constraint(c)
        self.cuts = []


def _lex_key(s: Session, sol: Solution) -> tuple:
    """A solution's place under lexicographic priorities: its stage terms in order, each
    rounded to the stage tolerance, then the weighted objective."""
    stages, tol = s.stages()
    key = []
    for t in stages:
        v = float(sol.terms.get(t, 0.0))
        step = max(1e-6, tol * max(1.0, abs(v)))
        key.append(round(v / step))
    return (*key, sol.objective)


def _within_gap(obj: float, bound: float, gap: float) -> bool:
    return obj - bound <= gap * max(1.0, abs(obj)) + 1e-9


# --------------------------------------------------------------------------- k-best
def k_best(instance: Instance, k: int, level: str = "nation-role", within: float | None = None,
           options: SolveOptions | None = None, session: Session | None = None,
           progress: Callable[[dict], None] | None = None, first: Solution | None = None) -> Alternatives:
    """The k best allocations that differ at ``level`` (see the module docstring). With a
    ``session`` already solved, ``first`` is its answer and is not searched again."""
    if level == "framework":
        return per_framework(instance, options, progress)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    options = options or SolveOptions()
    if level == "asset" and options.aggregate:
        options = replace(options, aggregate=False)  # the x vector is per asset
    t0 = time.perf_counter()
    s = session or Session(instance, options, progress=progress)
    pool = _Pool(s)
    cutter = _Cutter(s, level)
    found: list[Alternative] = []
    excluded: list[np.ndarray] = []
    bound = -np.inf
    limit_con = None
    cap = np.inf
    lexicographic = s.stages() is not None  # found in the instance's own order, not re-ranked
    gap = options.mip_gap
    runs = 0
    stopped = f"stopped at --k {k}"
    ordered = _order_interchangeable(s, instance) if level == "asset" else []
    try:
        with pool:
            if first is None:
                first = s.solve()  # weighted objective (or lexicographic), with the greedy start
                runs += 1
            if not first.status.has_solution:
                return Alternatives(level, [], mip_gap=gap, note=str(first.status))
            bound = first.bound if first.bound is not None else first.objective
            v = cutter.of_solution(first)
            found.append(Alternative(1, first, 0, changes(first, first), bound))
            excluded.append(v)
            if within is not None:
                cap = first.objective + within * max(1.0, abs(first.objective))
                limit_con = s.add_constraint(s.model.objective.expr <= cap, prefix="pool_gap")
            while len(found) < k:
                cutter.exclude(excluded[-1])
                cand = None if lexicographic else _best_allowed(pool, cutter, excluded, cap)
                if cand is not None and _within_gap(cand[0], bound, gap):
                    run = s.run_from_columns(cand[1])
                    certified = "pool"
                    this_bound = bound
                else:
                    # Every bound proven so far holds for the problem with more cuts: the floor
                    # says so to HiGHS, so a start within the gap of it ends the search at the root.
                    run = s.optimise(floor=None if lexicographic else bound, start=cand[1] if cand is not None else None,
                                     overrides={"by_framework": False})
                    runs += 1
                    certified = "search"
                    if run.status == Status.INFEASIBLE:
                        stopped = ("stopped at --within: nothing else lies within "
                                   f"{100 * within:g} % of the optimum" if within is not None
                                   else "no other allocation exists")
                        break
                    if not run.status.has_solution:
                        stopped = f"stopped by the solver ({run.status}: {run.message or 'no allocation'})"
                        break
                    this_bound = max(bound, run.bound if run.bound is not None else -np.inf)
                    bound = this_bound
                sol = s.solution(run)
                v = cutter.vector(run.columns)
                excluded.append(v)
                found.append(Alternative(len(found) + 1, sol, int(np.abs(v - excluded[0]).sum()),
                                         changes(first, sol), this_bound, certified))
    finally:
        cutter.remove_all()
        for con in (limit_con, *ordered):
            if con is not None:
                s.remove_constraint(con)
    if not lexicographic:
        found.sort(key=lambda a: (a.solution.objective, a.rank))
    for i, a in enumerate(found, 1):
        a.rank = i
    note = ("in the order of the lexicographic priorities, each the best left after the ones above"
            if lexicographic else "exact" if gap == 0 else
            f"exact up to the relative gap {gap:g}: allocations whose objectives differ by less may be out of order")
    return Alternatives(level, found, mip_gap=gap, note=note, stopped=stopped,
                        timings={"total_s": round(time.perf_counter() - t0, 4), "searches": runs,
                                 "from_pool": sum(a.certified_by == "pool" for a in found[1:])})


def _order_interchangeable(s: Session, instance: Instance) -> list:
    """Rows that make the per-asset model count each allocation of interchangeable assets
    once: within a class (same nation, roles, contribution, cost, footprint, frameworks),
    the assets take their roles in role order, the unassigned last. Swapping two
    identical battalions is then no alternative at the asset level."""
    m = s.model
    roles = list(s.data.roles.index)
    pos = {r: i + 1 for i, r in enumerate(roles)}
    last = len(roles) + 1
    keys, by_unit = s.index.keys, s.index.by_unit
    rows = []
    for members in model_data(instance, aggregate=True).units["members"]:
        units = [a for a in members if a in by_unit]
        for a, b in zip(units, units[1:], strict=False):
            # rank(a) <= rank(b), rank = sum_r pos(r) x[a,r] + last * (1 - sum_r x[a,r])
            xa = [m.assign[keys[i]] for i in by_unit[a]]
            xb = [m.assign[keys[i]] for i in by_unit[b]]
            ca = [pos[keys[i][1]] - last for i in by_unit[a]]
            cb = [last - pos[keys[i][1]] for i in by_unit[b]]
            rows.append(s.add_constraint(linear(ca + cb, xa + xb) <= 0, prefix="interchangeable"))
    return rows


def _best_allowed(pool: _Pool, cutter: _Cutter, excluded: list[np.ndarray], cap: float = np.inf):
    best = None
    for obj, col in pool.priced():
        if obj > cap or (best is not None and obj >= best[0]):
            continue
        if cutter.allowed(cutter.vector(col), excluded):
            best = (obj, col)
    return best


# --------------------------------------------------------------------------- per framework
def per_framework(instance: Instance, options: SolveOptions | None = None,
                  progress: Callable[[dict], None] | None = None) -> Alternatives:
    """The best allocation under each framework; the others explained."""
    options = options or SolveOptions()
    t0 = time.perf_counter()
    s = Session(instance, options, progress=progress)
    found: list[Alternative] = []
    unavailable: dict[str, dict] = {}
    for f in s.data.frameworks:
        if s.data.vetoes[f]:
            unavailable[f] = {"reason": "vetoed", "vetoed_by": s.data.vetoes[f], "roles": []}
            continue
        sol = s.solve(forcing=Forcing(framework=f))
        if sol.status.has_solution:
            found.append(Alternative(0, sol, 0, {}, sol.bound))
        else:
            reasons = explain_framework(s, f) if sol.status == Status.INFEASIBLE else []
            unavailable[f] = {"reason": str(sol.status), "vetoed_by": [], "roles": reasons}
    if s.stages() is None:
        found.sort(key=lambda a: (a.solution.objective, a.solution.framework))
    else:  # the instance's own priorities decide which framework is best
        found.sort(key=lambda a: (_lex_key(s, a.solution), a.solution.framework))
    best = found[0].solution if found else None
    for i, a in enumerate(found, 1):
        a.rank = i
        a.changes = changes(best, a.solution)
        a.distance = len(pattern(best, "nation-role") ^ pattern(a.solution, "nation-role"))
    return Alternatives("framework", found, unavailable, options.mip_gap,
                        note="one allocation per framework, each optimal under its framework",
                        timings={"total_s": round(time.perf_counter() - t0, 4)})


# --------------------------------------------------------------------------- near-optimal
def near_optimal(instance: Instance, slack: float = 0.05, count: int = 5,
                 options: SolveOptions | None = None, progress: Callable[[dict], None] | None = None) -> Alternatives:
    """Allocations within (1 + slack) of the optimum, each as different as possible."""
    options = options or SolveOptions()
    t0 = time.perf_counter()
    s = Session(instance, options, progress=progress)
    m = s.model
    first = s.solve()
    if not first.status.has_solution:
        return Alternatives("near-optimal", [], mip_gap=options.mip_gap, note=str(first.status))
    cutter = _Cutter(s, "nation-role")
    found_vecs = [cutter.of_solution(first)]
    found = [Alternative(1, first, 0, changes(first, first), first.bound, min_distance=None)]
    cap = first.objective + slack * max(1.0, abs(first.objective))
    added = [s.add_constraint(m.objective.expr <= cap, prefix="mga_budget")]
    m.mga_t = pyo.Var(domain=pyo.NonNegativeReals, bounds=(0, len(cutter.vars)))  # reaches HiGHS with its first row
    total = np.zeros(len(cutter.vars))
    const = 0.0
    stopped = f"stopped at --count {count}"
    try:
        for _ in range(count):
            last = found_vecs[-1]
            coefs = np.where(last > 0, -1.0, 1.0)  # distance(w, last) = coefs . w + |last|
            added.append(s.add_constraint(
                linear([*coefs.tolist(), -1.0], [*cutter.vars, m.mga_t], float(last.sum())) >= 0, prefix="mga_min"))
            total += coefs
            const += float(last.sum())
            cutter.exclude(last)
            eps = 1.0 / (len(found_vecs) * len(cutter.vars) + 1)  # the sum only breaks ties in t
            s.set_objective(linear([-1.0, *(-eps * total).tolist()], [m.mga_t, *cutter.vars], -eps * const))
            run = s.run()
            if not run.status.has_solution:
                stopped = (f"no other allocation within {100 * slack:g} % of the optimum"
                           if run.status == Status.INFEASIBLE else f"stopped by the solver ({run.status})")
                break
            v = cutter.vector(run.columns)
            dmin = int(min(np.abs(v - w).sum() for w in found_vecs))
            if dmin == 0:
                stopped = f"no other allocation within {100 * slack:g} % of the optimum"
                break
            sol = s.solution(run)
            found_vecs.append(v)
            found.append(Alternative(len(found) + 1, sol, int(np.abs(v - found_vecs[0]).sum()),
                                     changes(first, sol), None, "search", dmin))
    finally:
        cutter.remove_all()
        for c in added:
            s.remove_constraint(c)
        s.restore_objective()  # the variable leaves HiGHS with its last row
        m.del_component(m.mga_t)
    found[1:] = sorted(found[1:], key=lambda a: (a.solution.objective, a.rank))
    for i, a in enumerate(found, 1):
        a.rank = i
    return Alternatives("near-optimal", found, mip_gap=options.mip_gap, stopped=stopped,
                        note=f"each within {slack:.1%} of the optimum, maximising its distance to those found before",
                        timings={"total_s": round(time.perf_counter() - t0, 4)})


__all__ = ["LEVELS", "Alternative", "Alternatives", "describe", "k_best", "near_optimal", "per_framework"]
