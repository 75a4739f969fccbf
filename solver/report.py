"""Printed summaries: what a planner reads in the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from solver.solution import Solution, Status


def _column(values, digits: int = 2) -> list[str]:
    """One column's numbers with one number of decimals, so they line up."""
    known = [v for v in values if v is not None and v == v]  # None and NaN print as "-"
    d = 0 if all(abs(v - round(v)) < 1e-9 for v in known) else digits
    return [f"{v:,.{d}f}" if v is not None and v == v else "-" for v in values]


def _num(v, digits: int = 2) -> str:
    """One number: whole numbers without decimals."""
    return _column([v], digits)[0]


def print_solution(sol: Solution, console: Console, framework_names: dict[str, str] | None = None) -> None:
    names = framework_names or {}
    head = f"[bold]{sol.instance}[/bold]: {str(sol.status).upper()}"
    if sol.status.has_solution:
        gap = f"{100 * sol.mip_gap:.3f} %" if sol.mip_gap is not None else "-"
        head += f" (gap {gap}) in {sol.solver.get('time_s', 0):.2f} s"
    console.print(head)
    if sol.solver.get("message"):
        console.print(f"  solver: {sol.solver['message']}")
    if not sol.status.has_solution:
        if sol.diagnosis:
            console.print("Why no framework can carry the force:")
            for line in sol.diagnosis:
                console.print(f"  - {line}")
        return
    fw = sol.framework
    console.print(f"Framework: [bold]{names.get(fw, fw)}[/bold] ({fw})")

    t = Table(title="Objective", title_justify="left")
    for c in ("term", "value", "weight", "weighted"):
        t.add_column(c, justify="left" if c == "term" else "right")
    terms = list(sol.terms)
    weights = [1.0 if term == "shortfall" else sol.weights.get(term, 0.0) for term in terms]
    values = [sol.terms[term] for term in terms]
    weighted = _column([w * v for w, v in zip(weights, values, strict=True)] + [sol.objective])
    for row in zip(terms, _column(values), _column(weights), weighted[:-1], strict=True):
        t.add_row(*row)
    t.add_row("[bold]objective[/bold]", "", "", f"[bold]{weighted[-1]}[/bold]")
    console.print(t)
    if sol.gap_objective is not None:
        console.print(f"GAP objective: [bold]{_num(sol.gap_objective)}[/bold]")

    t = Table(title="Role coverage", title_justify="left")
    for c in ("role", "name", "required", "covered", "shortfall", "nations"):
        t.add_column(c, justify="right" if c in ("required", "covered", "shortfall") else "left")
    roles = sol.roles
    required, covered = _column(list(roles["required"])), _column(list(roles["covered"]))
    for r, req, cov in zip(roles.itertuples(index=False), required, covered, strict=True):
        short = f"[red]{_num(r.shortfall)}[/red]" if r.shortfall > 0 else "0"
        t.add_row(r.role, str(r.name), req if r.active else "n/a", cov, short, ", ".join(r.nations))
    console.print(t)

    t = Table(title="Nations", title_justify="left")
    for c in ("nation", "name", "assets", "contribution", "share", "cost"):
        t.add_column(c, justify="left" if c in ("nation", "name") else "right")
    nations = sol.nations
    contribution, cost = _column(list(nations["contribution"])), _column(list(nations["cost"]))
    for n, c, k in zip(nations.itertuples(index=False), contribution, cost, strict=True):
        t.add_row(n.nation, str(n.name), str(n.assets), c, f"{100 * n.share:.1f} %", k)
    console.print(t)


def print_alternatives(alts, console: Console) -> None:
    """The comparison table: each alternative against the best, in planner terms."""
    from solver.io.writers import alternatives_table  # noqa: PLC0415

    if not alts.alternatives:
        console.print(f"No allocation ({alts.note}).")
    else:
        best = alts.alternatives[0].solution.objective
        t = Table(title=f"Alternatives ({alts.level}); ranking {alts.note}", title_justify="left", show_lines=True)
        for c in ("rank", "objective", "vs best", "framework", "distance", "proof", "what changed"):
            t.add_column(c, justify="right" if c in ("rank", "objective", "vs best", "distance") else "left",
                         overflow="fold", max_width=90 if c == "what changed" else None)
        for r in alternatives_table(alts).itertuples(index=False):
            pct = 100 * (r.objective - best) / max(1.0, abs(best))
            delta = "-" if r.rank == 1 else f"+{_num(r.objective - best)} ({pct:.2f} %)"
            dist = str(r.distance) if r.min_distance is None or r.min_distance != r.min_distance else f"{r.distance} (min {int(r.min_distance)})"
            proof = "" if r.bound is None or r.bound != r.bound else f"bound {_num(r.bound)}"
            if r.certified_by == "pool":
                proof += " (pool)"
            t.add_row(str(r.rank), _num(r.objective), delta, r.framework, dist, proof,
                      "best allocation" if r.rank == 1 else r.changes)
        console.print(t)
    for f, u in alts.unavailable.items():
        if u.get("vetoed_by"):
            console.print(f"  {f}: vetoed by {', '.join(u['vetoed_by'])}")
        else:
            console.print(f"  {f}: {u.get('reason')}: " + "; ".join(u.get("roles", [])))


def print_batch(table, console: Console, consent: bool = False) -> None:
    """Deltas against the base, and for a consent sweep the price of each constraint."""
    t = Table(title="What-if results (delta against the base)", title_justify="left")
    for c in ("scenario", "status", "objective", "delta", "framework", "nations", "shortfall", "path", "error"):
        t.add_column(c, justify="right" if c in ("objective", "delta", "nations", "shortfall") else "left",
                     overflow="fold", max_width=60 if c == "error" else None)
    for r in table.itertuples(index=False):
        def num(v):
            return "-" if v is None or v != v else _num(v)
        t.add_row(r.scenario, str(r.status), num(r.objective), num(r.delta) if r.scenario != "base" else "",
                  str(r.framework) if r.framework == r.framework and r.framework else "-",
                  num(r.nations), num(r.total_shortfall), str(r.path or ""), str(r.error or ""))
    console.print(t)
    if consent:
        priced = table[table["scenario"] != "base"].assign(price=-table["delta"]).sort_values("price", ascending=False)
        t = Table(title="Price of consent: what each political constraint costs the coalition", title_justify="left")
        for c in ("constraint lifted", "price", "objective", "framework"):
            t.add_column(c, justify="right" if c in ("price", "objective") else "left")
        for r in priced.itertuples(index=False):
            price = "-" if r.price != r.price else _num(r.price)
            t.add_row(r.scenario, price, "-" if r.objective != r.objective else _num(r.objective), str(r.framework))
        console.print(t)


def print_issues(issues, console: Console, header: str) -> None:
    if not issues:
        return
    console.print(header)
    for i in issues:
        console.print(f"  {i}", markup=False, highlight=False)


def status_exit_code(status: Status) -> int:
    return EXIT_CODES[status]


EXIT_CODES = {
    Status.OPTIMAL: 0,
    Status.FEASIBLE: 0,
    Status.INFEASIBLE: 3,
    Status.TIME_LIMIT: 4,
    Status.ERROR: 1,
}
