"""The engine: one instance's model held by one persistent HiGHS (``solver.engine.adapter``).

An :class:`Engine` builds the model once and keeps it attached to one persistent
solver. Every question re-solves it through :meth:`Engine.search`: a forcing
(framework, nation, role), an objective (weights by term), a floor (a proven
bound kept as a row) and option overrides are applied for that one search and
undone after it; rows a caller adds for longer (no-good cuts) live in one
scratch block and are removed by the caller with :meth:`Engine.scratch`. The
engine knows nothing of how to search beyond one HiGHS run: strategies
(``solver.engine.strategies``) take an engine and are never imported by it.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TextIO

import numpy as np
import pyomo.environ as pyo

from models.build import build_model
from models.eligibility import ModelData, model_data
from models.objective import model_weights, objective_expression
from models.time import TimeData, build_time_model, time_data, time_objective
from solver.domain.errors import OptionError
from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.engine.adapter import HighsModel, RunResult, highs_version
from solver.engine.readback import finish_solution
from solver.io.input_rules import lexicographic_problems
from solver.io.robust_spec import plan_path, read_plan, resolve_robust
from solver.results.money import money_of
from solver.results.solution import Solution, allocation_table, evaluate, gap_objective
from solver.results.timeline import time_solution

DEFAULT_TIME_LIMIT = 300.0
DEFAULT_MIP_GAP = 1e-4  # HiGHS's own default relative gap
NOTHING_TO_FORCE = "nothing to force: no eligible option"


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
    by_framework: bool = True  # solve each open framework apart, pruned by bounds (solver.engine.strategies.decompose)
    split_from: int = 200  # ... from this many assignment variables (below, the extra runs cost more; docs/model.md)
    greedy_from: int = 1_000  # a greedy start from this many assignment variables (below, HiGHS is quicker alone)
    split_robust: bool = False  # split robust models (k > 0) too: measured 2-4x slower (benchmarks/NOTES-robust.md)
    log: TextIO | None = None  # where HiGHS progress goes with verbose (stderr)
    robust: object | None = None  # solver.io.robust_spec.RobustSpec: withdrawal rows when k > 0 (MODEL.md v3)
    keep: object | None = None  # solver.io.robust_spec.KeepSpec: an earlier plan to keep (MODEL.md v3 re-plans)

    def __post_init__(self) -> None:
        """An unknown or repeated lexicographic term is bad input (exit 2), not a silent stage."""
        if self.lexicographic:
            problems = lexicographic_problems(self.lexicographic)
            if problems:
                raise OptionError("lexicographic", "; ".join(f"'{t}': {m}" for t, m in problems))


def with_commitments_of(instance: Instance, options: SolveOptions) -> SolveOptions:
    """The options with what instance.yaml (or a scenario's settings) asks of withdrawals and
    re-plans when the caller set none (MODEL.md v3)."""
    if options.robust is None and instance.settings.robust.get("survive"):
        options = replace(options, robust=resolve_robust(instance, require_k_within_h=False))
    if options.keep is None and plan_path(instance):  # instance.yaml persistence.plan
        options = replace(options, keep=read_plan(instance, plan_path(instance)))
    return options


@dataclass
class Run(RunResult):
    """A run read in the model's terms: the allocation (x counts per option), the framework,
    whether the search was split by framework, and lexicographic stages when there were."""

    counts: np.ndarray | None = field(default=None, repr=False)
    framework: str | None = None
    by_framework: bool = False
    stages: list[dict] | None = None
    options: SolveOptions | None = field(default=None, repr=False)  # what it ran with (recorded in results)


Progress = Callable[[dict], None]


@dataclass(frozen=True)
class Forcing:
    """What a question holds fixed for one search: this framework chosen, this nation taking
    part (in this role). Empty forcing holds nothing."""

    framework: str | None = None
    nation: str | None = None
    role: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.framework, self.nation, self.role))


class Engine:
    """One instance's model attached to a persistent HiGHS solver."""

    def __init__(self, instance: Instance, options: SolveOptions | None = None, data: ModelData | None = None,
                 transform: Callable[[pyo.ConcreteModel, object], object] | None = None,
                 progress: Progress | None = None):
        """``transform`` edits the built model before HiGHS sees it (its result is kept as
        ``transformed``); ``progress`` is called during runs with {incumbent, bound, gap}."""
        self.options = with_commitments_of(instance, options or SolveOptions())
        self.progress = progress
        self.instance = instance
        t0 = time.perf_counter()
        self.time: TimeData | None = None  # MODEL.md v3 "Time": the time-phased model when T > 1 (models.time)
        if instance.settings.mission.timed:
            self.time = time_data(instance, self.options.aggregate)
            self.data = self.time.data
            t1 = time.perf_counter()
            built = build_time_model(self.time)
        else:
            self.data = data if data is not None else model_data(instance, self.options.aggregate)
            t1 = time.perf_counter()
            built = build_model(self.data, robust=self.options.robust, keep=self.options.keep)
        self.model, self.index = built.model, built.index
        self.model.scratch = pyo.Block()  # every temporary row lives here (see scratch())
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
        self._rows = 0

    @classmethod
    def over(cls, model: pyo.ConcreteModel, instance: Instance, options: SolveOptions, data: ModelData) -> Engine:
        """An engine over a model assembled elsewhere from ``data`` (Plan B's two plans as
        blocks of one model): the same runs, options and records; the caller reads its
        allocation from the columns."""
        e = cls.__new__(cls)
        e.options, e.progress, e.instance, e.data = options, None, instance, data
        e.model, e.index, e.transformed = model, None, None
        if not hasattr(model, "scratch"):
            model.scratch = pyo.Block()
        e.highs = HighsModel(model)
        e.timings, e.x_cols, e.y_cols, e._rows = {}, None, None, 0
        return e

    def size(self) -> dict[str, int]:
        return self.highs.size()

    # ------------------------------------------------------------------ the one re-solve path
    def search(self, *, forcing: Forcing | None = None, objective: dict[str, float] | None = None,
               floor: float | None = None, overrides: dict | None = None, start=None,
               relaxation: bool = False, progress: Progress | None = None) -> Run:
        """One HiGHS run with, for this run only: ``forcing`` held, the objective replaced by
        ``objective`` (weights by term, or a linear expression), a row keeping the objective at or above ``floor`` (a
        bound proven earlier for a problem this one restricts, so HiGHS need not prove it
        again), and ``overrides`` of the options (``time_limit``, ``mip_gap``). All of it is
        undone afterwards. A forcing the model cannot hold (the nation has no option in the
        role) gives an infeasible run without searching."""
        o = replace(self.options, **(overrides or {}))
        with self.scratch(), self._forcing(forcing or Forcing()) as possible:
            if not possible:
                return Run(status=Status.INFEASIBLE, message=NOTHING_TO_FORCE)
            with self._objective(objective):
                if floor is not None:
                    self.add_row(self.model.objective.expr >= floor - 1e-9 * max(1.0, abs(floor)), "proven_bound")
                return self.run_with(o, start=start, relaxation=relaxation, progress=progress)

    def run(self, time_limit: float | None = None, start: np.ndarray | tuple | None = None,
            relaxation: bool = False, progress: Progress | None = None) -> Run:
        """Run HiGHS once on the model as it stands (strategies call this inside a search)."""
        o = self.options if time_limit is None else replace(self.options, time_limit=time_limit)
        return self.run_with(o, start=start, relaxation=relaxation, progress=progress)

    def run_with(self, o: SolveOptions, *, start=None, relaxation: bool = False,
                 progress: Progress | None = None) -> Run:
        """One HiGHS run with these options."""
        if isinstance(start, tuple):
            start = self.column_values(*start)
        log = (o.log or sys.stderr) if o.verbose else None
        with self.highs.on_progress(progress if progress is not None else self.progress):
            result = self.highs.run(o.time_limit, o.mip_gap, o.threads, o.seed, log, start, relaxation)
        run = Run(**vars(result), options=o)
        if run.columns is not None and self.x_cols is not None:
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

    @contextlib.contextmanager
    def _objective(self, objective):
        """Within the block, the objective is ``objective`` (weights by term, or a linear
        expression); the one before comes back at its end."""
        if objective is None:
            yield
            return
        saved = self.model.objective.expr
        self.set_objective(self.objective_of(objective) if isinstance(objective, dict) else objective)
        try:
            yield
        finally:
            self.set_objective(saved)

    def add_row(self, expr, prefix: str = "cut") -> pyo.Constraint:
        """Add a named row to the scratch block of the persistent model; returns it."""
        self._rows += 1
        con = pyo.Constraint(expr=expr)
        self.model.scratch.add_component(f"{prefix}_{self._rows}", con)
        self.highs.add_constraints([con])
        return con

    add_constraint = add_row

    def remove_constraint(self, con: pyo.Constraint) -> None:
        self.highs.remove_constraints([con])
        self.model.scratch.del_component(con)

    @contextlib.contextmanager
    def scratch(self):
        """Within the block, rows added to the scratch block are removed at its end (those
        already there before stay)."""
        before = {c.local_name for c in self.model.scratch.component_objects(pyo.Constraint, descend_into=False)}
        try:
            yield self
        finally:
            added = [c for c in self.model.scratch.component_objects(pyo.Constraint, descend_into=False)
                     if c.local_name not in before]
            for con in added:
                self.remove_constraint(con)

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
    def _forcing(self, forcing: Forcing):
        """Within the block, the forcing holds. Yields False, changing nothing, when the
        model has no variable to force (the nation has no option at all, or none in the role)."""
        m, changes = self.model, []
        if forcing.framework is not None:
            f0 = forcing.framework
            changes += [(m.framework[f], 1 if f == f0 else 0, m.framework[f].ub if f == f0 else 0)
                        for f in self.data.frameworks]
        if forcing.nation is not None:
            n, r = forcing.nation, forcing.role
            var = m.participates[n, r] if r is not None and (n, r) in m.participates else \
                m.contributes[n] if r is None and n in m.contributes else None
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

    def forced(self, framework: str | None = None, nation: str | None = None, role: str | None = None):
        """Hold a forcing over a block of several runs (``search`` holds one for one run)."""
        return self._forcing(Forcing(framework, nation, role))

    def held_framework(self) -> str | None:
        """The framework the model holds (lower bound 1), if any."""
        y = self.model.framework
        return next((f for f in self.data.frameworks if y[f].lb == 1), None)

    def open_frameworks(self) -> list[str]:
        """Frameworks the model can still choose (not vetoed, not closed by a forcing)."""
        y = self.model.framework
        open_ = [f for f in self.data.frameworks if y[f].ub != 0]
        return [f for f in open_ if y[f].lb == 1] or open_

    def write_model(self, path: str) -> None:
        """Write the model with its domain names (LP or MPS by extension)."""
        self.model.write(str(path), io_options={"symbolic_solver_labels": True})

    # ------------------------------------------------------------------ results
    def solution(self, run: Run, weights: dict[str, float] | None = None, by_framework: bool = False) -> Solution:
        """A :class:`Solution` for a run, every figure recomputed from the allocation."""
        weights = weights or self.instance.settings.weights
        sol = Solution(instance=self.instance.name, status=run.status, weights=dict(weights),
                       solver=self.solver_info(run, by_framework or run.by_framework), units=dict(self.instance.settings.units))
        if not run.status.has_solution:
            return sol
        if self.time is not None:
            sol.mip_gap, sol.bound = run.gap, run.bound
            sol = time_solution(self.time, run.framework, run.counts, sol, weights)
            sol.stages = run.stages or []
            return sol
        alloc = allocation_table(self.data, run.counts)
        roles, nations, terms, objective = evaluate(self.data, run.framework, alloc, weights)
        sol.framework, sol.allocation, sol.roles, sol.nations = run.framework, alloc, roles, nations
        sol.terms, sol.objective = terms, objective
        sol.mip_gap, sol.bound = run.gap, run.bound
        sol.gap_objective = gap_objective(self.instance.settings, terms)
        if self.options.robust is not None or self.options.keep is not None:
            finish_solution(self, run, sol)  # reserves, worst-case shortfall, change term (MODEL.md v3)
        self.last_run = run  # the run behind the latest solution (constraint generation reads its reserves)
        sol.stages = run.stages or []
        sol.money = money_of(allocation=alloc, setup=float(self.instance.frameworks.at[run.framework, "setup_cost"]),
                             unit=self.instance.settings.units.get("cost"))
        return sol

    def solver_info(self, run: Run, by_framework: bool = False) -> dict:
        o = run.options or self.options
        return {
            "name": "highs", "version": highs_version(), "time_s": round(run.time_s, 4), "threads": o.threads,
            "seed": o.seed, "mip_gap_tolerance": o.mip_gap, "time_limit": o.time_limit, "nodes": run.nodes,
            "lp_iterations": run.lp_iterations, "aggregate": o.aggregate, "by_framework": by_framework,
            "message": run.message, **self.size(),
            **{k: round(v, 4) for k, v in self.timings.items()},
        }
