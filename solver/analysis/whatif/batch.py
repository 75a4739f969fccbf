"""Run what-if batches: a local process pool by default, a Dask cluster on request.

The parent process plans the jobs (the base and one per scenario, each keyed by
a hash of the base instance and the scenario), skips those already finished in
``OUT/state``, hands the rest to workers and writes each result as it arrives
(atomically), so an interrupted batch keeps what it finished and a re-run does
only what is missing. Workers build the base model once and apply parametric
scenarios to that persistent model; a scenario that changes the structure gets
a model of its own. A scenario that fails (bad change, infeasible, solver
error) is recorded and the batch goes on; a worker process that dies is
replaced, and its scenario retried once before it is recorded as failed.

Worker processes are started with ``spawn``: HiGHS can fail silently in a
process forked after it ran (SOLVER-NOTES).
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.connection import wait
from pathlib import Path

import pandas as pd

from solver.analysis.diagnose import diagnose
from solver.analysis.mission_diagnose import explain_mission
from solver.analysis.whatif.changes import check_scenarios, parametric_instance, scenario_instance
from solver.analysis.whatif.scenarios import Scenario, folder_name, name_issues
from solver.domain.errors import (
    EXIT_INTERRUPTED,
    EXIT_SCENARIO_FAILED,
    EXIT_SCHEDULER,
    InstanceError,
    ScenarioError,
    SchedulerError,
)
from solver.domain.status import Status
from solver.engine.session import Forcing, Session, SolveOptions
from solver.io.readers import RawInstance
from solver.io.validate import validate
from solver.io.writers import atomic_write, json_text, write_solution
from solver.results.solution import Solution, objective_value
from solver.results.summary import summary_frame, write_summary
from solver.results.timeline import roles_short


@dataclass
class Job:
    scenario: Scenario | None  # None: the base instance
    digest: str
    attempts: int = 0

    @property
    def name(self) -> str:
        return "base" if self.scenario is None else self.scenario.name


@dataclass
class BatchResult:
    rows: list[dict]
    out_dir: Path
    skipped: int = 0
    interrupted: bool = False
    failed: list[str] = field(default_factory=list)
    scheduler_error: str | None = None  # set when the Dask scheduler was unreachable or lost

    def table(self) -> pd.DataFrame:
        return summary_frame(self.rows)

    @property
    def exit_code(self) -> int:
        """130 interrupted, 6 scheduler lost or unreachable, 5 a scenario failed, else 0."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.scheduler_error:
            return EXIT_SCHEDULER
        return EXIT_SCENARIO_FAILED if self.failed else 0


# --------------------------------------------------------------------------- worker side
class WorkerState:
    """One worker process's base model, built once per base instance and kept between jobs
    (the local loop holds one; a Dask worker keeps one as an attribute, see ``_dask_job``)."""

    def __init__(self) -> None:
        self.digest: str | None = None
        self.base: tuple | None = None  # (raw, base instance, session)

    def of(self, raw: RawInstance, base_digest: str, options: SolveOptions) -> tuple:
        if self.digest != base_digest:
            inst = validate(raw.copy())
            self.digest, self.base = base_digest, (raw, inst, Session(inst, options))
        return self.base


def solve_job(raw: RawInstance, base_digest: str, scenario: Scenario | None, options: SolveOptions,
              state: WorkerState) -> tuple[dict, Solution | None]:
    """Solve the base or one scenario on the worker's persistent base model when the
    scenario only changes parameters; never raises for the scenario's own faults."""
    t0 = time.perf_counter()
    name = "base" if scenario is None else scenario.name
    row = {"scenario": name, "description": scenario.description if scenario else "the instance as given",
           "path": ""}
    try:
        raw, base, session = state.of(raw, base_digest, options)
        overrides = scenario.solver if scenario else {}
        if scenario is None:
            inst = base
            path = "persistent" if session.retarget(base) else "rebuild"
        elif scenario.parametric:
            inst = parametric_instance(base, scenario)
            path = "persistent" if session.retarget(inst) else "rebuild"
        else:
            inst, path = scenario_instance(raw, scenario), "rebuild"
        force = scenario.force if scenario else {}
        if path == "persistent":  # the session stays on this scenario: the next one retargets it
            sol = _solve_and_explain(session, force, overrides)
        else:
            sol = _solve_and_explain(Session(inst, replace(options, **overrides)), force, {})
        row.update(_row(sol, base.settings.weights), path=path)
        if sol.status == Status.ERROR:
            row["error"] = sol.solver.get("message") or "solver error"
        return row, sol
    except InstanceError as exc:
        row.update(status="error", error="; ".join(str(i) for i in exc.issues))
    except Exception as exc:  # a solver or program fault in one scenario must not end the batch
        row.update(status="error", error=f"{type(exc).__name__}: {exc}")
    finally:
        row["solve_time_s"] = round(time.perf_counter() - t0, 4)
    return row, None


