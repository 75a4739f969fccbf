"""The one module that talks to HiGHS: highspy and Pyomo's solver layer stay behind it.

A :class:`HighsModel` attaches a built Pyomo model to Pyomo's persistent HiGHS
interface (``pyomo.contrib.solver``) with automatic change detection off, and
offers what the rest of forcealloc needs, in its own terms: the column of a
variable and the row of a constraint, a run with a status, model edits pushed
explicitly (bounds, coefficients, parameters, rows, the objective), a MIP
start, callbacks for progress and for every feasible solution, and the LP as
arrays for tests. Pyomo's private maps are read here and nowhere else
(``tests/test_adapter.py`` pins the Pyomo versions they are known in).

Measured pitfalls (SOLVER-NOTES): HiGHS reports run time cumulatively, so runs
are timed here; every run starts from a cleared solver so a re-solve is the
search a fresh solve would make; ``threads`` is fixed at the first run of a
process; the status of every run is checked (HiGHS can return "Not Set"); and an
infeasible MIP is run again without presolve before it is believed (HiGHS 1.16's
presolve called a feasible model infeasible: tests/test_presolve.py).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

from solver.domain.status import Status

MIP_FEASIBILITY_TOLERANCE = 1e-7
_AUTO_UPDATES = ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                 "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                 "update_vars", "update_parameters", "update_named_expressions", "update_objective")


@dataclass
class RunResult:
    """What one HiGHS run gave: its status and, with a solution, every column's value."""

    status: Status
    message: str = ""
    time_s: float = 0.0
    nodes: int = 0
    lp_iterations: int = 0
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    columns: np.ndarray | None = field(default=None, repr=False)


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
    if model_status == S.kNotset:  # SOLVER-NOTES: HiGHS did not run, and said nothing
        return Status.ERROR, ("HiGHS did not run (model status Not Set): the number of threads changed after "
                              "the first solve in this process, or the process was forked after HiGHS ran; "
                              "solve in a fresh process")
    return Status.ERROR, f"HiGHS returned model status {model_status}"


