"""The ``forcealloc`` command: a thin layer that parses, calls the API and prints.

Exit codes:

\b
  0  solved: optimal, or feasible when the time limit stopped the search
  1  solver error (HiGHS failed; the message says why)
  2  bad input: the instance, scenario file or options are wrong (all problems listed)
  3  infeasible: no framework can carry the force (the reasons are printed)
  4  the time limit passed before any allocation was found
  5, 6, 130  batch only: some scenarios failed; the Dask scheduler was
     unreachable or lost; interrupted (forcealloc batch --help)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from solver import alternatives as alt
from solver import api, sweeps
from solver import batch as batch_mod
from solver.changes import check_scenarios
from solver.gap import GapFormatError, gap_tables, read_gap
from solver.generate import SIZES, GeneratorSpec
from solver.generate import generate as generate_instance
from solver.instance import InstanceError
from solver.io import load_instance, read_raw
from solver.io.writers import (
    json_text,
    write_alternatives,
    write_instance,
    write_skipped,
    write_solution,
    write_tables,
)
from solver.progress import SolveProgress
from solver.report import (
    print_alternatives,
    print_batch,
    print_issues,
    print_solution,
    status_exit_code,
)
from solver.scenarios import MAX_SCENARIOS, ScenarioError, name_issues, read_scenarios
from solver.schema import TERMS
from solver.solution import Status
from solver.solve import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT, SolveOptions
from solver.sweeps import factors
from solver.validate import validate as validate_raw

EXIT_BAD_INPUT = 2

out = Console(highlight=False, soft_wrap=False)  # the terminal's width (80 when not a terminal)
err = Console(stderr=True, highlight=False)


def bad_input(exc: InstanceError) -> None:
    """Print every problem of an instance and exit with code 2."""
    n = len(exc.issues)
    print_issues(exc.issues, err, f"[red]{n} error{'s' if n != 1 else ''}[/red] in the instance:")
    print_issues(exc.warnings, err, "Warnings:")
    sys.exit(EXIT_BAD_INPUT)


def _terms(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    terms = tuple(t.strip() for t in value.split(",") if t.strip())
    for t in terms:
        if t not in TERMS:
            raise click.BadParameter(f"'{t}' is not one of {', '.join(TERMS)}", param_hint="--lexicographic")
    return terms


def solve_options(f):
    """The options every solving command shares."""
    opts = [
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIME_LIMIT,
                     show_default=True, help="Seconds HiGHS may search before it returns its best allocation."),
        click.option("--mip-gap", type=click.FloatRange(min=0), default=DEFAULT_MIP_GAP, show_default=True,
                     help="Relative optimality gap at which the search stops; 0 asks for exact optimality."),
        click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
                     help="HiGHS threads (1 is deterministic and, for these models, as fast)."),
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="HiGHS random seed; the same seed and threads give the same answer."),
        click.option("--no-aggregate", is_flag=True,
                     help="One binary per asset and role instead of integer counts per class of identical assets."),
        click.option("--no-warm-start", is_flag=True, help="Do not offer HiGHS a greedy starting allocation."),
        click.option("--lexicographic", metavar="TERMS",
                     help=f"Optimise these terms in priority order, e.g. shortfall,approval_risk,cost "
                          f"(terms: {', '.join(TERMS)}); overrides instance.yaml."),
        click.option("--lex-tolerance", type=click.FloatRange(min=0), default=None,
                     help="Relative slack each later lexicographic stage allows the earlier terms [default: instance.yaml, else 0]."),
        click.option("--verbose", "-v", is_flag=True, help="Show HiGHS progress on stderr."),
        click.option("--quiet", "-q", is_flag=True,
                     help="No progress line (it shows only on a terminal, for runs over 2 s)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def make_options(time_limit, mip_gap, threads, seed, no_aggregate, no_warm_start, lexicographic,
                 lex_tolerance, verbose, quiet=False) -> SolveOptions:
    return SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed,
                        aggregate=not no_aggregate, warm_start=not no_warm_start,
                        lexicographic=_terms(lexicographic), lex_tolerance=lex_tolerance, verbose=verbose)


def load_or_exit(path: str):
    try:
        inst, warnings = api.check(path)
    except InstanceError as exc:
        bad_input(exc)
    print_issues(warnings, err, "Warnings:")
    return inst


@click.group(epilog=__doc__.split("Exit codes", 1)[1].join(["Exit codes", ""]))
@click.version_option(package_name="forcealloc")
def main() -> None:
    """forcealloc: choose the command framework for a coalition force and assign
    national assets to its roles, at least cost and political risk, proven
    optimal by HiGHS.

    An INSTANCE is a folder of CSV tables plus instance.yaml, or one .xlsx
    workbook with a sheet per table and a settings sheet (docs/model.md).
    """


@main.command()
@click.argument("instance", type=click.Path())
def validate(instance: str) -> None:
    """Check INSTANCE and list every error and warning.

    Every problem is reported at once with its file (or sheet), row, column,
    the value found and what was expected. Exit 0 when there is no error, 2
    otherwise; warnings (roles no asset may fill, coalition nations with no
    asset, unknown columns) do not fail.
    """
    inst = load_or_exit(instance)
    out.print(
        f"{inst.name}: valid ({len(inst.nations)} nations, {len(inst.frameworks)} frameworks, "
        f"{len(inst.roles)} roles, {len(inst.assets)} assets)"
    )


@main.command()
@click.argument("instance", type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write solution.json, allocation.csv, roles.csv, nations.csv and solution.xlsx here.")
@click.option("--json", "as_json", is_flag=True, help="Print solution.json to stdout instead of tables.")
@click.option("--write-model", type=click.Path(dir_okay=False),
              help="Also write the model with domain names (.lp or .mps by extension).")
@solve_options
def solve(instance, out_dir, as_json, write_model, **kw) -> None:
    """Solve INSTANCE: pick the framework and allocate assets to roles.

    Prints the framework, the objective and its terms, role coverage and the
    nation summary. When no allocation exists it says why: which frameworks
    are vetoed and by whom, and which roles cannot be covered under the others.
    """
    inst = load_or_exit(instance)
    options = make_options(**kw)
    if write_model:
        api.Session(inst, options).write_model(write_model)
    progress = SolveProgress(enabled=None if not (kw["quiet"] or kw["verbose"]) else False)
    try:
        sol = api.solve(inst, options, progress)
    finally:
        progress.done()
    if out_dir:
        write_solution(sol, out_dir)
    if as_json:
        click.echo(json_text(sol.to_dict()), nl=False)
    else:
        names = inst.frameworks["name"].to_dict()
        print_solution(sol, out, names)
        if out_dir:
            out.print(f"Results written to {out_dir}/")
    sys.exit(status_exit_code(sol.status))


def _fraction(value: str | None) -> float | None:
    """'5', '5%' or '0.05' as a fraction (5 and 5% both mean 0.05)."""
    if value is None:
        return None
    text = value.strip().rstrip("%")
    try:
        v = float(text)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a percentage", param_hint="--within") from None
    if v < 0:
        raise click.BadParameter("must be >= 0", param_hint="--within")
    return v / 100.0


@main.command()
@click.argument("instance", type=click.Path())
@click.option("--k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many allocations, the best included.")
@click.option("--level", type=click.Choice(["nation-role", "asset", "framework"]), default="nation-role",
              show_default=True,
              help="What must differ: a nation's participation in a role; any asset's assignment; "
                   "or one allocation per framework.")
@click.option("--within", metavar="PCT",
              help="Stop once an alternative is more than PCT percent worse than the optimum (like a pool gap).")
@click.option("--near-optimal", is_flag=True,
              help="Instead: allocations within --slack of the optimum, each as different as possible "
                   "(nation-role Hamming distance) from all found before.")
@click.option("--slack", type=click.FloatRange(min=0), default=0.05, show_default=True,
              help="With --near-optimal: relative objective slack (0.05 = 5 %).")
@click.option("--count", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --near-optimal: how many allocations beyond the optimum.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write alternatives.json, alternatives.csv and alternatives.xlsx here.")
@click.option("--json", "as_json", is_flag=True, help="Print alternatives.json to stdout.")
@solve_options
def alternatives(instance, k, level, within, near_optimal, slack, count, out_dir, as_json, **kw) -> None:
    """Alternative allocations of INSTANCE, ranked, with what changed.

    k-best (default): the K best allocations that differ at --level, each
    found by a no-good cut on the same persistent model and proven the best
    remaining one to the --mip-gap (0 makes the ranking exact). --level
    framework gives the best allocation under each framework and says why the
    others yield nothing (vetoed by whom, or which roles fall short).
    --near-optimal gives maximally different allocations within a slack.
    Every alternative is compared with the best: framework switched, nations
    joining or leaving, roles changing hands, objective and term deltas.
    """
    inst = load_or_exit(instance)
    options = make_options(**kw)
    progress = SolveProgress(enabled=None if not (kw["quiet"] or kw["verbose"]) else False,
                             label="alternatives")
    try:
        if near_optimal:
            alts = alt.near_optimal(inst, slack, count, options, progress)
        else:
            alts = alt.k_best(inst, k, level, _fraction(within), options, progress=progress)
    finally:
        progress.done()
    if out_dir:
        write_alternatives(alts, out_dir)
    if as_json:
        click.echo(json_text(alts.to_dict()), nl=False)
    else:
        print_alternatives(alts, out)
        if out_dir:
            out.print(f"Results written to {out_dir}/")
    if alts.alternatives:
        sys.exit(0)
    status = alts.note if alts.note in ("infeasible", "time_limit", "error") else "infeasible"
    sys.exit(status_exit_code(Status(status)))


@main.command()
@click.argument("instance", type=click.Path())
@click.argument("scenarios", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--sweep", type=click.Choice(["withdrawal", "veto", "consent", "requirement"]), multiple=True,
              help="Generated scenarios: each nation with assets withdraws (withdrawal:<nation>); each member of "
                   "the chosen framework's approval group vetoes it (veto:<nation>); each refusal, veto and caveat "
                   "lifted (the price of that constraint); every requirement scaled by --factor.")
@click.option("--factor", default="0.5:2.0:0.25", show_default=True, metavar="START:STOP:STEP",
              help="Requirement factors for --sweep requirement.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="summary.csv, summary.parquet, scenarios/<name>/ and state/ (finished scenarios) go here.")
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes [default: one per core].")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on a Dask distributed cluster instead.")
@click.option("--max-scenarios", type=click.IntRange(min=1), default=MAX_SCENARIOS, show_default=True,
              help="Refuse a batch of more scenarios than this (raise it on purpose).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@solve_options
def batch(instance, scenarios, sweep, factor, out_dir, workers, scheduler, max_scenarios, no_progress, **kw) -> None:
    """Solve INSTANCE and what-if SCENARIOS (a YAML file) and/or generated --sweep s.

    Runs on a local process pool by default (each worker builds the base model
    once and applies parameter-only scenarios to it), or on a Dask cluster with
    --scheduler. Each result is written as it finishes; re-running the same
    command skips what is already done. A failing scenario is recorded and the
    batch goes on; a worker that dies is replaced and its scenario retried once.

    \b
    Exit codes: 0 every scenario solved (infeasible counts as an answer),
    2 bad input, 5 some scenarios failed (see the error column), 6 the Dask
    scheduler could not be reached or was lost (finished results are kept),
    130 interrupted (finished results are kept).
    """
    try:
        raw = read_raw(instance)
        base_inst = validate_raw(raw.copy())
    except InstanceError as exc:
        bad_input(exc)
    options = make_options(**kw)
    found: list = []
    issues: list = []
    if scenarios:
        try:
            found, base_path = read_scenarios(scenarios)
        except ScenarioError as exc:
            issues += exc.issues
        else:
            if base_path and Path(base_path) != Path(instance).resolve():
                err.print(f"note: {scenarios} names base {base_path}; solving against {instance}")
    try:
        factors(factor, max_scenarios) if "requirement" in sweep else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--factor") from None
    if not issues:
        issues += check_scenarios(raw, found)
    if issues:
        print_issues(issues, err, f"[red]{len(issues)} error(s)[/red] in the scenarios; nothing was solved:")
        sys.exit(EXIT_BAD_INPUT)
    skipped: list[dict] = []
    for kind in sweep:
        framework = None
        if kind == "veto":
            framework = api.Session(base_inst, options).solve().framework
        generated = sweeps.generate(kind, base_inst, factor, max_scenarios, framework)
        found += generated.scenarios
        skipped += generated.skipped
    if len(found) > max_scenarios:
        raise click.BadParameter(f"{len(found):,} scenarios exceed the cap of {max_scenarios:,}; raise it on purpose",
                                 param_hint="--max-scenarios")
    dup = name_issues(found)
    if dup:
        print_issues(dup, err, f"[red]{len(dup)} error(s)[/red] in the scenario names; nothing was solved:")
        sys.exit(EXIT_BAD_INPUT)
    result = batch_mod.run_with_progress(raw, found, out_dir, options, workers, scheduler, not no_progress, err)
    if result.scheduler_error and not result.rows:
        err.print(f"[red]error[/red]: {result.scheduler_error}\n  start one with `dask scheduler` and workers with "
                  "`dask worker tcp://HOST:8786 --nthreads 1` (docs/whatif.md); nothing was solved")
        sys.exit(batch_mod.EXIT_SCHEDULER)
    table = result.table()
    if skipped:
        write_skipped(skipped, out_dir)
    print_batch(table, out, priced="consent" in sweep, skipped=skipped)
    out.print(f"{len(table)} results in {out_dir}/ ({result.skipped} already done, {len(result.failed)} failed)")
    if result.interrupted:
        err.print("interrupted: finished scenarios are kept; run the same command again to finish")
        sys.exit(batch_mod.EXIT_INTERRUPTED)
    if result.scheduler_error:
        err.print(f"[red]error[/red]: {result.scheduler_error}; finished scenarios are kept: run the same "
                  "command again when the scheduler is back to finish")
        sys.exit(batch_mod.EXIT_SCHEDULER)
    sys.exit(batch_mod.EXIT_SCENARIO_FAILED if result.failed else 0)


@main.command("import-gap")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--problem", "-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which problem of a multi-problem file (1-based).")
@click.option("--sense", type=click.Choice(["max", "min"]), required=True,
              help="max for OR-Library's gap1-gap12 as published (profits), min for costs.")
def import_gap(file, out_dir, problem, sense) -> None:
    """Turn an OR-Library generalized assignment problem into an instance folder.

    FILE holds several problems after a leading count (gap1.txt ... gap12.txt,
    gapa.txt ... gapd.txt) or one problem without it (the yagiura files).
    Solving OUT_DIR then reports gap_objective, the GAP objective in that sense.
    """
    try:
        problems = read_gap(file)
    except GapFormatError as exc:
        err.print(f"[red]error[/red]: {exc}")
        sys.exit(EXIT_BAD_INPUT)
    if problem > len(problems):
        err.print(f"[red]error[/red]: {file} holds {len(problems)} problem(s); --problem {problem} does not exist")
        sys.exit(EXIT_BAD_INPUT)
    name = f"{Path(file).stem}-{problem}" if len(problems) > 1 else Path(file).stem
    tables, settings = gap_tables(problems[problem - 1], sense, name)
    write_tables(tables, settings, out_dir)
    m, n = problems[problem - 1].shape
    out.print(f"{name}: {m} agents x {n} jobs ({sense}) written to {out_dir}/")


@main.command()
@click.argument("out_dir", type=click.Path())
@click.option("--size", type=click.Choice(list(SIZES)), help="A named size: " + "; ".join(
    f"{k} = {n} nations, {a:,} assets, {r} roles" for k, (n, a, r) in SIZES.items()))
@click.option("--nations", type=click.IntRange(min=8), help="Number of nations (overrides --size).")
@click.option("--assets", type=click.IntRange(min=20), help="Number of assets (overrides --size).")
@click.option("--roles", type=click.IntRange(min=2), help="Number of roles (overrides --size).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def generate(out_dir, size, nations, assets, roles, seed) -> None:
    """Write a synthetic instance with the structure of real force lists.

    Nations pledge several identical units of a type, a few framework nations
    provide most capability, consent and caveats follow alliance membership,
    requirements are tight but feasible, and a US-like enabler nation and a
    backstop role exist. The same arguments and seed give the same files.
    OUT_DIR ending in .xlsx gets a workbook.
    """
    n, a, r = SIZES[size] if size else SIZES["S"]
    spec = GeneratorSpec(nations or n, assets or a, roles or r, seed)
    tables, settings = generate_instance(spec)
    write_tables(tables, settings, out_dir)
    out.print(f"{settings['name']}: {len(tables['nations'])} nations, {len(tables['assets']):,} assets, "
              f"{len(tables['roles'])} roles written to {out_dir}")


@main.command()
@click.option("--full", is_flag=True, help="Also the full cases: L, naive M, more seeds, ten alternatives of M.")
@click.option("--xl", is_flag=True, help="Also the 100,000-asset XL case.")
@click.option("--update-baseline", is_flag=True, help="Write benchmarks/baseline.json from this run (on purpose).")
def bench(full, xl, update_baseline) -> None:
    """Run the benchmark suite of a source checkout (pytest-benchmark).

    Without options: the quick subset CI runs (bundled, S, M, GAP, alternatives,
    batches), compared with benchmarks/baseline.json: it fails when model size,
    B&B nodes or LP iterations grow beyond their margins or a ratio measured in
    the run falls below its floor. Times are reported, not gated.
    """
    import pytest  # noqa: PLC0415 - a test dependency, only needed here

    root = Path(__file__).resolve().parents[1]
    if not (root / "benchmarks" / "test_benchmarks.py").exists():
        err.print("[red]error[/red]: forcealloc bench runs from a source checkout (benchmarks/ not found)")
        sys.exit(EXIT_BAD_INPUT)
    args = [str(root / "benchmarks"), "-q", "-p", "no:cacheprovider", f"--rootdir={root}"]
    args += ["--full"] * full + ["--xl"] * xl + ["--update-baseline"] * update_baseline
    sys.exit(int(pytest.main(args)))


@main.command()
@click.argument("source", type=click.Path())
@click.argument("dest", type=click.Path())
def convert(source, dest) -> None:
    """Convert an instance between a CSV folder and an .xlsx workbook.

    DEST ending in .xlsx gets a workbook (a sheet per table and a settings
    sheet); any other DEST becomes a folder of CSV files plus instance.yaml.
    """
    try:
        inst = load_instance(source)
    except InstanceError as exc:
        bad_input(exc)
    write_instance(inst, dest)
    out.print(f"{inst.name}: written to {dest}")


if __name__ == "__main__":
    main()
