"""Build the model, run HiGHS through Pyomo's persistent interface, extract a Solution.

This is the only module that talks to HiGHS. A :class:`Session` keeps one
built model attached to one persistent solver so callers (alternatives,
lexicographic stages, what-if batches) change bounds, add cuts or swap the
objective and re-solve without a rebuild.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TextIO

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

from models import ModelData, build_model, model_data
from models.constraints.nations import link_expr
from models.eligibility import approval_risk, strength_required, upper_bounds, vetoes
from models.objective import term_expressions, weighted
from solver.greedy import greedy_start
from solver.instance import Instance
from solver.solution import Solution, Status, allocation_table, evaluate

DEFAULT_TIME_LIMIT = 300.0
DEFAULT_MIP_GAP = 1e-4  # HiGHS's own default relative gap
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
    log: TextIO | None = None  # where HiGHS progress goes with verbose (stderr)


@dataclass
class Run:
    """The raw outcome of one HiGHS run."""

    status: Status
    counts: np.ndarray | None = None
    framework: str | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    nodes: int = 0
    lp_iterations: int = 0
    time_s: float = 0.0
    message: str = ""
    columns: np.ndarray | None = field(default=None, repr=False)  # every column's value


def highs_version() -> str:
    return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"


def _status(model_status, has_solution: bool) -> tuple[Status, str]:
    S = highspy.HighsModelStatus
    if model_status == S.kOptimal:
        return Status.OPTIMAL, ""
    if model_status in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return Status.INFEASIBLE, ""
    limits = {S.kTimeLimit: "time limit reached", S.kIterationLimit: "iteration limit reached",
              S.kSolutionLimit: "solution limit reached", S.kObjectiveBound: "objective bound reached",
              S.kObjectiveTarget: "objective target reached", S.kInterrupt: "interrupted",
              S.kMemoryLimit: "memory limit reached"}
    if model_status in limits:
        return (Status.FEASIBLE if has_solution else Status.TIME_LIMIT), limits[model_status]
    return Status.ERROR, f"HiGHS returned model status {model_status}"


class Session:
    """One instance's model attached to a persistent HiGHS solver."""

    def __init__(
        self,
        instance: Instance,
        options: SolveOptions | None = None,
        data: ModelData | None = None,
        transform: Callable[[pyo.ConcreteModel], None] | None = None,
        progress: Callable[[dict], None] | None = None,
    ):
        self.options = options or SolveOptions()
        self.progress = progress  # called during a run with {time_s, incumbent, bound, gap}
        self.instance = instance
        t0 = time.perf_counter()
        self.data = data if data is not None else model_data(instance, self.options.aggregate)
        t1 = time.perf_counter()
        self.model = build_model(self.data)
        if transform is not None:
            transform(self.model)
        t2 = time.perf_counter()
        self.solver = SolverFactory("highs")
        au = self.solver.config.auto_updates
        for flag in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                     "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                     "update_vars", "update_parameters", "update_named_expressions", "update_objective"):
            setattr(au, flag, False)
        self.solver.set_instance(self.model)
        t3 = time.perf_counter()
        self.timings = {"eligibility_s": t1 - t0, "build_s": t2 - t1, "translate_s": t3 - t2}
        vmap = self.solver._pyomo_var_to_solver_var_map  # column of each Pyomo variable
        m = self.model
        self._x_cols = np.array([vmap[id(m.assign[k])] for k in m.fa.keys], dtype=np.int64)
        self._y_cols = np.array([vmap[id(m.framework[f])] for f in self.data.frameworks], dtype=np.int64)
        self._vmap = vmap
        self._cuts = 0

    # ------------------------------------------------------------------ HiGHS
    @property
    def highs(self) -> highspy.Highs:
        return self.solver._solver_model

    def size(self) -> dict[str, int]:
        lp = self.highs.getLp()
        return {"variables": int(lp.num_col_), "constraints": int(lp.num_row_),
                "nonzeros": int(self.highs.getNumNz())}

    def run(self, time_limit: float | None = None, start: np.ndarray | None = None) -> Run:
        """Run HiGHS once on the model as it stands; optionally from a start allocation."""
        o = self.options
        self.highs.clearSolver()  # every run starts as a fresh solve of the same model would
        if start is not None:
            self.set_start(start)
        tee = [o.log or sys.stderr] if o.verbose else False
        t0 = time.perf_counter()
        watch = None
        if self.progress is not None:
            def watch(e, report=self.progress):
                d = e.data_out
                report({"incumbent": d.objective_function_value, "bound": d.mip_dual_bound, "gap": d.mip_gap})
            self.highs.cbMipInterrupt.subscribe(watch)
        try:
            self._solve(o, tee, time_limit)
        finally:
            if watch is not None:
                self.highs.cbMipInterrupt.unsubscribe(watch)
        wall = time.perf_counter() - t0
        h = self.highs
        info = h.getInfo()
        has = info.primal_solution_status == 2
        status, message = _status(h.getModelStatus(), has)
        run = Run(status=status, message=message, time_s=wall,
                  nodes=max(int(info.mip_node_count), 0),
                  lp_iterations=max(int(info.simplex_iteration_count), 0))
        if status.has_solution:
            col = np.asarray(h.getSolution().col_value)
            self._read_columns(run, col)
            run.objective = float(info.objective_function_value)
            run.bound = float(info.mip_dual_bound)
            run.gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
            if status == Status.OPTIMAL and run.gap is not None and run.gap < 0:
                run.gap = 0.0
        return run

    def _solve(self, o: SolveOptions, tee, time_limit: float | None) -> None:
        self.solver.solve(
            self.model,
            tee=tee,
            time_limit=max(1e-3, time_limit if time_limit is not None else o.time_limit),
            rel_gap=o.mip_gap,
            threads=o.threads,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            solver_options={"random_seed": o.seed, "mip_feasibility_tolerance": 1e-7},
        )

    def _read_columns(self, run: Run, col: np.ndarray) -> None:
        run.columns = col
        run.counts = np.rint(col[self._x_cols]).astype(np.int64)
        run.framework = self.data.frameworks[int(np.argmax(col[self._y_cols]))]

    def objective_value(self, col: np.ndarray) -> float:
        """The model's current objective at a column vector."""
        lp = self.highs.getLp()
        return float(np.dot(lp.col_cost_, col) + lp.offset_)

    def run_from_columns(self, col: np.ndarray, message: str = "certified within the gap of an earlier bound") -> Run:
        """A Run for a known allocation that needs no search (e.g. from a solution pool)."""
        run = Run(status=Status.OPTIMAL, message=message)
        self._read_columns(run, np.asarray(col, dtype=float))
        run.objective = self.objective_value(run.columns)
        return run

    def column_values(self, counts: np.ndarray, framework: str) -> np.ndarray:
        """A full column vector (y, x, w, z, s, T) for a given allocation: a MIP start."""
        m, data = self.model, self.data
        ncol = self.highs.getNumCol()
        col = np.zeros(ncol)
        col[self._y_cols[self.data.frameworks.index(framework)]] = 1.0
        col[self._x_cols] = counts
        opt = data.options
        used = opt.loc[counts > 0]
        for n, r in set(zip(used["nation"], used["role"], strict=True)):
            col[self._vmap[id(m.participates[n, r])]] = 1.0
        for n in set(used["nation"]):
            col[self._vmap[id(m.contributes[n])]] = 1.0
        contrib = opt["contribution"].to_numpy() * counts
        roles = data.roles
        covered = np.bincount(roles.index.get_indexer(opt["role"]), weights=contrib, minlength=len(roles))
        for r in m.shortfall:
            need = roles.at[r, "requirement"] if framework in roles.at[r, "frameworks"] else 0.0
            col[self._vmap[id(m.shortfall[r])]] = max(0.0, need - covered[roles.index.get_loc(r)])
        return col

    def set_start(self, start: np.ndarray | tuple) -> None:
        """Offer HiGHS an incumbent: (counts, framework) or a full column vector."""
        if isinstance(start, tuple):
            start = self.column_values(*start)
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        sol.value_valid = True
        self.highs.setSolution(sol)

    # ------------------------------------------------------------------ model edits
    def set_objective(self, expr) -> None:
        """Replace the objective (a linear expression) on the persistent model."""
        m = self.model
        m.objective.set_value(expr)
        self.solver.set_objective(m.objective)

    def restore_objective(self) -> None:
        self.set_objective(weighted(self.term_exprs(), self.instance.settings.weights))

    def term_exprs(self) -> dict:
        m = self.model
        return {t: getattr(m, f"term_{t}").expr for t in ("cost", "shortfall", "approval_risk", "enabler_dependence")}

    def add_constraint(self, expr, prefix: str = "cut") -> pyo.Constraint:
        """Add a named constraint (a cut) to the persistent model; returns it."""
        self._cuts += 1
        name = f"{prefix}_{self._cuts}"
        con = pyo.Constraint(expr=expr)
        self.model.add_component(name, con)
        self.solver.add_constraints([con])
        return con

    def remove_constraint(self, con: pyo.Constraint) -> None:
        self.solver.remove_constraints([con])
        self.model.del_component(con)

    def set_bounds(self, var, lb=None, ub=None) -> None:
        if lb is not None:
            var.setlb(lb)
        if ub is not None:
            var.setub(ub)
        self.solver.update_variables([var])

    def write_model(self, path: str) -> None:
        """Write the model with its domain names (LP or MPS by extension)."""
        self.model.write(str(path), io_options={"symbolic_solver_labels": True})

    # ------------------------------------------------------------------ what-ifs
    def retarget(self, inst: Instance) -> bool:
        """Take over an instance that differs from the current one only in parameters
        (requirements, capacities, budgets, shares, vetoes, probabilities, setup
        costs, penalties, weights): update bounds, right-hand sides and costs of the
        persistent model and return True. Return False, changing nothing, when the
        structure differs and the model must be rebuilt."""
        if not same_structure(self.instance, inst, self.model):
            return False
        m, old = self.model, self.data
        data = replace(old, instance=inst, vetoes=vetoes(inst), risk=approval_risk(inst),
                       options=old.options.copy())
        data.options["ub"] = upper_bounds(inst, data.options, old.units)
        roles, nats = inst.roles, inst.nations
        for r in roles.index:
            m.required[r] = float(roles.at[r, "requirement"])
            m.min_nations_required[r] = int(roles.at[r, "min_nations"])
            m.enabler_limit[r] = float(roles.at[r, "max_enabler_share"] * roles.at[r, "requirement"])
            if r in m.capacity:
                m.capacity_limit[r] = float(roles.at[r, "capacity"])
        for n in nats.index:
            m.share_limit[n] = float(nats.at[n, "max_share"])
            if n in m.budget:
                m.budget_limit[n] = float(nats.at[n, "budget"])
        m.breadth_required = inst.settings.min_coalition_nations
        for f, v in strength_required(inst).items():
            m.strength_required[f] = v
        changed = []
        for f in data.frameworks:
            ub = 0 if data.vetoes[f] else 1
            if m.framework[f].ub != ub:
                m.framework[f].setub(ub)
                changed.append(m.framework[f])
        new_ub, old_ub = data.options["ub"].to_numpy(), old.options["ub"].to_numpy()
        moved = np.flatnonzero(new_ub != old_ub)
        for i in moved:
            v = m.assign[m.fa.keys[i]]
            v.setub(int(new_ub[i]))
            changed.append(v)
        if changed:
            self.solver.update_variables(changed)
        rows = self.solver._pyomo_con_to_solver_con_map
        for i in moved:  # U is also the linking coefficient: change it in place, row order kept
            con = m.assign_needs_participation[m.fa.keys[i]]
            con.set_value(link_expr(m, data, i) <= 0)
            w = m.participates[data.options["nation"].iat[i], m.fa.keys[i][1]]
            self.highs.changeCoeff(rows[con], self._vmap[id(w)], -float(new_ub[i]))
        self.solver.update_parameters()
        self.instance, self.data, m.fa_data = inst, data, data
        for t, e in term_expressions(m, data).items():
            getattr(m, f"term_{t}").set_value(e)
        self.restore_objective()
        return True

    # ------------------------------------------------------------------ results
    def solution(self, run: Run, weights: dict[str, float] | None = None) -> Solution:
        """A :class:`Solution` for a run, every figure recomputed from the allocation."""
        weights = weights or self.instance.settings.weights
        sol = Solution(instance=self.instance.name, status=run.status, weights=dict(weights),
                       solver=self.solver_info(run), units=dict(self.instance.settings.units))
        if not run.status.has_solution:
            return sol
        alloc = allocation_table(self.data, run.counts)
        roles, nations, terms, objective = evaluate(self.data, run.framework, alloc, weights)
        sol.framework, sol.allocation, sol.roles, sol.nations = run.framework, alloc, roles, nations
        sol.terms, sol.objective, sol.counts = terms, objective, run.counts
        sol.mip_gap, sol.bound = run.gap, run.bound
        gap = self.instance.settings.gap
        if gap:
            cost = terms["cost"]
            sol.gap_objective = gap["jobs"] * gap["profit_base"] - cost if gap["sense"] == "max" else cost
        return sol

    def solver_info(self, run: Run) -> dict:
        o = self.options
        return {
            "name": "highs",
            "version": highs_version(),
            "time_s": round(run.time_s, 4),
            "threads": o.threads,
            "seed": o.seed,
            "mip_gap_tolerance": o.mip_gap,
            "time_limit": o.time_limit,
            "nodes": run.nodes,
            "lp_iterations": run.lp_iterations,
            "aggregate": o.aggregate,
            "message": run.message,
            **self.size(),
            **{k: round(v, 4) for k, v in self.timings.items()},
        }

    # ------------------------------------------------------------------ solve
    def solve(self) -> Solution:
        """Solve to the options' gap: weighted objective, or lexicographic stages."""
        o, s = self.options, self.instance.settings
        stages = s.lexicographic if o.lexicographic is None else o.lexicographic
        if stages:
            return self.solve_lexicographic(tuple(stages), s.lex_tolerance if o.lex_tolerance is None else o.lex_tolerance)
        t0 = time.perf_counter()
        open_ = [f for f in self.data.frameworks if self.model.framework[f].ub != 0]
        big = len(self.data.options) >= WARM_START_MIN_OPTIONS  # small models: HiGHS is quicker alone
        start = greedy_start(self.data, open_) if o.warm_start and big else None
        self.timings["greedy_s"] = time.perf_counter() - t0
        return self.solution(self.run(start=start))

    def solve_lexicographic(self, stages: tuple[str, ...], tolerance: float) -> Solution:
        """Optimise the terms in priority order; each later stage keeps the earlier
        ones within ``tolerance`` (relative) of their optimum. Terms not listed
        are minimised last with their weights. The model is restored afterwards."""
        terms = self.term_exprs()
        weights = self.instance.settings.weights
        deadline = time.perf_counter() + self.options.time_limit
        held, info, run = [], [], None
        try:
            plan = [(t, {t: terms[t]}) for t in stages]
            rest = {t: e for t, e in terms.items() if t not in stages and (t == "shortfall" or weights.get(t, 0) > 0)}
            if rest:
                plan.append(("+".join(rest), rest))
            for label, part in plan:
                self.set_objective(weighted(part, {t: 1.0 for t in part} if len(part) == 1 else weights))
                run = self.run(time_limit=deadline - time.perf_counter())
                info.append({"stage": label, "status": str(run.status), "value": run.objective,
                             "bound": run.bound, "time_s": round(run.time_s, 4),
                             "tolerance": tolerance if len(part) == 1 else None})
                if not run.status.has_solution:
                    break
                if len(part) == 1:
                    (t, e), = part.items()
                    v = run.objective
                    slack = tolerance * abs(v) + 1e-6 * max(1.0, abs(v))
                    held.append(self.add_constraint(e <= v + slack, prefix=f"lex_{t}"))
        finally:
            for con in held:
                self.remove_constraint(con)
            self.restore_objective()
        sol = self.solution(run)
        sol.stages = info
        return sol