def _solve_and_explain(session: Session, force: dict, overrides: dict) -> Solution:
    """Solve (held to ``force``: a framework chosen, a nation in a role, as a why-not asks;
    with the scenario's solver ``overrides``); an infeasible answer is explained, unless
    it was forced (over time: each role's shortfall by period, without the repairs)."""
    sol = session.solve(forcing=Forcing(**force), overrides=overrides)
    if sol.status == Status.INFEASIBLE and not force:
        if session.time is not None:
            sol.diagnosis, sol.infeasibility = explain_mission(session.instance, session.options, repair=False)
        else:
            sol.diagnosis, sol.infeasibility = diagnose(session)
    return sol


def _row(sol: Solution, base_weights: dict[str, float]) -> dict:
    """A summary row; the objective is also priced at the base's weights so the summary
    can tell a change of allocation from a change of weights."""
    row = {
        "status": str(sol.status), "objective": sol.objective,
        **{t: sol.terms.get(t) for t in ("cost", "shortfall", "approval_risk", "enabler_dependence")},
        "money": (sol.money or {}).get("total"),
        "framework": sol.framework, "approval_probability": sol.approval_probability,
        "nations": len(sol.nations), "nation_list": ";".join(sorted(sol.nations["nation"])) if len(sol.nations) else "",
        "total_shortfall": sol.total_shortfall if sol.status.has_solution else None, "error": "",
        "roles_short": "; ".join(f"{r.role} {r.shortfall:g}" for r in sol.roles.itertuples() if r.shortfall > 1e-9),
    }
    if sol.persistence is not None:  # --keep: the pledges this scenario changes (MODEL.md v3 re-plans)
        ps = sol.persistence
        row.update(pledge_changes=ps["changes"], forced_changes=ps["forced"],
                   changed_pledges="; ".join(f"{'+' if c['change'] == 'added' else '-'}{c['nation']}:{c['role']}"
                                             f"{'!' if c.get('forced') else ''}" for c in ps["changed"]))
    if sol.mission is not None:  # MODEL.md v3 "Time": the force the mission takes (summary columns)
        row.update(periods=sol.mission["periods"], **sol.mission["sustainment"], roles_short=roles_short(sol.roles))
    if sol.status.has_solution:
        row["objective_at_base_weights"] = objective_value(sol.terms, base_weights)
        row["other_at_base_weights"] = (base_weights.get("approval_risk", 0.0) * sol.terms["approval_risk"]
                                        + base_weights.get("enabler_dependence", 0.0) * sol.terms["enabler_dependence"])
    return row


def _worker_loop(conn, raw: RawInstance, base_digest: str, options: SolveOptions, out_dir: Path) -> None:
    """A local worker: build the base model, then solve jobs until told to stop.

    The worker writes its scenario's result folder itself (atomically), so that on a
    2-core machine the parent does not spend half a core rendering workbooks while two
    workers wait; the parent only records the state file and the summary.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    state = WorkerState()
    state.of(raw, base_digest, options)
    conn.send(("ready", os.getpid()))
    while True:
        kind, scenario = conn.recv()
        if kind == "stop":
            return
        row, sol = solve_job(raw, base_digest, scenario, options, state)
        if sol is not None:
            try:
                write_solution(sol, out_dir / "scenarios" / folder_name(row["scenario"]))
            except Exception as exc:  # a full disk (or a writer fault) fails this scenario, not the batch
                row.update(status="error", error=f"writing results: {type(exc).__name__}: {exc}")
        conn.send(("done", (row, None)))


def _dask_job(raw: RawInstance, base_digest: str, scenario: Scenario | None,
              options: SolveOptions) -> tuple[dict, Solution | None]:
    """``solve_job`` on a Dask worker, with the worker's own base model kept on the worker."""
    from distributed import get_worker  # noqa: PLC0415 (optional dependency, loaded on the worker)

    worker = get_worker()
    state = getattr(worker, "forcealloc_state", None)
    if state is None:
        state = worker.forcealloc_state = WorkerState()
    return solve_job(raw, base_digest, scenario, options, state)


