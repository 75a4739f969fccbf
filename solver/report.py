"""Printed summaries: what a planner reads in the terminal.

Tables fit the terminal and stay readable at 80 columns: long columns (role
names, solver details) appear only when there is room; names from the input
are printed as text, never as markup. Every figure carries its unit when
instance.yaml names one, and every framework its approval probability.
"""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from solver.compare import describe
from solver.solution import Solution

WIDE = 120  # columns from which the optional columns are shown


def _column(values, digits: int = 2) -> list[str]:
    """One column's numbers with one number of decimals, so they line up; -0 prints as 0."""
    known = [v for v in values if v is not None and v == v]  # None and NaN print as "-"
    d = 0 if all(abs(v - round(v)) < 1e-9 for v in known) else digits
    out = []
    for v in values:
        if v is None or v != v:
            out.append("-")
        else:
            text = f"{v:,.{d}f}"
            out.append(text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text)
    return out


def _num(v, digits: int = 2) -> str:
    """One number: whole numbers without decimals."""
    return _column([v], digits)[0]


def _signed(v) -> str:
    if v is None or v != v:
        return "-"
    text = _num(v)
    return text if text.startswith("-") or text == "0" else "+" + text


def percent(p: float | None) -> str:
    if p is None or p != p:
        return "-"
    return f"{100 * p:.0f} %" if p >= 0.01 or p == 0 else f"{100 * p:.2g} %"


def approval(risk: float | None) -> float | None:
    """The chance that every member of a framework's approval group agrees."""
    return None if risk is None or risk != risk else math.exp(-risk)


def units_note(units: dict[str, str]) -> str:
    parts = [f"{k} in {v}" for k, v in units.items() if v]
    return "; ".join(parts)


def _t(text) -> Text:
    """Input text (names) shown as is: never read as markup."""
    return Text("" if text is None else str(text))


def _table(title: str, console: Console) -> Table:
    """A table under a bold title line (a title inside the table would wrap to its width)."""
    console.print(Text(title, "bold"))
    return Table(expand=False)


def print_solution(sol: Solution, console: Console, framework_names: dict[str, str] | None = None,
                   instance=None) -> None:
    names = framework_names or {}
    head = Text.assemble((sol.instance, "bold"), f": {str(sol.status).upper()}")
    if sol.status.has_solution:
        gap = f"{100 * sol.mip_gap:.3f} %" if sol.mip_gap is not None else "-"
        head.append(f", proven within {gap} of the best possible, in {sol.solver.get('time_s', 0):.2f} s")
    console.print(head)
    if sol.solver.get("message"):
        console.print(_t(f"  solver: {sol.solver['message']}"))
    if not sol.status.has_solution:
        if sol.diagnosis:
            console.print("Why no framework can carry the force:")
            for line in sol.diagnosis:
                console.print(_t(f"  - {line}"))
        return
    fw = sol.framework
    console.print(Text.assemble("Framework: ", (str(names.get(fw, fw)), "bold"), f" ({fw}); approval: ",
                                (percent(sol.approval_probability), "bold"),
                                " chance that every member of its approval group agrees"))
    note = units_note(sol.units)
    if note:
        console.print(_t(f"Units: {note}"))
    if sol.stages:
        _print_stages(sol, console)
    else:
        _print_objective(sol, console)
    if sol.gap_objective is not None:
        console.print(f"GAP objective: [bold]{_num(sol.gap_objective)}[/bold]")
    if sol.mission is not None:  # MODEL.md v3 "Time": by period (solver.timeline_out)
        from solver.timeline_out import print_mission  # noqa: PLC0415

        print_mission(sol, console, instance)
        return
    _print_roles(sol, console)
    _print_nations(sol, console)


def _print_objective(sol: Solution, console: Console) -> None:
    t = _table("Objective (minimised): the weighted sum of its terms", console)
    for c in ("term", "value", "weight", "weighted"):
        t.add_column(c, justify="left" if c == "term" else "right")
    terms = list(sol.terms)
    weights = [1.0 if term == "shortfall" else sol.weights.get(term, 0.0) for term in terms]
    values = [sol.terms[term] for term in terms]
    weighted = _column([w * v for w, v in zip(weights, values, strict=True)] + [sol.objective])
    unit = sol.units.get("cost")
    for term, v, w, x in zip(terms, _column(values), _column(weights), weighted[:-1], strict=True):
        label = f"{term} ({unit})" if term == "cost" and unit else term
        t.add_row(label, v, w, x)
    t.add_row(Text("objective", "bold"), "", "", Text(weighted[-1], "bold"))
    console.print(t)


