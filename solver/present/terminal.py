"""Printed summaries: what a planner reads in the terminal.

Tables fit the terminal and stay readable at 80 columns: long columns (role
names, solver details) appear only when there is room; names from the input
are printed as text, never as markup. Every figure carries its unit when
instance.yaml names one, and every framework its approval probability.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from solver.present.format import (
    WIDE,
    column,
    num,
    percent,
    plain,
    signed,
    titled_table,
    units_note,
)
from solver.present.mission import print_mission, print_sustainment
from solver.present.plans import print_money, print_plan_extras
from solver.results.compare import describe
from solver.results.solution import Solution


def print_solution(sol: Solution, console: Console, framework_names: dict[str, str] | None = None,
                   instance=None) -> None:
    names = framework_names or {}
    head = Text.assemble((sol.instance, "bold"), f": {str(sol.status).upper()}")
    if sol.status.has_solution:
        gap = f"{100 * sol.mip_gap:.3f} %" if sol.mip_gap is not None else "-"
        head.append(f", proven within {gap} of the best possible, in {sol.solver.get('time_s', 0):.2f} s")
    console.print(head)
    if sol.solver.get("message"):
        console.print(plain(f"  solver: {sol.solver['message']}"))
    if not sol.status.has_solution:
        if sol.diagnosis:
            held = sol.extra.get("framework_held")
            console.print(f"Why the held framework ({held['framework']}) cannot carry the force:" if held
                          else "Why no framework can carry the force:", markup=False)
            for line in sol.diagnosis:
                console.print(plain(f"  - {line}"))
        return
    fw = sol.framework
    console.print(Text.assemble("Framework: ", (str(names.get(fw, fw)), "bold"), f" ({fw}); approval: ",
                                (percent(sol.approval_probability), "bold"),
                                " chance that every member of its approval group agrees"))
    note = units_note(sol.units)
    if note:
        console.print(plain(f"Units: {note}"))
    if sol.stages:
        _print_stages(sol, console)
    else:
        _print_objective(sol, console)
    if sol.gap_objective is not None:
        console.print(f"GAP objective: [bold]{num(sol.gap_objective)}[/bold]")
    if sol.mission is not None:  # MODEL.md v3 "Time": by period (solver.present.mission)
        print_mission(sol, console, instance)
        return
    _print_roles(sol, console)
    _print_nations(sol, console)

    print_plan_extras(sol, console, names)


def _print_objective(sol: Solution, console: Console) -> None:
    t = titled_table("Objective (minimised): the weighted sum of its terms", console)
    for c in ("term", "value", "weight", "weighted"):
        t.add_column(c, justify="left" if c == "term" else "right")
    terms = list(sol.terms)
    weights = [1.0 if term == "shortfall" else sol.weights.get(term, 0.0) for term in terms]
    values = [sol.terms[term] for term in terms]
    weighted = column([w * v for w, v in zip(weights, values, strict=True)] + [sol.objective])
    unit = sol.units.get("cost")
    for term, v, w, x in zip(terms, column(values), column(weights), weighted[:-1], strict=True):
        label = f"{term} ({unit})" if term == "cost" and unit else term
        t.add_row(label, v, w, x)
    t.add_row(Text("objective", "bold"), "", "", Text(weighted[-1], "bold"))
    console.print(t)


def _print_stages(sol: Solution, console: Console) -> None:
    """A lexicographic run: each stage's term, value and the tolerance it then keeps."""
    t = titled_table("Lexicographic stages (each later stage keeps the earlier terms within their tolerance)", console)
    for c in ("stage", "term", "value", "kept within"):
        t.add_column(c, justify="right" if c in ("stage", "value") else "left")
    for i, st in enumerate(sol.stages, 1):
        tol = st.get("tolerance")
        kept = "-" if tol is None else f"{num(st.get('value'))} + {100 * tol:g} %"
        t.add_row(str(i), plain(st["stage"]), num(st.get("value")), kept)
    console.print(t)
    listed = [st["stage"] for st in sol.stages if "+" not in st["stage"] and st.get("tolerance") is not None]
    rest = [x for x in sol.terms if x not in listed]
    last = [x for x in rest if any(x in st["stage"].split("+") for st in sol.stages if st["stage"] not in listed)]
    if rest:
        console.print(plain("Terms not in the priority list: " + ", ".join(rest) + "; "
                         + (f"{', '.join(last)} minimised last with their weights" if last else "")
                         + ("; " if last and set(rest) - set(last) else "")
                         + (f"{', '.join(x for x in rest if x not in last)} not optimised (weight 0)"
                            if set(rest) - set(last) else "")))


