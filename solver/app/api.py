"""The Python API a notebook user calls; every CLI command is a thin layer over one function.

Each function takes an instance (or its path) and plain arguments, raises a
typed error from ``solver.domain.errors`` (its ``exit_code`` is what the command exits
with) and returns the result object; with ``out`` it also writes the result
files, atomically, after checking that the destination can take them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from models.eligibility import eligibility_warnings, eligible_pairs
from solver.analysis import alternatives as alt
from solver.analysis import planning
from solver.analysis.conflicts import ExplainOptions
from solver.analysis.diagnose import diagnose
from solver.analysis.explain import Explanation, raw_of
from solver.analysis.explain import explain as explain_instance
from solver.analysis.mission_diagnose import explain_mission
from solver.analysis.recourse import needs_generation, solve_by_generation
from solver.analysis.robust_curve import robust_curve, write_curve
from solver.analysis.whatif import sweeps
from solver.analysis.whatif.batch import BatchResult, run_batch
from solver.analysis.whatif.changes import check_scenarios
from solver.analysis.whatif.scenarios import (
    MAX_SCENARIOS,
    base_digest,
    name_issues,
    read_scenarios_all,
)
from solver.analysis.withdrawals import attach as attach_robust
from solver.analysis.withdrawals import with_robust
from solver.domain.commitments import COMMITMENT_KINDS, LIFT_WEIGHTS
from solver.domain.errors import Issue, OptionError, OutputError, ScenarioError
from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.engine.session import Session, SolveOptions
from solver.io import load_instance, read_raw
from solver.io.gap import gap_tables, read_gap
from solver.io.generate import SIZES, GeneratorSpec
from solver.io.generate import generate as generate_tables
from solver.io.robust_spec import resolve_robust
from solver.io.validate import validate
from solver.io.writers import (
    check_destination,
    write_alternatives,
    write_instance,
    write_skipped,
    write_solution,
    write_tables,
)
from solver.present.brief import context as brief_context
from solver.present.brief import robustness_picture, write_brief
from solver.present.explain_out import write_explanation
from solver.results.solution import Solution
from solver.results.timeline import mission_sentences

__all__ = ["BatchRun", "Session", "SolveOptions", "alternatives", "batch", "check", "convert", "explain",
           "generate", "import_gap", "report", "solve"]

Progress = Callable[[dict], None]
THRESHOLDS_MIN_S = 10.0  # each threshold re-solve may take this long at least (see _answer)


def _instance(instance: Instance | str | Path) -> Instance:
    return instance if isinstance(instance, Instance) else load_instance(instance)


def _snapshot_only(inst: Instance, command: str) -> None:
    """Commands that read the single-period model refuse a mission over time (exit 2)."""
    if inst.settings.mission.timed:
        raise OptionError("mission", f"{command} works on a single period for now; this instance plans "
                                     f"{inst.settings.mission.periods} periods (instance.yaml mission). Use solve or "
                                     "batch, or set mission periods to 1")


def check(path: str | Path) -> tuple[Instance, list[Issue]]:
    """Load and validate an instance; return it with every warning (errors raise)."""
    inst = load_instance(path)
    warnings = list(inst.warnings)
    src = "roles.csv" if Path(path).is_dir() else f"{Path(path).name} sheet roles"
    warnings += [Issue(src, w, severity="warning") for w in eligibility_warnings(inst, eligible_pairs(inst))]
    return inst, warnings


def solve(instance: Instance | str | Path, options: SolveOptions | None = None, *, progress: Progress | None = None,
          out: str | Path | None = None, write_model: str | Path | None = None,
          report: str | Path | None = None, framework: str | None = None, fallback: bool = False,
          change_penalty: float | None = None, with_thresholds: bool = True,
          thresholds_time_limit: float | None = None) -> Solution:
    """Solve an instance (or the path of one) and explain it when it is infeasible.
    ``progress`` is called during the search with {incumbent, bound, gap}; ``out`` gets
    solution.json, the CSV tables and solution.xlsx; ``write_model`` the model (.lp/.mps);
    ``report`` the brief (brief.html, as ``forcealloc report``). ``framework`` holds one
    framework (compared with the free optimum); ``fallback`` adds Plan B (``change_penalty``,
    default instance.yaml's); ``with_thresholds`` False skips the thresholds (their
    per-framework re-solves; ``thresholds_time_limit`` caps each of them, in seconds)."""
    for dest in (out, report):
        if dest is not None:
            check_destination(dest)
    if write_model:
        check_destination(write_model, "file", "--write-model", suffixes=(".lp", ".mps"))
    if change_penalty is not None and not (change_penalty >= 0 and change_penalty != float("inf")):
        raise OptionError("--change-penalty", f"a finite number >= 0 (not {change_penalty})")
    if framework is not None and fallback:
        raise OptionError("--framework", "either a held framework or --fallback, not both")
    instance = _instance(instance)
    session, run, sol = _answer(instance, options, progress, framework=framework, fallback=fallback,
                                change_penalty=change_penalty, with_thresholds=with_thresholds,
                                thresholds_time_limit=thresholds_time_limit, write_model=write_model)
    if out is not None:
        _written(lambda: write_solution(sol, out), out)
    if report is not None:
        _brief(instance, instance, session, run, sol, session.options, report, None, 5, progress)
    return sol


def alternatives(instance: Instance | str | Path, k: int = 5, *, level: str = "nation-role", within: float | None = None,
                 options: SolveOptions | None = None, near_optimal: bool = False, slack: float = 0.05,
                 count: int = 5, progress: Progress | None = None, out: str | Path | None = None) -> alt.Alternatives:
    """k-best allocations at a level (or one per framework), or near-optimal ones that
    differ as much as possible; ``out`` gets alternatives.json, .csv and .xlsx."""
    if out is not None:
        check_destination(out)
    instance = _instance(instance)
    _snapshot_only(instance, "alternatives")
    if level not in alt.LEVELS:
        raise OptionError("--level", f"one of {', '.join(alt.LEVELS)} (not {level!r})")
    if near_optimal:
        alts = alt.near_optimal(instance, slack, count, options, progress)
    else:
        alts = alt.k_best(instance, k, level, within, options, progress=progress)
    if out is not None:
        _written(lambda: write_alternatives(alts, out), out)
    return alts


def explain(instance: Instance | str | Path, options: SolveOptions | None = None, *, why_not: tuple[str, ...] = (),
            matrix: bool = False, order: tuple[str, ...] | None = None, weights: dict[str, float] | None = None,
            workers: int | None = None, scheduler: str | None = None, out: str | Path | None = None,
            progress: Progress | None = None, matrix_progress: Callable | None = None,
            answers_only: bool = False) -> Explanation:
    """Why this framework and these nations, per framework (best objective, or minimal
    conflicts and the cheapest repair), per nation (in with its roles, or out and why, with
    the proven objective difference of forcing it in, and its money difference) and per ``why_not`` (FRAMEWORK, NATION or NATION:ROLE);
    ``matrix`` adds every (nation, role) pair on the batch runner. ``out`` gets
    explanation.json, the CSV tables and explanation.xlsx. ``answers_only`` skips the
    per-framework and per-nation parts (``--why-not`` on its own)."""
    if out is not None:
        check_destination(out)
    if order is not None and set(order) != set(COMMITMENT_KINDS):
        raise OptionError("--order", f"every kind once: {', '.join(COMMITMENT_KINDS)}")
    if weights is not None and not set(weights) <= set(COMMITMENT_KINDS):
        raise OptionError("--weights", f"kinds among {', '.join(COMMITMENT_KINDS)}")
    eo = ExplainOptions(order=tuple(order or COMMITMENT_KINDS), weights={**LIFT_WEIGHTS, **(weights or {})},
                        nations=not answers_only, frameworks=not answers_only)
    inst = _instance(instance)
    _snapshot_only(inst, "explain")
    grid = None
    if matrix:
        dest = Path(out) / "regret" if out is not None else Path(tempfile.mkdtemp(prefix="forcealloc-regret-"))
        grid = {"raw": raw_of(inst), "out": dest, "workers": workers, "scheduler": scheduler,
                "progress": matrix_progress}
    ex = explain_instance(inst, options, eo, why_not, progress, grid)
    if out is not None:
        _written(lambda: write_explanation(ex, out), out)
    return ex


def report(instance: str | Path, out: str | Path, batch_dir: str | Path | None = None, *, k: int = 5,
           options: SolveOptions | None = None, progress: Progress | None = None,
           robust_k: int | None = None) -> Path:
    """DIR/brief.html: the optimum, the per-framework comparison, the nation-role
    alternatives, the explanation and, from a finished batch (its summary.csv), the what-if
    impacts and prices of commitments; the files behind it go to DIR/solution,
    DIR/explanation and DIR/alternatives."""
    check_destination(out)
    batch = _read_batch(batch_dir) if batch_dir is not None else None
    options = options or SolveOptions()
    inst = _instance(instance)
    session, run, sol = _answer(inst, options, progress)
    return _brief(inst, instance, session, run, sol, options, out, batch, k, progress, robust_k)


def _answer(instance: Instance, options: SolveOptions | None, progress: Progress | None, *,
            framework: str | None = None, fallback: bool = False, change_penalty: float | None = None,
            with_thresholds: bool = True, thresholds_time_limit: float | None = None,
            write_model: str | Path | None = None) -> tuple[Session, object, Solution]:
    """The answer every command starts from, on one session: the optimum (or a held
    framework, or Plan B), the thresholds of the choice, why it is infeasible when it is,
    and what withdrawals do to it. Returns the session, the free optimum's run (None when
    the answer is not the free optimum) and the solution."""
    options = with_robust(instance, options)  # instance.yaml robust when the caller set none (v3)
    timed = instance.settings.mission.timed
    if timed and (fallback or (options.robust is not None and options.robust.k > 0) or options.keep is not None):
        raise OptionError("mission", "withdrawals, re-plans and Plan B work on a single period for now; this "
                                     f"instance plans {instance.settings.mission.periods} periods (instance.yaml "
                                     "mission)")
    generated = needs_generation(options.robust)  # recourse over many withdrawal sets
    if generated:
        session, sol = solve_by_generation(instance, options, progress)
    else:
        session = Session(instance, options, progress=progress)
    planning.check_framework(session, framework)
    if write_model:
        Path(write_model).parent.mkdir(parents=True, exist_ok=True)
        _written(lambda: session.write_model(write_model), write_model)
    run = None
    if generated:
        pass
    elif framework is not None:
        sol = planning.solve_held(session, framework=framework)
    elif fallback:
        penalty = instance.settings.fallback_change_penalty if change_penalty is None else change_penalty
        sol = planning.solve_fallback(session, change_penalty=penalty, with_thresholds=with_thresholds)
    else:
        run = session.optimise()
        sol = session.solution(run)
        if with_thresholds:
            # each other framework's optimum is searched for at most as long as the answer took
            # (10 s at least) unless asked otherwise: on large lists the losing frameworks can
            # take many times the solve to prove, and the thresholds say when they are approximate
            cap = thresholds_time_limit or max(THRESHOLDS_MIN_S, float(sol.solver.get("time_s") or 0.0))
            planning.add_thresholds(session, sol, time_limit=min(cap, session.options.time_limit))
        else:
            sol.extra["thresholds"] = None  # skipped on request (--no-thresholds)
    if sol.status == Status.INFEASIBLE and timed:  # over time: from which period, which role, what fixes it
        sol.diagnosis, sol.infeasibility = explain_mission(instance, session.options)
    elif sol.status == Status.INFEASIBLE:
        sol.diagnosis, sol.infeasibility = diagnose(session)
        if framework is not None:  # only the held framework's reasons: the others are not asked about
            sol.diagnosis = [d for d in sol.diagnosis if d.startswith(f"{framework}:")] or sol.diagnosis
    if not timed:  # critical nations, chances, price of robustness (v3); per period: not yet
        attach_robust(instance, options, sol)
    return session, run, sol


def _brief(inst: Instance, source, session: Session, run, sol: Solution, options: SolveOptions, out,
           batch: dict | None, k: int, progress: Progress | None, robust_k: int | None = None) -> Path:
    """The brief from one solved session: the explanation and the alternatives start from
    its answer instead of solving the instance again."""
    solved = (session, run) if run is not None else None  # a held framework or Plan B: explain the free optimum
    if inst.settings.mission.timed:  # over time: the mission in words; explanations and alternatives are per snapshot
        ex = Explanation(inst.name, sol, why=mission_sentences(sol, inst), mip_gap=options.mip_gap)
        alts = None
    else:
        ex = explain_instance(inst, options, ExplainOptions(), progress=progress, solved=solved)
        alts = alt.k_best(inst, k, level="nation-role", options=options, session=session if solved else None,
                          first=sol if solved else None) if sol.status.has_solution else None
    path = source if not isinstance(source, Instance) else (inst.source or inst.name)
    ctx = brief_context(sol, ex, alts, inst, path, options, batch)
    ctx["fallback"], ctx["fallback_reason"] = planning.brief_fallback(session, sol)
    curve = None
    if robust_k is not None:  # v3: report --robust K, the price of robustness as a picture
        spec = resolve_robust(inst, survive=0)
        curve = robust_curve(inst, spec=spec, k_max=robust_k, options=replace(options, robust=None))
        ctx["pictures"].append(robustness_picture(curve.table, inst.settings.units.get("cost", ""),
                                                  spec.hesitant, curve.note))
    out = Path(out)

    def write_all() -> None:
        write_solution(sol, out / "solution")
        write_explanation(ex, out / "explanation")
        if alts is not None:
            write_alternatives(alts, out / "alternatives")
        if curve is not None:
            write_curve(curve, out / "robust")
        write_brief(ctx, out)

    _written(write_all, out)
    return out / "brief.html"


def _read_batch(batch_dir: str | Path) -> dict:
    """A finished batch's summary (and its unpriced commitments), checked before any solve."""
    d = Path(batch_dir)
    summary = d / "summary.csv"
    if not summary.is_file():
        raise OptionError("--batch", f"a finished batch folder with a summary.csv ({d} has none)")
    try:
        table = pd.read_csv(summary)
    except (OSError, ValueError) as exc:
        raise OptionError("--batch", f"a readable summary.csv in {d} ({exc})") from None
    need = {"scenario", "status", "description", "delta_cost", "delta_shortfall", "delta_objective", "roles_short",
            "nations_leave", "framework"}
    if not need <= set(table.columns):
        raise OptionError("--batch", f"a summary.csv written by this forcealloc (missing {sorted(need - set(table.columns))})")
    skipped = pd.read_csv(d / "skipped.csv").to_dict("records") if (d / "skipped.csv").is_file() else []
    return {"summary": table, "skipped": skipped}