def _print_stages(sol: Solution, console: Console) -> None:
    """A lexicographic run: each stage's term, value and the tolerance it then keeps."""
    t = _table("Lexicographic stages (each later stage keeps the earlier terms within their tolerance)", console)
    for c in ("stage", "term", "value", "kept within"):
        t.add_column(c, justify="right" if c in ("stage", "value") else "left")
    for i, st in enumerate(sol.stages, 1):
        tol = st.get("tolerance")
        kept = "-" if tol is None else f"{_num(st.get('value'))} + {100 * tol:g} %"
        t.add_row(str(i), _t(st["stage"]), _num(st.get("value")), kept)
    console.print(t)
    listed = [st["stage"] for st in sol.stages if "+" not in st["stage"] and st.get("tolerance") is not None]
    rest = [x for x in sol.terms if x not in listed]
    last = [x for x in rest if any(x in st["stage"].split("+") for st in sol.stages if st["stage"] not in listed)]
    if rest:
        console.print(_t("Terms not in the priority list: " + ", ".join(rest) + "; "
                         + (f"{', '.join(last)} minimised last with their weights" if last else "")
                         + ("; " if last and set(rest) - set(last) else "")
                         + (f"{', '.join(x for x in rest if x not in last)} not optimised (weight 0)"
                            if set(rest) - set(last) else "")))


def _print_roles(sol: Solution, console: Console) -> None:
    strength = sol.units.get("strength")
    title = "Role coverage" + (f" (strength in {strength})" if strength else "")
    t = _table(title, console)
    wide = console.width >= WIDE
    cols = ["role", *(["name"] if wide else []), "required", "covered", "short", "nations"]
    for c in cols:
        t.add_column(c, justify="right" if c in ("required", "covered", "short") else "left",
                     overflow="fold", ratio=3 if c == "nations" else None)
    roles = sol.roles
    required, covered = _column(list(roles["required"])), _column(list(roles["covered"]))
    for r, req, cov in zip(roles.itertuples(index=False), required, covered, strict=True):
        short = Text(_num(r.shortfall), "red") if r.shortfall > 0 else "0"
        cells = [_t(r.role), *([_t(r.name)] if wide else []), req if r.active else "n/a", cov, short,
                 _t(", ".join(r.nations))]
        t.add_row(*cells)
    console.print(t)


def _print_nations(sol: Solution, console: Console) -> None:
    """The force in theatre (shares of its strength) apart from support outside it."""
    wide = console.width >= WIDE
    outside_roles = set(sol.roles.loc[~sol.roles["in_theatre"].astype(bool), "role"])
    alloc = sol.allocation.assign(out=sol.allocation["role"].isin(outside_roles))
    by = alloc.groupby(["nation", "out"]).agg(assets=("asset", "size"), strength=("contribution", "sum"),
                                              cost=("cost", "sum"))
    names = dict(zip(sol.nations["nation"], sol.nations["name"], strict=True))
    share = dict(zip(sol.nations["nation"], sol.nations["share"], strict=True))
    for out, title in ((False, "Force in theatre (share: of the in-theatre strength)"),
                       (True, "Support from outside the theatre (ISR, logistics, backstop)")):
        part = by.xs(out, level="out") if out in by.index.get_level_values("out") else None
        if part is None or not len(part):
            continue
        part = part.sort_values(["strength", "cost"], ascending=[False, True])
        t = _table(title, console)
        cols = ["nation", *(["name"] if wide else []), "assets", "strength", *(["share"] if not out else []), "cost"]
        for c in cols:
            t.add_column(c, justify="left" if c in ("nation", "name") else "right")
        strength, cost = _column(list(part["strength"])), _column(list(part["cost"]))
        for (n, r), s, k in zip(part.iterrows(), strength, cost, strict=True):
            t.add_row(_t(n), *([_t(names.get(n, n))] if wide else []), str(int(r["assets"])), s,
                      *([f"{100 * share.get(n, 0.0):.1f} %"] if not out else []), k)
        console.print(t)
    if sol.units.get("cost"):
        console.print(_t(f"Costs in {sol.units['cost']}."))