def _print_roles(sol: Solution, console: Console) -> None:
    strength = sol.units.get("strength")
    title = "Role coverage" + (f" (strength in {strength})" if strength else "")
    t = titled_table(title, console)
    wide = console.width >= WIDE
    cols = ["role", *(["name"] if wide else []), "required", "covered", "short", "nations"]
    for c in cols:
        t.add_column(c, justify="right" if c in ("required", "covered", "short") else "left",
                     overflow="fold", ratio=3 if c == "nations" else None)
    roles = sol.roles
    required, covered = column(list(roles["required"])), column(list(roles["covered"]))
    for r, req, cov in zip(roles.itertuples(index=False), required, covered, strict=True):
        short = Text(num(r.shortfall), "red") if r.shortfall > 0 else "0"
        cells = [plain(r.role), *([plain(r.name)] if wide else []), req if r.active else "n/a", cov, short,
                 plain(", ".join(r.nations))]
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
        t = titled_table(title, console)
        cols = ["nation", *(["name"] if wide else []), "assets", "strength", *(["share"] if not out else []),
                "asset cost"]
        for c in cols:
            t.add_column(c, justify="left" if c in ("nation", "name") else "right")
        strength, cost = column(list(part["strength"])), column(list(part["cost"]))
        for (n, r), s, k in zip(part.iterrows(), strength, cost, strict=True):
            t.add_row(plain(n), *([plain(names.get(n, n))] if wide else []), str(int(r["assets"])), s,
                      *([f"{100 * share.get(n, 0.0):.1f} %"] if not out else []), k)
        console.print(t)
    if sol.units.get("cost"):
        console.print(plain(f"Costs in {sol.units['cost']}."))

    print_money(sol, console)


def print_alternatives(alts, console: Console, risks: dict[str, float] | None = None) -> None:
    """The comparison table: each alternative against the best, in planner terms."""
    risks = risks or {}
    if not alts.alternatives:
        console.print(plain(f"No allocation ({alts.note})."))
    else:
        best = alts.alternatives[0].solution.objective
        wide = console.width >= WIDE
        t = titled_table(f"Alternatives ({alts.level}), best first; ranking {alts.note}", console)
        t.show_lines = True
        money0 = (alts.alternatives[0].solution.money or {}).get("total")
        cols = ["rank", "objective", "Δobjective", "Δmoney", "framework", *(["distance", "proof"] if wide else []),
                "what changed"]
        for c in cols:
            t.add_column(c, justify="right" if c in ("rank", "objective", "Δobjective", "Δmoney", "distance")
                         else "left",
                         overflow="fold", ratio=4 if c == "what changed" else None)
        for a in alts.alternatives:
            s = a.solution
            pct = 100 * (s.objective - best) / max(1.0, abs(best))
            delta = "-" if a.rank == 1 else f"{signed(s.objective - best)} ({pct:.2f} %)"
            m = (s.money or {}).get("total")
            dmoney = "-" if a.rank == 1 or m is None or money0 is None else signed(m - money0)
            fw = f"{s.framework} ({percent(s.approval_probability)})"
            extra = []
            if wide:
                dist = str(a.distance) if a.min_distance is None else f"{a.distance} (min {a.min_distance})"
                proof = "" if a.bound is None else f"bound {num(a.bound)}" + (" (pool)" if a.certified_by == "pool" else "")
                extra = [dist, proof]
            t.add_row(str(a.rank), num(s.objective), delta, dmoney, fw, *extra,
                      plain("best allocation" if a.rank == 1 else describe(a.changes)))
        console.print(t)
        unit = alts.alternatives[0].solution.units.get("cost")
        console.print(plain("Δobjective: money, penalties and weights together (not a cost); Δmoney: "
                         + (unit or "money units") + ", no weights."))
    if getattr(alts, "stopped", ""):
        console.print(plain(f"The list ends here: {alts.stopped}."))
    for f, u in alts.unavailable.items():
        if u.get("vetoed_by"):
            console.print(plain(f"  {f}: vetoed by {', '.join(u['vetoed_by'])}"))
        else:
            console.print(plain(f"  {f}: {u.get('reason')}: " + "; ".join(u.get("roles", []))))


