"""Withdrawals and re-plans said in words, for the screen and the brief (MODEL.md v3)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from solver.present.terminal import percent
from solver.results.solution import Solution

WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "ten"}


def _names(codes: list[str], names: dict[str, str], conj: str = "and") -> str:
    items = [names.get(c, c) for c in codes]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def _role(r: str, names: dict[str, str]) -> str:
    """A role's name inside a sentence ('Land brigades' -> 'land brigades')."""
    n = names.get(r, r)
    return n[0].lower() + n[1:] if len(n) > 1 and n[1].islower() else n


def _amount(v: float, unit: str | None) -> str:
    return f"{v:,.1f} {unit}" if unit else f"{v:,.1f} (money in the instance's cost units)"


def robust_lines(sol: Solution, nation_names: dict[str, str], role_names: dict[str, str]) -> list[str]:
    """The sentences a minister reads: what the plan survives, what it costs, what breaks it,
    how likely each requirement holds, and what a re-plan changes."""
    rb = sol.robust
    lines: list[str] = []
    if rb is None:
        return lines
    strength = sol.units.get("strength") or "capability points"
    money = sol.units.get("cost")
    k = rb["k"]
    if k > 0:
        who = _names(rb["from"], nation_names, "or")
        how = "; reserves held at home step in" if rb["recourse"] else " without re-tasking anyone"
        lines.append(f"This plan holds if any {WORDS.get(k, str(k))} of {who} leave{'s' if k == 1 else ''}{how}.")
        if rb.get("price_money") is not None:
            more = rb["price_money"]
            lines.append(f"It costs {_amount(abs(more), money)} {'more' if more >= 0 else 'less'} than the plan "
                         f"that survives no withdrawal (objective {rb['price']:+,.2f}: "
                         f"{sol.objective:,.2f} against {rb['objective_k0']:,.2f}).")
        if rb.get("reserves"):
            lines.append(f"{rb['reserves']} asset{'s' if rb['reserves'] != 1 else ''} held in reserve "
                         f"at {100 * rb['reserve_cost']:g} % of their cost (status 'reserve' in the allocation).")
    for r, short in (rb.get("worst_case_shortfall") or {}).items():
        lines.append(f"The worst withdrawal leaves the {_role(r, role_names)} {short:,.0f} {strength} short "
                     "(a soft role: its shortfall penalty is in the objective).")
    crit, eff = rb.get("critical_nations"), rb.get("critical_effect")
    if crit:
        who = _names(crit, nation_names)
        alone = " alone" if len(crit) == 1 else ""
        verb = "leaves" if len(crit) == 1 else "leave"
        if eff["kind"] == "requirement":
            role = _role(eff["role"], role_names)
            short = eff["needed"] - eff["after"]
            what = (f"the {role} fall {short:,.0f} {strength} short "
                    f"({eff['after']:,.0f} of {eff['needed']:,.0f})")
        elif eff["kind"] == "min_nations":
            role = _role(eff["role"], role_names)
            what = f"the {role} keep only {eff['after']} nations ({eff['needed']} needed)"
        else:
            what = f"the coalition falls to {eff['after']} nations ({eff['needed']} needed)"
        unaided = " and no reserve steps in" if rb.get("recourse") else ""
        lines.append(f"If {who}{alone} {verb}{unaided}, {what}.")
    elif sol.status.has_solution:
        lines.append(f"No withdrawal of nations of {_names(rb['critical_from'], nation_names) or 'H'} "
                     "breaks a hard requirement, min_nations or the coalition's breadth.")
    chances = rb.get("coverage_probability") or {}
    unsure = {r: p for r, p in chances.items() if p < 1 - 1e-12}
    for r, p in unsure.items():
        lines.append(f"The {_role(r, role_names)} requirement holds with a {percent(p)} chance "
                     "(each nation staying with its stay_probability).")
    if chances and not unsure:
        lines.append("Every protected requirement holds for certain if every nation stays as its "
                     "stay_probability says.")
    return lines


def persistence_lines(sol: Solution, nation_names: dict[str, str]) -> list[str]:
    ps = sol.persistence
    if ps is None:
        return []
    n, f = ps["changes"], ps["forced"]
    head = (f"Re-plan against {ps['plan']}: {n} nation-role pledge{'s' if n != 1 else ''} change "
            f"({f} forced: the nation can no longer serve there; change penalty {ps['change_penalty']:g} "
            "objective units each).")
    out = [head]
    for c in ps["changed"]:
        sign = "+" if c["change"] == "added" else "-"
        forced = " (forced)" if c.get("forced") else ""
        out.append(f"  {sign} {nation_names.get(c['nation'], c['nation'])} {c['change']} {c['role']}{forced}")
    return out


def print_robust(sol: Solution, console: Console, nation_names: dict[str, str], role_names: dict[str, str]) -> None:
    """The robust paragraph under the solution tables."""
    lines = robust_lines(sol, nation_names, role_names)
    if lines:
        console.print(Text("Withdrawals", "bold"))
        for line in lines:
            console.print(Text(line))
    ps = persistence_lines(sol, nation_names)
    for line in ps:
        console.print(Text(line))