def print_alternatives(alts, console: Console, risks: dict[str, float] | None = None) -> None:
    """The comparison table: each alternative against the best, in planner terms."""
    risks = risks or {}
    if not alts.alternatives:
        console.print(_t(f"No allocation ({alts.note})."))
    else:
        best = alts.alternatives[0].solution.objective
        wide = console.width >= WIDE
        t = _table(f"Alternatives ({alts.level}), best first; ranking {alts.note}", console)
        t.show_lines = True
        cols = ["rank", "objective", "vs best", "framework", *(["distance", "proof"] if wide else []),
                "what changed"]
        for c in cols:
            t.add_column(c, justify="right" if c in ("rank", "objective", "vs best", "distance") else "left",
                         overflow="fold", ratio=4 if c == "what changed" else None)
        for a in alts.alternatives:
            s = a.solution
            pct = 100 * (s.objective - best) / max(1.0, abs(best))
            delta = "-" if a.rank == 1 else f"{_signed(s.objective - best)} ({pct:.2f} %)"
            fw = f"{s.framework} ({percent(s.approval_probability)})"
            extra = []
            if wide:
                dist = str(a.distance) if a.min_distance is None else f"{a.distance} (min {a.min_distance})"
                proof = "" if a.bound is None else f"bound {_num(a.bound)}" + (" (pool)" if a.certified_by == "pool" else "")
                extra = [dist, proof]
            t.add_row(str(a.rank), _num(s.objective), delta, fw, *extra,
                      _t("best allocation" if a.rank == 1 else describe(a.changes)))
        console.print(t)
    if getattr(alts, "stopped", ""):
        console.print(_t(f"The list ends here: {alts.stopped}."))
    for f, u in alts.unavailable.items():
        if u.get("vetoed_by"):
            console.print(_t(f"  {f}: vetoed by {', '.join(u['vetoed_by'])}"))
        else:
            console.print(_t(f"  {f}: {u.get('reason')}: " + "; ".join(u.get("roles", []))))


def print_batch(table, console: Console, priced: bool = False, skipped: list[dict] | None = None) -> None:
    """Deltas against the base: money, penalties and who joins or leaves; for the
    commitments sweep, the price of each political commitment."""
    t = _table("What-if results against the base (Δcost: money; Δshort: penalties for roles left short; "
               "changes: nations joining +, leaving -, roles short)", console)
    t.add_column("scenario", overflow="fold", max_width=20 if console.width < WIDE else 34)
    t.add_column("framework", overflow="fold", max_width=11 if console.width < WIDE else 20)
    for c in ("Δcost", "Δshort", "Δobjective"):
        t.add_column(c, justify="right", no_wrap=True)
    t.add_column("changes", overflow="fold", ratio=1)
    for r in table.itertuples(index=False):
        solved = r.status in ("optimal", "feasible")
        fw = f"{r.framework} {percent(r.approval_probability)}" if solved else str(r.status)
        what = [f"+{r.nations_join}" if isinstance(r.nations_join, str) and r.nations_join else "",
                f"-{r.nations_leave}" if isinstance(r.nations_leave, str) and r.nations_leave else "",
                f"short: {r.roles_short}" if isinstance(r.roles_short, str) and r.roles_short else ""]
        base = r.scenario == "base"
        t.add_row(_t(r.scenario), _t(fw), "" if base else _signed(r.delta_cost),
                  "" if base else _signed(r.delta_shortfall), _num(r.objective) if base else _signed(r.delta_objective),
                  _t("; ".join(x.replace(";", ", ") for x in what if x)))
    console.print(t)
    if "assets_used" in table.columns:  # MODEL.md v3 "Time": the force each mission takes
        from solver.timeline_out import print_sustainment  # noqa: PLC0415

        print_sustainment(table, console)
    failed = table[table["status"] == "error"]
    for r in failed.itertuples(index=False):
        console.print(_t(f"  {r.scenario}: {r.error}"))
    if priced:
        _print_prices(table, console, skipped or [])


def _print_prices(table, console: Console, skipped: list[dict]) -> None:
    rows = table[table["scenario"] != "base"].copy()
    rows["price"] = -rows["delta_objective"].astype(float)
    rows = rows.sort_values(["price", "scenario"], ascending=[False, True], na_position="last")
    t = _table("Price of each political commitment: what lifting it alone would save", console)
    for c in ("commitment", "price", "framework then"):
        t.add_column(c, justify="right" if c == "price" else "left", overflow="fold")
    for r in rows.itertuples(index=False):
        price = "makes it feasible" if r.price != r.price and r.status in ("optimal", "feasible") else _num(r.price)
        fw = "-" if not isinstance(r.framework, str) else f"{r.framework} {percent(r.approval_probability)}"
        t.add_row(_t(r.description or r.scenario), price, _t(fw))
    console.print(t)
    if skipped:
        reasons: dict[str, int] = {}
        for s in skipped:
            reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
        console.print(_t(f"{len(skipped)} commitment(s) not priced: lifting them cannot change the answer "
                         "(skipped.csv lists each):"))
        for reason, n in sorted(reasons.items(), key=lambda x: -x[1]):
            console.print(_t(f"  {n} x {reason}"))


def print_issues(issues, console: Console, header: str) -> None:
    if not issues:
        return
    console.print(header, soft_wrap=True)
    for i in issues:  # one line each, however long: a planner greps for the file name
        console.print(f"  {i}", markup=False, highlight=False, soft_wrap=True)