def print_batch(table, console: Console, priced: bool = False, skipped: list[dict] | None = None) -> None:
    """Deltas against the base: money, penalties and who joins or leaves; for the
    commitments sweep, the price of each political commitment."""
    t = titled_table("What-if results against the base (Δmoney: money in the instance's units, setup included; "
               "Δshort: penalties for roles left short; Δobjective: money, penalties and weights together; "
               "changes: nations joining +, leaving -, roles short)", console)
    t.add_column("scenario", overflow="fold", max_width=20 if console.width < WIDE else 34)
    t.add_column("framework", overflow="fold", max_width=11 if console.width < WIDE else 20)
    for c in ("Δmoney", "Δshort", "Δobjective"):
        t.add_column(c, justify="right", no_wrap=True)
    t.add_column("changes", overflow="fold", ratio=1)
    for r in table.itertuples(index=False):
        solved = r.status in ("optimal", "feasible")
        fw = f"{r.framework} {percent(r.approval_probability)}" if solved else str(r.status)
        what = [f"+{r.nations_join}" if isinstance(r.nations_join, str) and r.nations_join else "",
                f"-{r.nations_leave}" if isinstance(r.nations_leave, str) and r.nations_leave else "",
                f"short: {r.roles_short}" if isinstance(r.roles_short, str) and r.roles_short else "",
                f"pledges changed: {int(r.pledge_changes)} ({int(r.forced_changes)} forced)"
                if getattr(r, "pledge_changes", None) == getattr(r, "pledge_changes", None)
                and getattr(r, "pledge_changes", None) is not None else ""]
        base = r.scenario == "base"
        t.add_row(plain(r.scenario), plain(fw), "" if base else signed(r.delta_cost),
                  "" if base else signed(r.delta_shortfall), num(r.objective) if base else signed(r.delta_objective),
                  plain("; ".join(x.replace(";", ", ") for x in what if x)))
    console.print(t)
    if "assets_used" in table.columns:  # MODEL.md v3 "Time": the force each mission takes

        print_sustainment(table, console)
    failed = table[table["status"] == "error"]
    for r in failed.itertuples(index=False):
        console.print(plain(f"  {r.scenario}: {r.error}"))
    if priced:
        _print_prices(table, console, skipped or [])


def _print_prices(table, console: Console, skipped: list[dict]) -> None:
    rows = table[table["scenario"] != "base"].copy()
    rows["price"] = -rows["delta_objective"].astype(float)
    rows = rows.sort_values(["price", "scenario"], ascending=[False, True], na_position="last")
    t = titled_table("Price of each political commitment: the objective lifting it alone would save "
               "(money, penalties and weights together)", console)
    for c in ("commitment", "objective saved", "framework then"):
        t.add_column(c, justify="right" if c == "price" else "left", overflow="fold")
    for r in rows.itertuples(index=False):
        price = "makes it feasible" if r.price != r.price and r.status in ("optimal", "feasible") else num(r.price)
        fw = "-" if not isinstance(r.framework, str) else f"{r.framework} {percent(r.approval_probability)}"
        t.add_row(plain(r.description or r.scenario), price, plain(fw))
    console.print(t)
    if skipped:
        reasons: dict[str, int] = {}
        for s in skipped:
            reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
        console.print(plain(f"{len(skipped)} commitment(s) not priced: lifting them cannot change the answer "
                         "(skipped.csv lists each):"))
        for reason, n in sorted(reasons.items(), key=lambda x: -x[1]):
            console.print(plain(f"  {n} x {reason}"))


def print_issues(issues, console: Console, header: str) -> None:
    if not issues:
        return
    console.print(header, soft_wrap=True)
    for i in issues:  # one line each, however long: a planner greps for the file name
        console.print(f"  {i}", markup=False, highlight=False, soft_wrap=True)
