"""The file commands of ``forcealloc``: validate, import-gap, generate, convert, bench.

Each parses, calls one ``solver.app.api`` function and prints; ``solver.app.cli`` adds them
to the group (and its error handling) beside the solving commands.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from solver.app import api
from solver.app.options import err, finish, out
from solver.domain.errors import EXIT_BAD_INPUT
from solver.io.generate import SIZES
from solver.present.terminal import print_issues


@click.command()
@click.argument("instance", type=click.Path())
def validate(instance: str) -> None:
    """Check INSTANCE and list every error and warning.

    Every problem is reported at once with its file (or sheet), row, column,
    the value found and what was expected. Exit 0 when there is no error, 2
    otherwise; warnings (roles no asset may fill, coalition nations with no
    asset, unknown columns or sheets, repeated caveats or links) do not fail.
    """
    inst, warnings = api.check(instance)
    print_issues(warnings, err, "Warnings:")
    out.print(f"{inst.name}: valid ({len(inst.nations)} nations, {len(inst.frameworks)} frameworks, "
              f"{len(inst.roles)} roles, {len(inst.assets)} assets)", markup=False)


@click.command("import-gap")
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
    done = api.import_gap(file, out_dir, sense, problem=problem, force=force)
    out.print(f"{done['name']}: {done['agents']} agents x {done['jobs']} jobs ({sense}) written to {out_dir}/",
              markup=False)


@click.command()
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
    made = api.generate(out_dir, size, nations=nations, assets=assets, roles=roles, seed=seed, force=force)
    n = made["sizes"]
    out.print(f"{made['name']}: {n['nations']} nations, {n['assets']:,} assets, {n['roles']} roles written to "
              f"{out_dir}", markup=False)


@click.command()
@click.argument("source", type=click.Path())
@click.argument("dest", type=click.Path())
@click.option("--force", is_flag=True, help="Replace DEST if it exists.")
def convert(source, dest, force) -> None:
    """Convert an instance between a CSV folder and an .xlsx workbook.

    DEST ending in .xlsx gets a workbook (a sheet per table and a settings
    sheet); any other DEST becomes a folder of CSV files plus instance.yaml.
    """
    inst = api.convert(source, dest, force=force)
    out.print(f"{inst.name}: written to {dest}", markup=False)


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--full", is_flag=True,
              help="Also the full cases: L, naive M, more seeds, ten alternatives of M, every benchmark family.")
@click.option("--xl", is_flag=True, help="Also the 100,000-asset XL case.")
@click.option("--update-baseline", is_flag=True, help="Write benchmarks/baseline.json from this run (on purpose).")
def bench(full, xl, update_baseline) -> None:
    """Run the benchmark suite of a source checkout (pytest-benchmark).

    Without options: the quick subset (bundled, S, M, GAP, alternatives) whose
    deterministic counters the README test command also gates, plus the wall-clock
    ratios measured within this run (aggregation, persistent re-solves, two workers,
    explanations, the catalogue family), compared with benchmarks/baseline.json: it
    fails when model size, B&B nodes or LP iterations grow beyond their margins or a
    ratio falls below its floor. Figures go to benchmarks/results/latest.json.
    """
    root = Path(__file__).resolve().parents[2]  # solver/app/ -> the checkout
    if not (root / "benchmarks" / "test_benchmarks.py").exists():
        err.print("[red]error[/red]: forcealloc bench runs from a source checkout (benchmarks/ not found)")
        finish(EXIT_BAD_INPUT)
    args = [sys.executable, "-m", "pytest", str(root / "benchmarks"), "-q", "-p", "no:cacheprovider",
            f"--rootdir={root}", "-n", "0", "--ratios", "--record", *["--full"] * full, *["--xl"] * xl, *["--update-baseline"] * update_baseline]
    finish(subprocess.run(args, cwd=root).returncode)


FILE_COMMANDS = (validate, import_gap, generate, convert, bench)
