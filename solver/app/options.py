"""The command line's shared parts: consoles, the solve options, and the one place where
forcealloc's typed errors become exit codes (through click's exception machinery)."""

from __future__ import annotations

import math

import click
from rich.console import Console
from rich.text import Text

from solver.domain.errors import BadInput, ForceAllocError, OptionError
from solver.domain.instance import TERMS
from solver.engine.core import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT, SolveOptions
from solver.io.input_rules import lexicographic_problems
from solver.present.terminal import print_issues

out = Console(highlight=False, soft_wrap=False)  # the terminal's width (80 when not a terminal)
err = Console(stderr=True, highlight=False)


class ForceAllocGroup(click.Group):
    """Maps forcealloc's typed errors to exit codes, once for every command: bad input
    lists every problem and exits 2; an option out of range is click's usage error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OptionError as exc:
            raise click.BadParameter(exc.issues[0].split(": ", 1)[1], param_hint=exc.option) from None
        except BadInput as exc:
            n = len(exc.issues)
            print_issues(exc.issues, err, f"[red]{n} error{'s' if n != 1 else ''}[/red] in {exc.what}; "
                                          f"{exc.consequence}:")
            print_issues(exc.warnings, err, "Warnings:")
            raise click.exceptions.Exit(exc.exit_code) from None
        except ForceAllocError as exc:
            err.print(Text.assemble(("error", "red"), f": {exc}"), highlight=False)
            raise click.exceptions.Exit(exc.exit_code) from None


def finish(code: int) -> None:
    """End the command with this exit code (click's way, not sys.exit)."""
    raise click.exceptions.Exit(code)


def _finite(name: str):
    def check(ctx, param, value):
        if value is not None and not math.isfinite(value):
            raise click.BadParameter("a finite number", param_hint=name)
        return value
    return check


def _terms(ctx, param, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    terms = tuple(t.strip() for t in value.split(",") if t.strip())
    problems = lexicographic_problems(terms)
    if problems:
        raise click.BadParameter("; ".join(f"'{t}': {m}" for t, m in problems), param_hint="--lexicographic")
    return terms


def solve_options(f):
    """The options every solving command shares."""
    opts = [
        click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIME_LIMIT,
                     show_default=True, callback=_finite("--time-limit"),
                     help="Seconds HiGHS may search before it returns its best allocation."),
        click.option("--mip-gap", type=click.FloatRange(min=0), default=DEFAULT_MIP_GAP, show_default=True,
                     callback=_finite("--mip-gap"),
                     help="Relative optimality gap at which the search stops; 0 asks for exact optimality."),
        click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
                     help="HiGHS threads (1 is deterministic and, for these models, as fast)."),
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="HiGHS random seed; the same seed and threads give the same answer."),
        click.option("--no-aggregate", is_flag=True,
                     help="One binary per asset and role instead of integer counts per class of identical assets."),
        click.option("--no-warm-start", is_flag=True, help="Do not offer HiGHS a greedy starting allocation."),
        click.option("--whole-model", is_flag=True,
                     help="One search over every framework instead of one per framework pruned by LP bounds."),
        click.option("--lexicographic", metavar="TERMS", callback=_terms,
                     help=f"Optimise these terms in priority order, e.g. shortfall,approval_risk,cost "
                          f"(terms: {', '.join(TERMS)}); overrides instance.yaml."),
        click.option("--lex-tolerance", type=click.FloatRange(min=0), default=None, callback=_finite("--lex-tolerance"),
                     help="Relative slack each later lexicographic stage allows the earlier terms "
                          "[default: instance.yaml, else 0]."),
        click.option("--verbose", "-v", is_flag=True, help="Show HiGHS progress on stderr."),
        click.option("--quiet", "-q", is_flag=True,
                     help="No progress line (it shows only on a terminal, for runs over 2 s)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def make_options(time_limit, mip_gap, threads, seed, no_aggregate, no_warm_start, lexicographic,
                 lex_tolerance, verbose, quiet=False, whole_model=False) -> SolveOptions:
    return SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed,
                        aggregate=not no_aggregate, warm_start=not no_warm_start, by_framework=not whole_model,
                        lexicographic=lexicographic, lex_tolerance=lex_tolerance, verbose=verbose)


def fraction(ctx, param, value: str | None) -> float | None:
    """'5', '5%' or '0.05%' as a fraction of the optimum (5 and 5% both mean 0.05)."""
    if value is None:
        return None
    text = value.strip().rstrip("%")
    try:
        v = float(text)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a percentage", param_hint="--within") from None
    if not math.isfinite(v) or v < 0:
        raise click.BadParameter("a finite percentage >= 0", param_hint="--within")
    return v / 100.0
