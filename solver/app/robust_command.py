"""Command-line parts of withdrawals and re-plans: the solve options and ``forcealloc robust``."""

from __future__ import annotations

import dataclasses
import time

import click
from rich.table import Table

from solver.analysis.robust_curve import robust_curve, write_curve
from solver.app.options import err, finish, make_options, out, solve_options
from solver.domain.errors import RobustInputError
from solver.domain.instance import Instance
from solver.engine.session import SolveOptions
from solver.io import load_instance
from solver.io.robust_spec import read_plan, resolve_robust
from solver.io.writers import check_destination


def robust_options(f):
    """--survive --from --protect --recourse --keep --change-penalty --max-changes."""
    opts = [
        click.option("--survive", metavar="K", help="Keep every protected role whole if any K nations of H "
                     "withdraw (MODEL.md v3 withdrawals) [default: instance.yaml robust.survive, else 0]."),
        click.option("--from", "from_", metavar="hesitant|all|A,B,...",
                     help="H, the nations that may withdraw [default: instance.yaml robust.from, else hesitant]."),
        click.option("--protect", metavar="all|ROLE,...",
                     help="Roles kept whole [default: every role with a requirement]."),
        click.option("--recourse/--no-recourse", default=None,
                     help="Hold assets in reserve (at robust.reserve_cost x cost) that step in after a withdrawal."),
        click.option("--keep", metavar="PLAN", type=click.Path(exists=True, dir_okay=False),
                     help="An earlier solution.json or allocation.csv of this instance: change as few nation-role "
                          "pledges as the change penalty says."),
        click.option("--change-penalty", type=float, default=None,
                     help="With --keep: objective units per changed pledge [default: instance.yaml "
                          "persistence.change_penalty, else 1]."),
        click.option("--max-changes", type=click.IntRange(min=0), default=None,
                     help="With --keep: at most N changed pledges (forced ones included); exit 3 when impossible."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


ROBUST_KEYS = ("survive", "from_", "protect", "recourse", "keep", "change_penalty", "max_changes")


def pop_robust(kw: dict) -> dict:
    """The robust / re-plan options taken out of a command's keyword arguments."""
    return {k: kw.pop(k) for k in ROBUST_KEYS}


def keep_options(f):
    """batch --keep PLAN --change-penalty P."""
    f = click.option("--change-penalty", type=float, default=None,
                     help="With --keep: objective units per changed pledge [default: instance.yaml, else 1].")(f)
    return click.option("--keep", metavar="PLAN", type=click.Path(exists=True, dir_okay=False),
                        help="An earlier solution.json or allocation.csv: each scenario changes as few nation-role "
                             "pledges as --change-penalty says, and the summary lists them (pledge_changes, "
                             "changed_pledges).")(f)


def report_robust_option(f):
    """report --robust K."""
    return click.option("--robust", "robust_k", type=click.IntRange(min=0), default=None, metavar="K",
                        help="Add the price of robustness: the best plan surviving k = 0..K withdrawals of H "
                             "(robust/curve.csv).")(f)


def batch_keep(check, instance: str, options: SolveOptions, keep, change_penalty) -> SolveOptions:
    """The batch's options with the plan every scenario keeps (none without --keep)."""
    if keep is None and change_penalty is None:
        return options
    options = robust_solve_options(check(instance), options, survive=None, from_=None, protect=None, recourse=None,
                                   keep=keep, change_penalty=change_penalty, max_changes=None,
                                   require_k_within_h=False)
    return dataclasses.replace(options, robust=None)


def robust_solve_options(inst: Instance, options: SolveOptions, *, survive, from_, protect, recourse, keep,
                         change_penalty, max_changes, require_k_within_h: bool = True) -> SolveOptions:
    """The solve options with the robust spec and the plan to keep; every problem at once (exit 2)."""
    issues: list[str] = []
    spec = keep_spec = None
    try:
        spec = resolve_robust(inst, survive=survive, from_=from_, protect=protect, recourse=recourse,
                              require_k_within_h=require_k_within_h)
    except RobustInputError as exc:
        issues += exc.issues
    if keep is not None:
        try:
            keep_spec = read_plan(inst, keep, penalty=change_penalty, max_changes=max_changes)
        except RobustInputError as exc:
            issues += exc.issues
    elif change_penalty is not None or max_changes is not None:
        issues.append("--change-penalty / --max-changes: they need --keep PLAN")
    if issues:
        raise RobustInputError(issues)
    return dataclasses.replace(options, robust=spec, keep=keep_spec)


@click.command()
@click.argument("instance", type=click.Path())
@click.option("--k-max", type=click.IntRange(min=0), default=3, show_default=True,
              help="Largest number of nations of H that may withdraw (stops at |H|).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="curve.csv goes here.")
@click.option("--from", "from_", metavar="hesitant|all|A,B,...", help="H [default: instance.yaml, else hesitant].")
@click.option("--protect", metavar="all|ROLE,...", help="Roles kept whole [default: every role with a requirement].")
@click.option("--recourse/--no-recourse", default=None, help="Reserves that step in after a withdrawal.")
@solve_options
def robust(instance, k_max, out_dir, from_, protect, recourse, **kw) -> None:
    """The price of robustness: the best plan that survives any k nations of H leaving,
    for k = 0 .. --k-max, in curve.csv (objective, money, nations, critical nations and
    the worst withdrawal per role as 'NATIONS (covered after/requirement)')."""
    check_destination(out_dir)
    inst = load_instance(instance)
    options = robust_solve_options(inst, make_options(**kw), survive=0, from_=from_, protect=protect,
                                   recourse=recourse, keep=None, change_penalty=None, max_changes=None)
    t0 = time.perf_counter()
    curve = robust_curve(inst, spec=options.robust, k_max=k_max, options=dataclasses.replace(options, robust=None))
    wall = time.perf_counter() - t0
    if curve.note:
        err.print(curve.note, markup=False, highlight=False)
    unit = inst.settings.units.get("cost") or "the instance's cost units"
    out.print(f"Price of robustness for {inst.name}: H = {', '.join(options.robust.hesitant) or 'none'}"
              f"{', with reserves' if options.robust.recourse else ''}; money in {unit}", markup=False)
    t = Table()
    for c in ("k", "status", "objective", "money", "nations", "critical nations"):
        t.add_column(c, justify="right" if c in ("k", "objective", "money", "nations") else "left")
    for _, r in curve.table.iterrows():
        t.add_row(str(r["k"]), r["status"], "-" if r["objective"] != r["objective"] or r["objective"] is None
                  else f"{r['objective']:,.2f}", "-" if r.get("money") is None or r["money"] != r["money"]
                  else f"{r['money']:,.1f}", str(r.get("nations", "-")), str(r.get("critical_nations") or "-"))
    out.print(t)
    path = write_curve(curve, out_dir)
    out.print(f"{len(curve.table)} plans in {wall:.1f} s; {path}", markup=False)
    finish(0)


ROBUST_COMMANDS = (robust,)
