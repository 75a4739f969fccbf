"""The ``forcealloc`` command: each command parses, calls one ``solver.app.api`` function, prints.

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

import click
from rich.text import Text

from solver.analysis.whatif.scenarios import MAX_SCENARIOS
from solver.analysis.whatif.sweeps import SWEEPS
from solver.app import api, robust_command
from solver.app.file_commands import FILE_COMMANDS
from solver.app.options import (
    ForceAllocGroup,
    err,
    finish,
    fraction,
    make_options,
    out,
    solve_options,
)
from solver.domain.commitments import COMMITMENT_KINDS
from solver.domain.errors import status_exit_code
from solver.io.writers import json_text
from solver.present.explain_out import print_explanation, print_why_not, to_dict
from solver.present.progress import BatchProgress, SolveProgress
from solver.present.robust import print_robust
from solver.present.terminal import print_alternatives, print_batch, print_issues, print_solution


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
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write solution.json, allocation.csv, roles.csv, nations.csv and solution.xlsx here.")
@click.option("--json", "as_json", is_flag=True, help="Print solution.json to stdout instead of tables.")
@click.option("--write-model", type=click.Path(dir_okay=False),
              help="Also write the model with domain names (.lp or .mps by extension).")
@click.option("--framework", "held", metavar="FRAMEWORK",
              help="Hold this framework; the answer says what holding it changes against the free optimum.")
@click.option("--fallback", is_flag=True,
              help="Plan B: a primary plan and a fallback plan under another framework if the primary is not "
                   "approved, minimising the expected objective plus the change penalty x changed pledges.")
@click.option("--no-thresholds", is_flag=True,
              help="Skip the thresholds of the choice (one re-solve per other framework; on large instances "
                   "they can take several times the solve itself).")
@click.option("--thresholds-time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for each framework's re-solve behind the thresholds [default: as long as the solve "
                   "took, 10 s at least; thresholds not proven within it are marked approximate].")
@robust_command.robust_options
@solve_options
def solve(instance, out_dir, as_json, write_model, held, fallback, no_thresholds, thresholds_time_limit,
          **kw) -> None:
    """Solve INSTANCE: pick the framework and allocate assets to roles.

    Prints the framework with its approval probability, the objective and its
    terms, role coverage, the force in theatre and the support from outside it.
    When no allocation exists it says why: which frameworks are vetoed and by
    whom, and which roles cannot be covered under the others.
    """
    inst = _check(instance)
    robust = robust_command.pop_robust(kw)
    if fallback and robust["change_penalty"] is not None and robust["change_penalty"] == float("inf"):
        raise click.BadParameter("a finite number", param_hint="--change-penalty")
    # one --change-penalty: Plan B's with --fallback, the re-plan's with --keep
    plan_b_penalty = robust.pop("change_penalty") if fallback else None
    robust.setdefault("change_penalty", None)
    options = robust_command.robust_solve_options(inst, make_options(**kw), **robust)
    progress = _progress(kw)
    try:
        sol = api.solve(inst, options, progress=progress, out=out_dir, write_model=write_model, framework=held,
                        fallback=fallback, change_penalty=plan_b_penalty, with_thresholds=not no_thresholds,
                        thresholds_time_limit=thresholds_time_limit)
    finally:
        progress.done()
    if as_json:
        click.echo(json_text(sol.to_dict()), nl=False)
    else:
        print_solution(sol, out, inst.frameworks["name"].to_dict(), instance=inst)
        print_robust(sol, out, inst.nations["name"].to_dict(), inst.roles["name"].to_dict())
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
        alts = api.alternatives(inst, k, level=level, within=within, options=make_options(**kw),
                                near_optimal=near_optimal, slack=slack, count=count, progress=progress, out=out_dir)
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
@robust_command.keep_options
@solve_options
def batch(instance, scenarios, sweep, factor, out_dir, workers, scheduler, max_scenarios, no_progress, keep,
          change_penalty, **kw) -> None:
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
    options = robust_command.batch_keep(_check, instance, make_options(**kw), keep, change_penalty)
    with BatchProgress(err, show=not no_progress) as bar:
        run = api.batch(instance, scenarios, sweep=sweep, out=out_dir, options=options, workers=workers,
                        scheduler=scheduler, factor=factor, max_scenarios=max_scenarios, progress=bar)
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


@main.command()
@click.argument("instance", type=click.Path())
@click.option("--why-not", "why_not", multiple=True, metavar="FRAMEWORK|NATION[:ROLE]",
              help="Force a framework, a nation or a nation into a role: the proven difference and what changes, "
                   "or, when impossible, minimal conflicts of commitments (repeatable).")
@click.option("--matrix", is_flag=True, help="Why not, for every (nation, role) pair, on the batch runner.")
@click.option("--order", metavar="KINDS", help="Kinds of commitment, most negotiable first, separated by commas: "
              "conflicts prefer the first [default: " + ",".join(COMMITMENT_KINDS) + "].")
@click.option("--weights", metavar="KIND=W,...", help="Weights of the kinds in the cheapest repair, e.g. veto=10.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write explanation.json, frameworks.csv, nations.csv, why_not.csv (regret.csv) and "
                   "explanation.xlsx here.")
@click.option("--json", "as_json", is_flag=True, help="Print explanation.json to stdout.")
@click.option("--workers", type=click.IntRange(min=1), help="With --matrix: local worker processes.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="With --matrix: a Dask cluster.")
@solve_options
def explain(instance, why_not, matrix, order, weights, out_dir, as_json, workers, scheduler, **kw) -> None:
    """Why this framework, why these nations, and what would change it.

    For each framework: its best objective and the difference to the optimum,
    or, when vetoed or infeasible, minimal conflicts of political commitments
    (lifting any one member cures it) and the cheapest set to lift. For each
    nation: in with its roles, or out and why, with the proven objective
    difference of forcing it in (and its money difference, in the instance's
    units). Differences are proven to --mip-gap.
    """
    inst = _check(instance)
    progress = _progress(kw, "explaining")
    try:
        only = bool(why_not) and not (matrix or out_dir or as_json)  # --why-not alone: just its answers
        ex = api.explain(inst, make_options(**kw), why_not=why_not, matrix=matrix, order=_kinds(order),
                         weights=_weights(weights), workers=workers, scheduler=scheduler, out=out_dir,
                         progress=progress, answers_only=only)
    finally:
        progress.done()
    if as_json:
        click.echo(json_text(to_dict(ex)), nl=False)
    elif only:
        print_why_not(ex, out)
    else:
        print_explanation(ex, out)
        if out_dir:
            out.print(f"Results written to {out_dir}/", markup=False)
    finish(status_exit_code(ex.optimum.status) if ex.optimum.status != "infeasible" else 0)


@main.command()
@click.argument("instance", type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="brief.html goes here, with solution/, explanation/ and alternatives/ beside it.")
@click.option("--batch", "batch_dir", type=click.Path(file_okay=False),
              help="A finished batch's folder: its what-if impacts and prices of commitments join the brief.")
@click.option("--k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many nation-role alternatives, the best included.")
@robust_command.report_robust_option
@solve_options
def report(instance, out_dir, batch_dir, k, robust_k, **kw) -> None:
    """Write the brief: one offline HTML page to put in front of ministers.

    The recommended framework with its approval probability, the objective in
    the instance's units, every role's coverage and the proof; pictures (who
    provides what, the frameworks compared, the alternatives, the force in
    theatre and its support, and with --batch the what-if impacts and the price
    of each commitment), each with its numbers; why, in plain words; provenance.
    """
    inst = _check(instance)
    progress = _progress(kw, "briefing")
    try:
        path = api.report(instance, out_dir, batch_dir, k=k, options=make_options(**kw), progress=progress,
                          robust_k=robust_k)
    finally:
        progress.done()
    out.print(f"{inst.name}: the brief is {path}", markup=False)


def _kinds(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(k.strip() for k in text.split(",") if k.strip())


def _weights(text: str | None) -> dict[str, float] | None:
    if text is None:
        return None
    try:
        return {k.strip(): float(v) for k, v in (p.split("=") for p in text.split(",") if p.strip())}
    except ValueError:
        raise click.BadParameter(f"KIND=WEIGHT pairs separated by commas (not {text!r})",
                                 param_hint="--weights") from None


for command in (*FILE_COMMANDS, *robust_command.ROBUST_COMMANDS):
    main.add_command(command)


if __name__ == "__main__":
    main()