# --------------------------------------------------------------------------- parent side
class _LocalPool:
    """N spawned worker processes, one job each at a time, replaced when they die."""

    def __init__(self, n: int, raw: RawInstance, digest: str, options: SolveOptions, out_dir: Path):
        self.ctx = mp.get_context("spawn")
        self.args = (raw, digest, options, out_dir)
        self.workers: list[dict] = [self._start() for _ in range(n)]

    def _start(self) -> dict:
        parent, child = self.ctx.Pipe()
        p = self.ctx.Process(target=_worker_loop, args=(child, *self.args), daemon=True)
        p.start()
        child.close()
        return {"proc": p, "conn": parent, "job": None, "ready": False}

    def run(self, jobs: list[Job], on_result: Callable, on_retry: Callable) -> None:
        queue = list(jobs)
        while queue or any(w["job"] for w in self.workers):
            for w in self.workers:
                if w["ready"] and w["job"] is None and queue:
                    w["job"] = queue.pop(0)
                    w["job"].attempts += 1
                    w["conn"].send(("job", w["job"].scenario))
            waitables = {w["conn"]: w for w in self.workers} | {w["proc"].sentinel: w for w in self.workers}
            for ready in wait(list(waitables), timeout=1.0):
                w = waitables[ready]
                if ready is w["conn"]:
                    try:
                        kind, payload = w["conn"].recv()
                    except (EOFError, OSError):
                        continue  # the sentinel reports the death
                    if kind == "ready":
                        w["ready"] = True
                    else:
                        job, w["job"] = w["job"], None
                        on_result(job, *payload)
                elif not w["proc"].is_alive():
                    job = w["job"]
                    code = w["proc"].exitcode
                    self.workers[self.workers.index(w)] = self._start()
                    if job is not None:
                        if job.attempts < 2:
                            on_retry(job, code)
                            queue.insert(0, job)
                        else:
                            on_result(job, {"scenario": job.name, "status": "error", "path": "",
                                            "error": f"worker process died twice (exit code {code})"}, None)
                    break  # the worker list changed: rebuild the wait set

    def close(self) -> None:
        for w in self.workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                w["conn"].send(("stop", None))
        deadline = time.time() + 3
        for w in self.workers:
            w["proc"].join(max(0.0, deadline - time.time()))
            if w["proc"].is_alive():
                w["proc"].terminate()


def _run_dask(address: str, jobs: list[Job], raw: RawInstance, digest: str, options: SolveOptions,
              on_result: Callable) -> None:
    import dask  # noqa: PLC0415 - optional, heavy
    from dask.distributed import Client, as_completed  # noqa: PLC0415
    from dask.utils import parse_timedelta  # noqa: PLC0415

    try:
        client = Client(address)
    except (OSError, TimeoutError, ValueError) as exc:  # refused, timed out, or not a scheduler address
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    lost: list[Exception] = []
    quiet = contextlib.nullcontext() if options.verbose else _quiet_logger("distributed")
    with quiet, client:  # a lost scheduler is reported below, without Dask's reconnect tracebacks
        wait_s = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
        try:  # a scheduler without workers would leave the batch waiting for ever
            client.wait_for_workers(1, timeout=wait_s)
        except (TimeoutError, OSError):
            raise SchedulerError(f"the Dask scheduler at {address} has no workers (waited {wait_s:g} s)") from None
        raw_f = client.scatter(raw, broadcast=True, hash=False)
        futures = {client.submit(_dask_job, raw_f, digest, j.scenario, options, pure=False,
                                 key=f"forcealloc-{j.digest}-{time.time_ns()}"): j for j in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                row, sol = fut.result()
            except (CancelledError, OSError, TimeoutError) as exc:  # nobody here cancels, and solve_job
                lost.append(exc)  # never raises: the scheduler (or the link to it) went away
                continue
            except Exception as exc:  # KilledWorker after the scheduler's allowed failures
                row, sol = {"scenario": job.name, "status": "error", "path": "",
                            "error": f"{type(exc).__name__}: {exc}"}, None
            job.attempts += 1
            on_result(job, row, sol)
    if lost:
        reason = getattr(lost[0], "reason", None) or type(lost[0]).__name__
        raise SchedulerError(f"lost the Dask scheduler at {address} ({reason}): {len(lost)} of {len(jobs)} "
                             "scenario(s) did not run")


@contextlib.contextmanager
def _quiet_logger(name: str):
    """Silence a library's loggers (Dask configures its children's levels one by one)."""
    logs = [logging.getLogger(name)] + [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)
                                        if n.startswith(name + ".")]
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(logs, levels, strict=True):
            log.setLevel(level)