class HighsModel:
    """A Pyomo model held by a persistent HiGHS solver; every change is pushed explicitly."""

    def __init__(self, model: pyo.ConcreteModel):
        self.model = model
        self._solver = SolverFactory("highs")
        au = self._solver.config.auto_updates
        for flag in _AUTO_UPDATES:
            setattr(au, flag, False)
        self._solver.set_instance(model)

    # ------------------------------------------------------------------ where things are
    @property
    def _highs(self) -> highspy.Highs:
        return self._solver._solver_model

    def col(self, var) -> int:
        """The HiGHS column of a Pyomo variable."""
        return self._solver._pyomo_var_to_solver_var_map[id(var)]

    def cols(self, variables: Iterable) -> np.ndarray:
        vmap = self._solver._pyomo_var_to_solver_var_map
        return np.array([vmap[id(v)] for v in variables], dtype=np.int64)

    def row(self, con) -> int:
        """The HiGHS row of a Pyomo constraint."""
        return self._solver._pyomo_con_to_solver_con_map[con]

    @property
    def num_cols(self) -> int:
        return int(self._highs.getNumCol())

    def size(self) -> dict[str, int]:
        return {"variables": int(self._highs.getNumCol()), "constraints": int(self._highs.getNumRow()),
                "nonzeros": int(self._highs.getNumNz())}

    def lp_arrays(self) -> dict[str, np.ndarray]:
        """The LP HiGHS holds, dense: ``a`` (rows x columns), column bounds ``lo``/``up``,
        row bounds ``rlo``/``rup``, ``cost`` and ``offset`` (tests compare models with it)."""
        lp = self._highs.getLp()
        mat = lp.a_matrix_
        start, index, value = np.asarray(mat.start_), np.asarray(mat.index_), np.asarray(mat.value_)
        a = np.zeros((lp.num_row_, lp.num_col_))
        by_col = mat.format_ == highspy.MatrixFormat.kColwise
        for j in range(len(start) - 1):
            for p in range(start[j], start[j + 1]):
                if by_col:
                    a[index[p], j] = value[p]
                else:
                    a[j, index[p]] = value[p]
        return {"a": a, "rlo": np.asarray(lp.row_lower_), "rup": np.asarray(lp.row_upper_),
                "lo": np.asarray(lp.col_lower_), "up": np.asarray(lp.col_upper_),
                "cost": np.asarray(lp.col_cost_), "offset": float(lp.offset_)}

    def objective_at(self, columns: np.ndarray) -> float:
        """The current objective's value at a column vector."""
        lp = self._highs.getLp()
        return float(np.dot(lp.col_cost_, columns) + lp.offset_)

    # ------------------------------------------------------------------ edits
    def add_constraints(self, cons: list) -> None:
        self._solver.add_constraints(cons)

    def remove_constraints(self, cons: list) -> None:
        self._solver.remove_constraints(cons)

    def set_objective(self, objective) -> None:
        self._solver.set_objective(objective)

    def update_variables(self, variables: list) -> None:
        """Push new bounds (or domains) of these variables."""
        if variables:
            self._solver.update_variables(variables)

    def update_parameters(self) -> None:
        """Push the values of every mutable parameter (right-hand sides, coefficients)."""
        self._solver.update_parameters()

    def change_coefficient(self, con, var, value: float) -> None:
        """One matrix coefficient, in place (row order kept); the caller keeps the Pyomo
        constraint's expression in step."""
        self._highs.changeCoeff(self.row(con), self.col(var), float(value))

    def set_start(self, columns: np.ndarray) -> None:
        """Offer HiGHS an incumbent (a full column vector); it ignores one that breaks a row."""
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, columns))
        sol.value_valid = True
        self._highs.setSolution(sol)

    # ------------------------------------------------------------------ callbacks
    @contextlib.contextmanager
    def on_progress(self, report: Callable[[dict], None] | None) -> Iterator[None]:
        """During runs, call ``report({incumbent, bound, gap})`` at HiGHS's interrupt checks."""
        if report is None:
            yield
            return

        def watch(e):
            d = e.data_out
            report({"incumbent": d.objective_function_value, "bound": d.mip_dual_bound, "gap": d.mip_gap})

        self._highs.cbMipInterrupt.subscribe(watch)
        try:
            yield
        finally:
            self._highs.cbMipInterrupt.unsubscribe(watch)

    @contextlib.contextmanager
    def on_solution(self, keep: Callable[[np.ndarray], None]) -> Iterator[None]:
        """During runs, call ``keep(columns)`` with every feasible solution HiGHS finds."""
        n = self.num_cols

        def seen(e):
            x = np.array(e.data_out.mip_solution, dtype=float)
            if len(x) == n:
                keep(x)

        self._highs.cbMipSolution.subscribe(seen)
        try:
            yield
        finally:
            self._highs.cbMipSolution.unsubscribe(seen)

    # ------------------------------------------------------------------ running
    def run(self, time_limit: float, mip_gap: float, threads: int = 1, seed: int = 0,
            log: TextIO | None = None, start: np.ndarray | None = None, relaxation: bool = False) -> RunResult:
        """One run on the model as it stands, from a cleared solver (and a start, if given);
        with ``relaxation`` the LP relaxation only (its objective is a bound)."""
        self._highs.clearSolver()
        if start is not None:
            self.set_start(start)
        t0 = time.perf_counter()
        self._solver.solve(
            self.model, tee=[log] if log is not None else False, time_limit=max(1e-3, time_limit),
            rel_gap=mip_gap, threads=threads, load_solutions=False, raise_exception_on_nonoptimal_result=False,
            solver_options={"random_seed": seed, "mip_feasibility_tolerance": MIP_FEASIBILITY_TOLERANCE,
                            "solve_relaxation": relaxation},
        )
        h = self._highs
        status, message = _status(h.getModelStatus(), h.getInfo().primal_solution_status == 2)
        if status == Status.INFEASIBLE and not relaxation:
            # HiGHS 1.16's presolve has called a feasible MIP infeasible (SOLVER-NOTES): an
            # infeasible answer is only believed once a run without presolve agrees.
            h.setOptionValue("presolve", "off")
            try:
                h.clearSolver()
                self._solver.solve(
                    self.model, tee=[log] if log is not None else False,
                    time_limit=max(1e-3, time_limit - (time.perf_counter() - t0)), rel_gap=mip_gap, threads=threads,
                    load_solutions=False, raise_exception_on_nonoptimal_result=False,
                    solver_options={"random_seed": seed, "mip_feasibility_tolerance": MIP_FEASIBILITY_TOLERANCE,
                                    "solve_relaxation": relaxation, "presolve": "off"},
                )
            finally:
                h.setOptionValue("presolve", "choose")
            status, message = _status(h.getModelStatus(), h.getInfo().primal_solution_status == 2)
            if status != Status.INFEASIBLE:
                message = (message + "; " if message else "") + "HiGHS presolve said infeasible, a run without it disagreed"
        wall = time.perf_counter() - t0
        info = h.getInfo()
        run = RunResult(status=status, message=message, time_s=wall, nodes=max(int(info.mip_node_count), 0),
                        lp_iterations=max(int(info.simplex_iteration_count), 0))
        if status.has_solution:
            run.columns = np.asarray(h.getSolution().col_value, dtype=float)
            run.objective = float(info.objective_function_value)
            run.bound = float(info.mip_dual_bound)
            run.gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
            if status == Status.OPTIMAL and run.gap is not None and run.gap < 0:
                run.gap = 0.0
        return run
