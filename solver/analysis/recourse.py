"""Recourse over many withdrawal sets: constraint generation, proven against every set.

While the withdrawal sets are few (``RobustSpec.enumerate_up_to``) every set gets its copy in one
MILP (models/constraints/robust.py). Beyond that the master problem holds the copies of
some sets only (first the single withdrawals); its plan (x, reserves v, framework, the
worst-case shortfalls s) is then checked against EVERY set by a small feasibility MILP
(can the staying nations' reserves cover each protected role within capacity, keeping
min_nations?). Sets the plan does not survive join the master, which is solved again.
The master is a relaxation of the full model, so a plan that survives every set is
optimal for it: the answer is reported only then (or, at the time limit, as feasible only
if the last plan was proven against every set, else time_limit).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from models.constraints.robust import protected_roles
from models.eligibility import ModelData, serving_frameworks
from solver.domain.status import Status
from solver.engine.core import Engine
from solver.engine.session import Session, SolveOptions
from solver.io.robust_spec import withdrawal_sets

if TYPE_CHECKING:
    from solver.domain.instance import Instance
    from solver.results.solution import Solution

ADD_PER_ROUND = 20  # violated sets added to the master per round (the first found, in set order)


def needs_generation(spec) -> bool:
    return spec is not None and spec.recourse and spec.k > 0 and \
        len(withdrawal_sets(spec.hesitant, spec.k)) > spec.enumerate_up_to


def survives(data: ModelData, spec, counts: np.ndarray, reserve: dict[str, int], framework: str,
             shortfall: dict[str, float], withdrawn: tuple[str, ...]) -> bool:
    """Can the plan (x counts per option, reserve counts per unit) cover every protected role
    after ``withdrawn`` leave, committing reserves of the nations that stay?"""
    opt, roles = data.options, data.roles
    gone = set(withdrawn)
    stays = ~opt["nation"].isin(gone).to_numpy()
    prot = [r for r in protected_roles(data, spec) if framework in roles.at[r, "frameworks"]]
    if not prot:
        return True
    role = opt["role"].to_numpy()
    e, fp = opt["contribution"].to_numpy(), opt["footprint"].to_numpy()
    present = counts * stays
    fws = serving_frameworks(data.units.loc[opt["unit"], "frameworks"].to_numpy(),
                             roles.loc[opt["role"], "frameworks"].to_numpy())
    cand = [i for i in range(len(opt)) if role[i] in prot and stays[i] and reserve.get(opt.at[i, "unit"], 0) > 0
            and framework in fws.iat[i]]
    m = pyo.ConcreteModel()
    m.u = pyo.Var(range(len(cand)), domain=pyo.NonNegativeIntegers,
                  bounds=lambda _m, j: (0, reserve[opt.at[cand[j], "unit"]]))
    by_unit: dict[str, list[int]] = {}
    for j, i in enumerate(cand):
        by_unit.setdefault(opt.at[i, "unit"], []).append(j)
    m.rows = pyo.ConstraintList()
    for k, js in by_unit.items():
        m.rows.add(sum(m.u[j] for j in js) <= reserve[k])
    nations_present: dict[str, set[str]] = {}
    for i in np.flatnonzero(present > 0):
        nations_present.setdefault(role[i], set()).add(opt.at[i, "nation"])
    for r in prot:
        mine = [j for j, i in enumerate(cand) if role[i] == r]
        at = role == r
        cap = roles.at[r, "capacity"]
        if cap == cap and cap is not None:
            body = float(fp[at] @ present[at]) + sum(fp[cand[j]] * m.u[j] for j in mine)
            if not mine:
                if body > cap + 1e-6:
                    return False
            else:
                m.rows.add(body <= cap)
        need = float(roles.at[r, "requirement"]) - shortfall.get(r, 0.0)
        have = float(e[at] @ present[at])
        if need > have + 1e-6:
            if not mine:
                return False
            m.rows.add(have + sum(e[cand[j]] * m.u[j] for j in mine) >= need - 1e-6)
        least = int(roles.at[r, "min_nations"])
        there = nations_present.get(r, set())
        if least > len(there):
            extra = sorted({opt.at[cand[j], "nation"] for j in mine} - there)
            if len(there) + len(extra) < least:
                return False
            b = pyo.Var(extra, domain=pyo.Binary)
            m.add_component(f"b_{r}", b)
            for n in extra:
                m.rows.add(b[n] <= sum(m.u[j] for j in mine if opt.at[cand[j], "nation"] == n))
            m.rows.add(sum(b[n] for n in extra) >= least - len(there))
    if len(m.rows) == 0 or len(cand) == 0:
        return True
    m.obj = pyo.Objective(expr=sum(m.u[j] for j in range(len(cand))))  # feasibility; fewest reserves used
    run = Engine.over(m, data.instance, SolveOptions(time_limit=60.0, mip_gap=0.0), data).run_with(
        SolveOptions(time_limit=60.0, mip_gap=0.0))
    return run.status in (Status.OPTIMAL, Status.FEASIBLE)


def solve_by_generation(instance: Instance, options: SolveOptions,
                        progress=None) -> tuple[Session, Solution]:
    """The recourse plan by constraint generation (module docstring); returns the last
    master's Session and its Solution, with ``solver.recourse_sets`` (written / all) and
    ``solver.recourse_rounds``."""
    spec = options.robust
    every = withdrawal_sets(spec.hesitant, spec.k)
    written = [w for w in every if len(w) == 1]
    deadline = time.perf_counter() + options.time_limit
    rounds = 0
    while True:
        rounds += 1
        left = max(1.0, deadline - time.perf_counter())
        opts = dataclasses.replace(options, robust=dataclasses.replace(spec, sets=tuple(written)), time_limit=left)
        session = Session(instance, opts, progress=progress)
        sol = session.solve()
        if not sol.status.has_solution:
            break  # infeasible with fewer sets: infeasible with all; or stopped
        run_counts, framework = _plan(session, sol)
        counts, reserve, shortfall = run_counts
        bad = [w for w in every if w not in set(written)
               and not survives(session.data, spec, counts, reserve, framework, shortfall, w)]
        if not bad:
            break
        if time.perf_counter() > deadline:
            sol.status = Status.TIME_LIMIT
            sol.solver["message"] = (f"time limit: the last plan fails {len(bad)} withdrawal sets not yet in the "
                                     "model; no plan proven against every set")
            break
        written += bad[:ADD_PER_ROUND]
    sol.solver["recourse_sets"] = f"{len(written)} written of {len(every)}"
    sol.solver["recourse_rounds"] = rounds
    return session, sol


def _plan(session: Session, sol: Solution):
    """x counts per option, reserve counts per unit and the model's shortfalls, from the last run."""
    m = session.model
    run = session.last_run
    counts = np.rint(run.columns[session.x_cols]).astype(np.int64)
    keys = list(m.robust.reserve.index_set())
    v = np.rint(session.values(run, [m.robust.reserve[k] for k in keys])).astype(int) if keys else []
    reserve = {k: int(n) for k, n in zip(keys, v, strict=True) if n > 0}
    soft = list(m.shortfall)
    s = session.values(run, [m.shortfall[r] for r in soft]) if soft else []
    shortfall = {r: float(x) for r, x in zip(soft, s, strict=True)}
    return (counts, reserve, shortfall), sol.framework