def run_batch(raw: RawInstance, base_digest: str, scenarios: list[Scenario], out_dir: str | Path,
              options: SolveOptions | None = None, workers: int | None = None, scheduler: str | None = None,
              progress: Callable | None = None) -> BatchResult:
    """Solve the base and every scenario; results under ``out_dir`` as they finish.

    Every scenario is checked against the instance first (names, keys, columns,
    values, references): any problem raises ScenarioError before anything is
    solved or written."""
    options = options or SolveOptions()
    issues = name_issues(scenarios) + check_scenarios(raw, [s for s in scenarios if s.source])
    if issues:
        raise ScenarioError(issues)
    out_dir = Path(out_dir)
    state = out_dir / "state"
    state.mkdir(parents=True, exist_ok=True)
    jobs = [Job(None, _digest(base_digest, None, options))] + [
        Job(s, _digest(base_digest, s, options)) for s in scenarios]
    rows, todo, skipped = [], [], 0
    for j in jobs:
        done = state / f"{j.digest}.json"
        if done.exists():
            rows.append(json.loads(done.read_text()))
            skipped += 1
        else:
            todo.append(j)
    result = BatchResult(rows, out_dir, skipped)

    def on_result(job: Job, row: dict, sol: Solution | None) -> None:
        row = {**row, "digest": job.digest, "attempts": job.attempts}
        if sol is not None:  # Dask: the workers may not share this file system
            write_solution(sol, out_dir / "scenarios" / folder_name(job.name))
        atomic_write(state / f"{job.digest}.json", lambda p: p.write_text(json_text(_jsonable(row))))
        rows.append(row)
        if row.get("status") == "error":
            result.failed.append(job.name)
        if progress:
            progress("done", row)

    def on_retry(job: Job, code) -> None:
        if progress:
            progress("retry", {"scenario": job.name, "exit_code": code})

    if progress:
        progress("start", {"total": len(jobs), "todo": len(todo), "skipped": skipped})
    try:
        if todo and scheduler:
            _run_dask(scheduler, todo, raw, base_digest, options, on_result)
        elif todo:
            n = max(1, min(workers or os.cpu_count() or 1, len(todo)))
            pool = _LocalPool(n, raw, base_digest, options, out_dir)
            try:
                pool.run(todo, on_result, on_retry)
            finally:
                pool.close()
    except KeyboardInterrupt:
        result.interrupted = True
    except SchedulerError as exc:
        result.scheduler_error = str(exc)
    if rows:  # nothing to summarise when the scheduler could not be reached for the first job
        write_summary(rows, out_dir)
    return result


def _digest(base: str, scenario: Scenario | None, options: SolveOptions) -> str:
    opts = {k: v for k, v in asdict(options).items() if k not in ("verbose", "log")}
    sc = scenario if scenario is not None else Scenario("base", [])
    return sc.digest(json.dumps({"base": base, "options": opts}, sort_keys=True, default=str))


def _jsonable(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if isinstance(v, float) and v != v:
            v = None
        elif hasattr(v, "item"):
            v = v.item()
        out[k] = v
    return out
