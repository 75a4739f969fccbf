"""The Python API a notebook user calls; every CLI command is a thin layer over one function.

Each function takes an instance (or its path) and plain arguments, raises a
typed error from ``solver.errors`` (its ``exit_code`` is what the command exits
with) and returns the result object; with ``out`` it also writes the result
files, atomically, after checking that the destination can take them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from models.commitments import DEFAULT_WEIGHTS, KINDS
from models.eligibility import eligibility_warnings, eligible_pairs
from solver import alternatives as alt
from solver import sweeps
from solver.batch import BatchResult, run_batch
from solver.brief import context as brief_context
from solver.brief import write_brief
from solver.changes import check_scenarios
from solver.diagnose import explain_infeasible
from solver.errors import OptionError
from solver.explain import Explanation, raw_of
from solver.explain import explain as explain_instance
from solver.explain_out import write_explanation
from solver.gap import gap_tables, read_gap
from solver.generate import SIZES, GeneratorSpec
from solver.generate import generate as generate_tables
from solver.instance import Instance, Issue
from solver.io import load_instance, read_raw
from solver.io.writers import (
    OutputError,
    check_destination,
    write_alternatives,
    write_instance,
    write_skipped,
    write_solution,
    write_tables,
)
from solver.relaxer import ExplainOptions
from solver.scenarios import MAX_SCENARIOS, ScenarioError, base_digest, name_issues, read_scenarios
from solver.session import Session, SolveOptions
from solver.solution import Solution
from solver.status import Status
from solver.validate import validate

__all__ = ["BatchRun", "Session", "SolveOptions", "alternatives", "batch", "check", "convert", "explain",
           "generate", "import_gap", "report", "solve"]

Progress = Callable[[dict], None]


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


def solve(instance: Instance | str | Path, options: SolveOptions | None = None, progress: Progress | None = None,
          out: str | Path | None = None, write_model: str | Path | None = None,
          report: str | Path | None = None) -> Solution:
    """Solve an instance (or the path of one) and explain it when it is infeasible.
    ``progress`` is called during the search with {incumbent, bound, gap}; ``out`` gets
    solution.json, the CSV tables and solution.xlsx; ``write_model`` the model (.lp/.mps);
    ``report`` the brief (brief.html, as ``forcealloc report``)."""
    for dest in (out, report):
        if dest is not None:
            check_destination(dest)
    if write_model:
        check_destination(write_model, "file", "--write-model", suffixes=(".lp", ".mps"))
    instance = _instance(instance)
    if report is not None:
        _snapshot_only(instance, "the brief (--report)")
    session = Session(instance, options, progress=progress)
    if write_model:
        Path(write_model).parent.mkdir(parents=True, exist_ok=True)
        _written(lambda: session.write_model(write_model), write_model)
    sol = session.solve()
    if sol.status == Status.INFEASIBLE and session.time is not None:  # over time: which period, role, fix
        from solver.timeline_diagnose import explain_mission  # noqa: PLC0415

        sol.diagnosis, sol.infeasibility = explain_mission(instance, session.options)
    elif sol.status == Status.INFEASIBLE:
        sol.diagnosis, sol.infeasibility = explain_infeasible(instance, session.data, session.options)
    if out is not None:
        _written(lambda: write_solution(sol, out), out)
    if report is not None:
        _brief(_instance(instance), instance, sol, session.options, report, None, 5, progress)
    return sol


def alternatives(instance: Instance | str | Path, k: int = 5, level: str = "nation-role", within: float | None = None,
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


def explain(instance: Instance | str | Path, options: SolveOptions | None = None, why_not: tuple[str, ...] = (),
            matrix: bool = False, order: tuple[str, ...] | None = None, weights: dict[str, float] | None = None,
            workers: int | None = None, scheduler: str | None = None, out: str | Path | None = None,
            progress: Progress | None = None, matrix_progress: Callable | None = None) -> Explanation:
    """Why this framework and these nations, per framework (best objective, or minimal
    conflicts and the cheapest repair), per nation (in with its roles, or out and why, with
    the proven cost of forcing it in) and per ``why_not`` (FRAMEWORK, NATION or NATION:ROLE);
    ``matrix`` adds every (nation, role) pair on the batch runner. ``out`` gets
    explanation.json, the CSV tables and explanation.xlsx."""
    if out is not None:
        check_destination(out)
    if order is not None and set(order) != set(KINDS):
        raise OptionError("--order", f"every kind once: {', '.join(KINDS)}")
    if weights is not None and not set(weights) <= set(KINDS):
        raise OptionError("--weights", f"kinds among {', '.join(KINDS)}")
    eo = ExplainOptions(order=tuple(order or KINDS), weights={**DEFAULT_WEIGHTS, **(weights or {})})
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


def report(instance: str | Path, out: str | Path, batch_dir: str | Path | None = None, k: int = 5,
           options: SolveOptions | None = None, progress: Progress | None = None) -> Path:
    """DIR/brief.html: the optimum, the per-framework comparison, the nation-role
    alternatives, the explanation and, from a finished batch (its summary.csv), the what-if
    impacts and prices of commitments; the files behind it go to DIR/solution,
    DIR/explanation and DIR/alternatives."""
    check_destination(out)
    batch = _read_batch(batch_dir) if batch_dir is not None else None
    options = options or SolveOptions()
    inst = _instance(instance)
    _snapshot_only(inst, "report")
    return _brief(inst, instance, solve(inst, options, progress), options, out, batch, k, progress)


def _brief(inst: Instance, source, sol: Solution, options: SolveOptions, out, batch: dict | None, k: int,
           progress: Progress | None) -> Path:
    ex = explain_instance(inst, options, ExplainOptions(), (), progress)
    alts = alt.k_best(inst, k, "nation-role", None, options) if sol.status.has_solution else None
    path = source if not isinstance(source, Instance) else (inst.source or inst.name)
    ctx = brief_context(sol, ex, alts, inst, path, options, batch)
    out = Path(out)

    def write_all() -> None:
        write_solution(sol, out / "solution")
        write_explanation(ex, out / "explanation")
        if alts is not None:
            write_alternatives(alts, out / "alternatives")
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


def batch(instance: str | Path, scenario_file: str | Path | None = None, sweep: tuple[str, ...] = (),
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
        try:
            found, _ = read_scenarios(scenario_file)
        except ScenarioError as exc:
            issues += exc.issues
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


def generate(out: str | Path, size: str = "S", nations: int | None = None, assets: int | None = None,
             roles: int | None = None, seed: int = 0, force: bool = False) -> dict:
    """Write a synthetic instance (a folder, or a workbook when ``out`` ends in .xlsx);
    returns its settings with the table sizes. An existing instance is replaced only
    with ``force``."""
    _instance_destination(out, force, "OUT_DIR")
    n, a, r = SIZES[size]
    tables, settings = generate_tables(GeneratorSpec(nations or n, assets or a, roles or r, seed))
    _written(lambda: write_tables(tables, settings, out), out)
    return {**settings, "sizes": {k: len(v) for k, v in tables.items()}}


def convert(source: str | Path, dest: str | Path, force: bool = False) -> Instance:
    """An instance from a CSV folder to a workbook (``dest`` ending in .xlsx) or back;
    an existing destination is replaced only with ``force``."""
    _instance_destination(dest, force, "DEST")
    inst = load_instance(source)
    _written(lambda: write_instance(inst, dest), dest)
    return inst


def import_gap(file: str | Path, out: str | Path, sense: str, problem: int = 1, force: bool = False) -> dict:
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
