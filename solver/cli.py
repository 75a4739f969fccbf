"""The ``forcealloc`` command: each command parses, calls one ``solver.api`` function, prints.

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

import subprocess
import sys
from pathlib import Path

import click
from rich.text import Text

from solver import api
from solver.cli_options import (
    ForceAllocGroup,
    err,
    finish,
    fraction,
    make_options,
    out,
    solve_options,
)
from solver.errors import EXIT_BAD_INPUT, status_exit_code
from solver.generate import SIZES
from solver.io.writers import json_text
from solver.progress import BatchProgress, SolveProgress
from solver.report import print_alternatives, print_batch, print_issues, print_solution
from solver.scenarios import MAX_SCENARIOS
from solver.sweeps import SWEEPS


def _check(path: str):
    inst, warnings = api.check(path)
    print_issues(warnings, err, "Warnings:")
    return inst


def _progress(kw: dict, label: str = "solving") -> SolveProgress:
    return SolveProgress(enabled=False if kw["quiet"] or kw["verbose"] else None, label=label)


@click.group(cls=ForceAllocGroup, epilog=__doc__.split("Exit codes", 1)[1].join(["Exit codes", ""]))
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
    asset, unknown columns, repeated caveats or links) do not fail.
    """
    inst = _check(instance)
    out.print(f"{inst.name}: valid ({len(inst.nations)} nations, {len(inst.frameworks)} frameworks, "
              f"{len(inst.roles)} roles, {len(inst.assets)} assets)", markup=False)


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

    Prints the framework with its approval probability, the objective and its
    terms, role coverage, the force in theatre and the support from outside it.
    When no allocation exists it says why: which frameworks are vetoed and by
    whom, and which roles cannot be covered under the others.
    """
    inst = _check(instance)
    progress = _progress(kw)
    try:
        sol = api.solve(inst, make_options(**kw), progress, out=out_dir, write_model=write_model)
    finally:
        progress.done()
    if as_json:
        click.echo(json_text(sol.to_dict()), nl=False)
    else:
        print_solution(sol, out, inst.frameworks["name"].to_dict())
        if out_dir:
            out.print(f"Results written to {out_dir}/", markup=False)
    finish(status_exit_code(sol.status))


@main.command()
@click.argument("instance", type=click.Path())
@click.option("--k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many allocations, the best included.")
@click.option("--level", type=click.Choice(["nation-role", "asset", "framework"]), default="nation-role",
              show_default=True,
              help="What must differ: a nation's participation in a role; any asset's assignment (identical "
                   "units interchangeable); or one allocation per framework.")
@click.option("--within", metavar="PCT", callback=fraction,
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
    joining or leaving, every nation's contribution per role before and
    after; the list says why it ends (--k, --within, or nothing else exists).
    """
    inst = _check(instance)
    progress = _progress(kw, "alternatives")
    try:
        alts = api.alternatives(inst, k, level, within, make_options(**kw), near_optimal, slack, count, progress,
                                out=out_dir)
    finally:
        progress.done()
    if as_json:
        click.echo(json_text(alts.to_dict()), nl=False)
    else:
        print_alternatives(alts, out)
        if out_dir:
            out.print(f"Results written to {out_dir}/", markup=False)
    status = "optimal" if alts.alternatives else alts.note if alts.note in ("time_limit", "error") else "infeasible"
    finish(status_exit_code(status))