@dataclass
class BatchRun:
    """A finished (or stopped) batch: the runner's result and the commitments not priced."""

    result: BatchResult
    skipped: list[dict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.result.exit_code


def batch(instance: str | Path, scenario_file: str | Path | None = None, *, sweep: tuple[str, ...] = (),
          out: str | Path = "out", options: SolveOptions | None = None, workers: int | None = None,
          scheduler: str | None = None, factor: str = "0.5:2.0:0.25", max_scenarios: int = MAX_SCENARIOS,
          progress: Callable | None = None) -> BatchRun:
    """Solve the instance and every scenario of a file and/or generated sweeps.

    Everything is checked first (the instance, every change of every scenario, the
    names, the factor range, the number of scenarios): any problem raises BadInput
    before anything is solved or written."""
    options = options or SolveOptions()
    check_destination(out)
    raw = read_raw(instance)
    base = validate(raw.copy())
    found, issues = [], []
    if scenario_file is not None:
        found, _, issues = read_scenarios_all(scenario_file)  # form problems, and the rest checked below
    if "requirement" in sweep:
        try:
            sweeps.factors(factor, max_scenarios)
        except ValueError as exc:
            raise OptionError("--factor", str(exc)) from None
    issues += check_scenarios(raw, found)
    if issues:
        raise ScenarioError(issues)
    skipped: list[dict] = []
    for kind in sweep:
        framework = Session(base, options).solve().framework if kind == "veto" else None
        made = sweeps.generate(kind, base, factor, max_scenarios, framework)
        found += made.scenarios
        skipped += made.skipped
    if len(found) > max_scenarios:
        raise OptionError("--max-scenarios", f"{len(found):,} scenarios exceed the cap of {max_scenarios:,}; "
                                             "raise it on purpose")
    named = name_issues(found)
    if named:
        raise ScenarioError(named)
    result = run_batch(raw, base_digest(raw), found, out, options, workers, scheduler, progress)
    if skipped and result.rows:
        write_skipped(skipped, out)
    return BatchRun(result, skipped)


def _instance_destination(dest: str | Path, force: bool, option: str) -> None:
    """An instance is written to a new or empty folder, or a new .xlsx, unless forced."""
    kind = "file" if str(dest).lower().endswith(".xlsx") else "folder"
    check_destination(dest, kind, option, force=force)


def _written(write: Callable[[], object], dest) -> None:
    """Run a writer; a failure (a full disk) is named with its path, nothing partial kept."""
    try:
        write()
    except OSError as exc:
        error = OutputError([f"{dest}: the results could not be written ({exc.strerror or exc})"])
        error.consequence = "nothing partial was left"
        raise error from None


def generate(out: str | Path, size: str = "S", *, nations: int | None = None, assets: int | None = None,
             roles: int | None = None, seed: int = 0, force: bool = False) -> dict:
    """Write a synthetic instance (a folder, or a workbook when ``out`` ends in .xlsx);
    returns its settings with the table sizes. An existing instance is replaced only
    with ``force``."""
    _instance_destination(out, force, "OUT_DIR")
    n, a, r = SIZES[size]
    tables, settings = generate_tables(GeneratorSpec(nations or n, assets or a, roles or r, seed))
    _written(lambda: write_tables(tables, settings, out), out)
    return {**settings, "sizes": {k: len(v) for k, v in tables.items()}}


def convert(source: str | Path, dest: str | Path, *, force: bool = False) -> Instance:
    """An instance from a CSV folder to a workbook (``dest`` ending in .xlsx) or back;
    an existing destination is replaced only with ``force``."""
    _instance_destination(dest, force, "DEST")
    inst = load_instance(source)
    _written(lambda: write_instance(inst, dest), dest)
    return inst


def import_gap(file: str | Path, out: str | Path, sense: str, *, problem: int = 1, force: bool = False) -> dict:
    """One problem of an OR-Library GAP file as an instance folder (MODEL.md's mapping)."""
    _instance_destination(out, force, "OUT_DIR")
    problems = read_gap(file)
    if not 1 <= problem <= len(problems):
        raise OptionError("--problem", f"{file} holds {len(problems)} problem(s); there is no problem {problem}")
    name = f"{Path(file).stem}-{problem}" if len(problems) > 1 else Path(file).stem
    tables, settings = gap_tables(problems[problem - 1], sense, name)
    _written(lambda: write_tables(tables, settings, out), out)
    m, n = problems[problem - 1].shape
    return {"name": name, "agents": m, "jobs": n, "sense": sense}
