"""A Session: one instance's model held by HiGHS (through ``solver.adapter``), re-solved.

A :class:`Session` builds the model once and keeps it attached to one persistent
solver, so callers (alternatives, lexicographic stages, what-if batches,
explanations) change bounds, add cuts or swap the objective and re-solve
without a rebuild. It orchestrates: the adapter runs HiGHS, ``models`` builds,
``solver.retarget`` moves the model to a what-if, ``solver.lexicographic`` runs
stages, and ``solver.solution`` turns an allocation into the planner's tables.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import pyomo.environ as pyo

from models.build import build_model
from models.eligibility import ModelData, model_data
from models.objective import model_weights, objective_expression
from models.time import build_time_model, time_data, time_objective
from solver.adapter import HighsModel, RunResult, highs_version
from solver.decompose import solve_by_framework
from solver.greedy import greedy_start
from solver.instance import Instance
from solver.lexicographic import solve_stages
from solver.retarget import retarget
from solver.solution import Solution, allocation_table, evaluate, gap_objective
from solver.status import Status
from solver.timeline import time_solution

DEFAULT_TIME_LIMIT = 300.0
DEFAULT_MIP_GAP = 1e-4  # HiGHS's own default relative gap
DECOMPOSE_MIN_OPTIONS = 200  # below this the per-framework runs cost more than they save (docs/model.md)
WARM_START_MIN_OPTIONS = 1_000  # below this many assignment variables the greedy start does not pay (docs/model.md)


@dataclass(frozen=True)
class SolveOptions:
    """How to solve. The defaults are deterministic: one thread, seed 0."""

    time_limit: float = DEFAULT_TIME_LIMIT
    mip_gap: float = DEFAULT_MIP_GAP
    threads: int = 1
    seed: int = 0
    verbose: bool = False
    aggregate: bool = True
    warm_start: bool = True
    lexicographic: tuple[str, ...] | None = None  # None: as instance.yaml says
    lex_tolerance: float | None = None
    by_framework: bool = True  # solve each open framework apart, pruned by bounds (solver.decompose)
    log: TextIO | None = None  # where HiGHS progress goes with verbose (stderr)


Run = RunResult  # one run and the allocation it found: x counts per option and the framework


class Session:
    """One instance's model attached to a persistent HiGHS solver."""

    def __init__(self, instance: Instance, options: SolveOptions | None = None, data: ModelData | None = None,
                 transform: Callable[[pyo.ConcreteModel, object], object] | None = None,
                 progress: Callable[[dict], None] | None = None):
        """``transform`` edits the built model before HiGHS sees it (its result is kept as
        ``transformed``); ``progress`` is called during runs with {incumbent, bound, gap}."""
        self.options = options or SolveOptions()
        self.progress = progress
        self.split = False  # whether the running solve is split by framework (solver.decompose)
        self.instance = instance
        t0 = time.perf_counter()
        self.time = None  # MODEL.md v3 "Time": the time-phased model when T > 1 (models.time)
        if instance.settings.mission.timed:
            self.time = time_data(instance, self.options.aggregate)
            self.data = self.time.data
            t1 = time.perf_counter()
            built = build_time_model(self.time)
        else:
            self.data = data if data is not None else model_data(instance, self.options.aggregate)
            t1 = time.perf_counter()
            built = build_model(self.data)
        self.model, self.index = built.model, built.index
        self.transformed = transform(self.model, self.index) if transform is not None else None
        t2 = time.perf_counter()
        self.highs = HighsModel(self.model)
        t3 = time.perf_counter()
        self.timings = {"eligibility_s": t1 - t0, "build_s": t2 - t1, "translate_s": t3 - t2}
        m = self.model
        # x per option; with time, the tour starts per option and period (option-major)
        self.x_cols = self.highs.cols(m.start[k] for k in built.keys) if self.time is not None else \
            self.highs.cols(m.assign[k] for k in self.index.keys)
        self.y_cols = self.highs.cols(m.framework[f] for f in self.data.frameworks)
        self._cuts = 0

    def size(self) -> dict[str, int]:
        return self.highs.size()

    # ------------------------------------------------------------------ runs
    def run(self, time_limit: float | None = None, start: np.ndarray | tuple | None = None,
            relaxation: bool = False) -> Run:
        """Run HiGHS once on the model as it stands; optionally from a start allocation
        ((counts, framework) or a full column vector); with ``relaxation`` the LP only."""
        o = self.options
        if isinstance(start, tuple):
            start = self.column_values(*start)
        log = (o.log or sys.stderr) if o.verbose else None
        with self.highs.on_progress(self.progress):
            run = self.highs.run(o.time_limit if time_limit is None else time_limit, o.mip_gap, o.threads,
                                 o.seed, log, start, relaxation)
        if run.columns is not None:
            self._read_allocation(run)
        return run

    def _read_allocation(self, run: Run) -> None:
        run.counts = np.rint(run.columns[self.x_cols]).astype(np.int64)
        run.framework = self.data.frameworks[int(np.argmax(run.columns[self.y_cols]))]

    def run_from_columns(self, col: np.ndarray, message: str = "certified within the gap of an earlier bound") -> Run:
        """A Run for a known allocation that needs no search (e.g. from a solution pool)."""
        run = Run(status=Status.OPTIMAL, message=message, columns=np.asarray(col, dtype=float))
        self._read_allocation(run)
        run.objective = self.highs.objective_at(run.columns)
        return run

    def values(self, run: Run, variables) -> np.ndarray:
        """The values a run gave these Pyomo variables."""
        return run.columns[self.highs.cols(variables)]

    def column_values(self, counts: np.ndarray, framework: str) -> np.ndarray:
        """A full column vector (y, x, w, z, s) for a given allocation: a MIP start."""
        m, data = self.model, self.data
        col = np.zeros(self.highs.num_cols)
        col[self.y_cols[data.frameworks.index(framework)]] = 1.0
        col[self.x_cols] = counts
        opt = data.options
        used = opt.loc[counts > 0]
        pairs = sorted(set(zip(used["nation"], used["role"], strict=True)))
        col[self.highs.cols(m.participates[k] for k in pairs)] = 1.0
        col[self.highs.cols(m.contributes[n] for n in sorted(set(used["nation"])))] = 1.0
        contrib = opt["contribution"].to_numpy() * counts
        roles = data.roles
        covered = np.bincount(roles.index.get_indexer(opt["role"]), weights=contrib, minlength=len(roles))
        for r in m.shortfall:
            need = roles.at[r, "requirement"] if framework in roles.at[r, "frameworks"] else 0.0
            col[self.highs.col(m.shortfall[r])] = max(0.0, need - covered[roles.index.get_loc(r)])
        return col

    # ------------------------------------------------------------------ model edits
    def objective_of(self, weights: dict[str, float]):
        """The weighted sum of the given terms as a linear expression (weights by term)."""
        if self.time is not None:
            return time_objective(self.model, self.time, self.index, weights)
        return objective_expression(self.model, self.data, self.index, weights)

    def set_objective(self, expr) -> None:
        """Replace the objective (a linear expression) on the persistent model."""
        self.model.objective.set_value(expr)
        self.highs.set_objective(self.model.objective)

    def restore_objective(self) -> None:
        self.set_objective(self.objective_of(model_weights(self.instance.settings.weights)))

    def add_constraint(self, expr, prefix: str = "cut") -> pyo.Constraint:
        """Add a named constraint (a cut) to the persistent model; returns it."""
        self._cuts += 1
        con = pyo.Constraint(expr=expr)
        self.model.add_component(f"{prefix}_{self._cuts}", con)
        self.highs.add_constraints([con])
        return con

    def remove_constraint(self, con: pyo.Constraint) -> None:
        self.highs.remove_constraints([con])
        self.model.del_component(con)

    def set_bounds(self, var, lb=None, ub=None) -> None:
        if lb is not None:
            var.setlb(lb)
        if ub is not None:
            var.setub(ub)
        self.highs.update_variables([var])

    def set_bounds_many(self, changes: list[tuple[object, float | None, float | None]]) -> None:
        """Several (variable, lb, ub) bound changes pushed to HiGHS at once."""
        for var, lb, ub in changes:
            var.setlb(lb)
            var.setub(ub)
        self.highs.update_variables([v for v, _, _ in changes])

    @contextlib.contextmanager
    def forced(self, framework: str | None = None, nation: str | None = None, role: str | None = None):
        """Within the block, the model is forced: this framework chosen, this nation taking
        part (in this role). Yields False, changing nothing, when the model has no variable
        to force (the nation has no option at all, or none in the role)."""
        m, changes = self.model, []
        if framework is not None:
            changes += [(m.framework[f], 1 if f == framework else 0, m.framework[f].ub if f == framework else 0)
                        for f in self.data.frameworks]
        if nation is not None:
            var = m.participates[nation, role] if role is not None and (nation, role) in m.participates else \
                m.contributes[nation] if role is None and nation in m.contributes else None
            if var is None:
                yield False
                return
            changes.append((var, 1, 1))
        before = [(v, v.lb, v.ub) for v, _, _ in changes]
        self.set_bounds_many(changes)
        try:
            yield True
        finally:
            self.set_bounds_many(before)

    def write_model(self, path: str) -> None:
        """Write the model with its domain names (LP or MPS by extension)."""
        self.model.write(str(path), io_options={"symbolic_solver_labels": True})

    def retarget(self, inst: Instance) -> bool:
        """Take over an instance that differs only in parameters (see solver.retarget);
        False, changing nothing, when the model must be rebuilt."""
        return retarget(self, inst)

    # ------------------------------------------------------------------ results
    def solution(self, run: Run, weights: dict[str, float] | None = None) -> Solution:
        """A :class:`Solution` for a run, every figure recomputed from the allocation."""
        weights = weights or self.instance.settings.weights
        sol = Solution(instance=self.instance.name, status=run.status, weights=dict(weights),
                       solver=self.solver_info(run), units=dict(self.instance.settings.units))
        if not run.status.has_solution:
            return sol
        if self.time is not None:
            sol.mip_gap, sol.bound = run.gap, run.bound
            return time_solution(self.time, run.framework, run.counts, sol, weights)
        alloc = allocation_table(self.data, run.counts)
        roles, nations, terms, objective = evaluate(self.data, run.framework, alloc, weights)
        sol.framework, sol.allocation, sol.roles, sol.nations = run.framework, alloc, roles, nations
        sol.terms, sol.objective = terms, objective
        sol.mip_gap, sol.bound = run.gap, run.bound
        sol.gap_objective = gap_objective(self.instance.settings, terms)
        return sol

    def solver_info(self, run: Run) -> dict:
        o = self.options
        return {
            "name": "highs", "version": highs_version(), "time_s": round(run.time_s, 4), "threads": o.threads,
            "seed": o.seed, "mip_gap_tolerance": o.mip_gap, "time_limit": o.time_limit, "nodes": run.nodes,
            "lp_iterations": run.lp_iterations, "aggregate": o.aggregate, "by_framework": self.split,
            "message": run.message, **self.size(),
            **{k: round(v, 4) for k, v in self.timings.items()},
        }

    # ------------------------------------------------------------------ solve
    def solve(self) -> Solution:
        """Solve to the options' gap: weighted objective, or lexicographic stages."""
        o, s = self.options, self.instance.settings
        stages = s.lexicographic if o.lexicographic is None else o.lexicographic
        if stages:
            return solve_stages(self, tuple(stages), s.lex_tolerance if o.lex_tolerance is None else o.lex_tolerance)
        y = self.model.framework
        open_ = [f for f in self.data.frameworks if y[f].ub != 0]
        open_ = [f for f in open_ if y[f].lb == 1] or open_  # a framework held by the caller is the only one
        big = len(self.data.options) >= WARM_START_MIN_OPTIONS and self.time is None  # small: HiGHS alone
        self.timings["greedy_s"] = 0.0

        def start(frameworks: list[str]):
            t0 = time.perf_counter()
            try:
                return greedy_start(self.data, frameworks) if o.warm_start and big else None
            finally:
                self.timings["greedy_s"] += time.perf_counter() - t0

        self.split = o.by_framework and len(open_) > 1 and len(self.data.options) >= DECOMPOSE_MIN_OPTIONS
        try:
            if self.split:
                return self.solution(solve_by_framework(self, open_, start))
            return self.solution(self.run(start=start(open_)))
        finally:
            self.split = False