@main.command()
@click.argument("instance", type=click.Path())
@click.argument("scenarios", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--sweep", type=click.Choice(SWEEPS), multiple=True,
              help="Generated scenarios: each nation with assets withdraws; the chosen framework vetoed (any one "
                   "member's veto, one scenario); consent: the price of each political commitment that can change "
                   "the answer (vetoes, refusals, caveats, links, budgets, shares); every requirement x --factor.")
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

    Every scenario is checked against the instance first: any problem (a key,
    column, value or reference that does not exist) is listed with its line and
    nothing is solved. Runs on a local process pool by default (each worker
    builds the base model once and applies parameter-only scenarios to it), or
    on a Dask cluster with --scheduler. Each result is written as it finishes;
    re-running the same command skips what is already done.

    \b
    Exit codes: 0 every scenario solved (infeasible counts as an answer),
    2 bad input, 5 some scenarios failed (see the error column), 6 the Dask
    scheduler could not be reached or was lost (finished results are kept),
    130 interrupted (finished results are kept).
    """
    with BatchProgress(err, show=not no_progress) as bar:
        run = api.batch(instance, scenarios, sweep, out_dir, make_options(**kw), workers, scheduler, factor,
                        max_scenarios, bar)
    result = run.result
    if result.scheduler_error and not result.rows:
        err.print(Text.assemble(("error", "red"), f": {result.scheduler_error}\n  start one with `dask scheduler` "
                                "and workers with `dask worker tcp://HOST:8786 --nthreads 1` (docs/whatif.md); "
                                "nothing was solved"))
        finish(run.exit_code)
    table = result.table()
    print_batch(table, out, priced="consent" in sweep, skipped=run.skipped)
    out.print(f"{len(table)} results in {out_dir}/ ({result.skipped} already done, {len(result.failed)} failed)",
              markup=False)
    if result.interrupted:
        err.print("interrupted: finished scenarios are kept; run the same command again to finish")
    elif result.scheduler_error:
        err.print(Text.assemble(("error", "red"), f": {result.scheduler_error}; finished scenarios are kept: run "
                                "the same command again when the scheduler is back to finish"))
    finish(run.exit_code)


@main.command("import-gap")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--problem", "-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which problem of a multi-problem file (1-based).")
@click.option("--sense", type=click.Choice(["max", "min"]), required=True,
              help="max for OR-Library's gap1-gap12 as published (profits), min for costs.")
@click.option("--force", is_flag=True, help="Replace an instance already in OUT_DIR.")
def import_gap(file, out_dir, problem, sense, force) -> None:
    """Turn an OR-Library generalized assignment problem into an instance folder.

    FILE holds several problems after a leading count (gap1.txt ... gap12.txt,
    gapa.txt ... gapd.txt) or one problem without it (the yagiura files).
    Solving OUT_DIR then reports gap_objective, the GAP objective in that sense.
    """
    done = api.import_gap(file, out_dir, sense, problem, force)
    out.print(f"{done['name']}: {done['agents']} agents x {done['jobs']} jobs ({sense}) written to {out_dir}/",
              markup=False)


@main.command()
@click.argument("out_dir", type=click.Path())
@click.option("--size", type=click.Choice(list(SIZES)), default="S", show_default=True, help="A named size: " + "; ".join(
    f"{k} = {n} nations, {a:,} assets, {r} roles" for k, (n, a, r) in SIZES.items()))
@click.option("--nations", type=click.IntRange(min=8), help="Number of nations (overrides --size).")
@click.option("--assets", type=click.IntRange(min=20), help="Number of assets (overrides --size).")
@click.option("--roles", type=click.IntRange(min=2), help="Number of roles (overrides --size).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--force", is_flag=True, help="Replace an instance already in OUT_DIR.")
def generate(out_dir, size, nations, assets, roles, seed, force) -> None:
    """Write a synthetic instance with the structure of real force lists.

    Nations pledge several identical units of a type, a few framework nations
    provide most capability, consent and caveats follow alliance membership,
    requirements are tight but feasible, and a US-like enabler nation and a
    backstop role exist. The same arguments and seed give the same files.
    OUT_DIR ending in .xlsx gets a workbook.
    """
    made = api.generate(out_dir, size, nations, assets, roles, seed, force)
    n = made["sizes"]
    out.print(f"{made['name']}: {n['nations']} nations, {n['assets']:,} assets, {n['roles']} roles written to "
              f"{out_dir}", markup=False)


@main.command()
@click.argument("source", type=click.Path())
@click.argument("dest", type=click.Path())
@click.option("--force", is_flag=True, help="Replace DEST if it exists.")
def convert(source, dest, force) -> None:
    """Convert an instance between a CSV folder and an .xlsx workbook.

    DEST ending in .xlsx gets a workbook (a sheet per table and a settings
    sheet); any other DEST becomes a folder of CSV files plus instance.yaml.
    """
    inst = api.convert(source, dest, force)
    out.print(f"{inst.name}: written to {dest}", markup=False)


@main.command(context_settings={"ignore_unknown_options": True})
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
    root = Path(__file__).resolve().parents[1]
    if not (root / "benchmarks" / "test_benchmarks.py").exists():
        err.print("[red]error[/red]: forcealloc bench runs from a source checkout (benchmarks/ not found)")
        finish(EXIT_BAD_INPUT)
    args = [sys.executable, "-m", "pytest", str(root / "benchmarks"), "-q", "-p", "no:cacheprovider",
            f"--rootdir={root}", *["--full"] * full, *["--xl"] * xl, *["--update-baseline"] * update_baseline]
    finish(subprocess.run(args, cwd=root).returncode)


if __name__ == "__main__":
    main()