def _equal(a: pd.DataFrame, b: pd.DataFrame, skip: set[str]) -> bool:
    if a is b:  # what-ifs share the tables they do not change
        return True
    cols = [c for c in a.columns if c not in skip]
    return a.index.equals(b.index) and a[cols].equals(b[cols])


def same_structure(a: Instance, b: Instance, m: pyo.ConcreteModel) -> bool:
    """Whether b can be solved on the model built for a by changing parameters only."""
    param = {"requirement", "capacity", "min_nations", "max_enabler_share", "shortfall_penalty", "max_share",
             "budget", "setup_cost"}
    for name in ("nations", "frameworks", "roles", "assets", "capabilities", "suitability", "caveats", "links"):
        if not _equal(getattr(a, name), getattr(b, name), param):
            return False
    if a.consent is not b.consent:
        refused = [set(map(tuple, t.loc[~t["contributes"], ["nation", "framework"]].to_numpy()))
                   for t in (a.consent, b.consent)]
        if refused[0] != refused[1]:
            return False
    ra, rb, na, nb = a.roles, b.roles, a.nations, b.nations
    if not (ra["capacity"].isna().equals(rb["capacity"].isna()) and na["budget"].isna().equals(nb["budget"].isna())
            and ra["shortfall_penalty"].isna().equals(rb["shortfall_penalty"].isna())):
        return False
    for r in rb.index[rb["requirement"] > 0]:
        if r not in m.requirement or (pd.notna(rb.at[r, "shortfall_penalty"]) and r not in m.shortfall):
            return False
    if any(r not in m.multinationality for r in rb.index[rb["min_nations"] > 0]):
        return False
    # a share of 1 sets no cap (no row): which nations and roles are capped is structure
    if {n for n in nb.index[nb["max_share"] < 1] if n in m.fa.by_nation} != set(m.burden_share):
        return False
    if set(rb.index[rb["max_enabler_share"] < 1]) != set(ra.index[ra["max_enabler_share"] < 1]):
        return False
    if b.settings.min_coalition_nations > 0 and not hasattr(m, "coalition_breadth"):
        return False
    links = b.links[b.links["kind"] == "requires_role"]
    for n, t in links[["nation", "target"]].itertuples(index=False):
        if n in m.fa.by_nation and rb.at[t, "requirement"] > 0 and (n, t) not in m.requires_role:
            return False
    return a.settings.gap == b.settings.gap
