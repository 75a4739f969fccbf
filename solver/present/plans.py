"""Printed parts a planner reads after the tables: money per nation, a held framework,
the thresholds of the choice and Plan B. Every figure says what it is: money in the
instance's units, an objective (money, penalties and weights together) never called a cost."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from solver.present.format import column, num, percent, plain, signed, titled_table
from solver.results.solution import Solution


def money_unit(units: dict[str, str]) -> str:
    return f" {units['cost']}" if units.get("cost") else " (money units)"


def money_line(money: dict | None, units: dict[str, str], framework: str | None = None) -> str:
    """'2,380.20 EUR million per year: assets 2,340.20 + setup 40 (nato)' (+ reserve when held)."""
    if not money:
        return "-"
    parts = [f"assets {num(money['asset'])}"]
    if money.get("reserve"):
        parts.append(f"reserve {num(money['reserve'])}")
    parts.append(f"setup {num(money['setup'])}" + (f" ({framework})" if framework else ""))
    return f"{num(money['total'])}{money_unit(units)}: " + " + ".join(parts)


def print_money(sol: Solution, console: Console) -> None:
    """Money per nation, its share of the setup cost included, adding up to the total."""
    if not sol.status.has_solution or sol.money is None:
        return
    console.print(Text.assemble(("Money", "bold"), " (no weights, no penalties): ",
                                money_line(sol.money, sol.units, sol.framework)))
    nat = sol.nations
    if "money" not in nat.columns or not len(nat):
        return
    nat = nat.sort_values(["money", "nation"], ascending=[False, True])
    t = titled_table(f"Money per nation ({(sol.units.get('cost') or 'money units')}; setup cost of the {sol.framework} "
               "shared in proportion to asset cost)", console)
    for c in ("nation", "asset cost", "setup share", "money"):
        t.add_column(c, justify="left" if c == "nation" else "right")
    cost = column([*nat["cost"], float(nat["cost"].sum())])
    share = column([*nat["setup_share"], float(nat["setup_share"].sum())])
    total = column([*nat["money"], float(nat["money"].sum())])
    for n, c, s, m in zip(nat["nation"], cost[:-1], share[:-1], total[:-1], strict=True):
        t.add_row(plain(n), c, s, m)
    t.add_row(Text("total", "bold"), cost[-1], share[-1], Text(total[-1], "bold"))
    console.print(t)


def print_plan_extras(sol: Solution, console: Console, names: dict[str, str] | None = None) -> None:
    """A held framework's difference to the free optimum, the thresholds, Plan B."""
    names = names or {}
    held = sol.extra.get("framework_held")
    if held:
        print_held(held, sol.units, console)
    th = sol.extra.get("thresholds")
    if th:
        print_thresholds(th, console, names)
        tol = sol.solver.get("mip_gap_tolerance") or 0.0
        loose = {f: b["mip_gap"] for f, b in (sol.extra.get("threshold_basis") or {}).items()
                 if b.get("feasible") and b.get("mip_gap") is not None and b["mip_gap"] > tol + 1e-12}
        if loose:
            console.print(plain("  (approximate: " + ", ".join(f"the {f} optimum is proven within "
                                                            f"{100 * g:.3g} %" for f, g in sorted(loose.items()))
                             + " only; see --thresholds-time-limit)"))
    if "fallback" in sol.extra:
        print_fallback(sol.extra["fallback"], sol.extra.get("plans") or [], sol.units, console, names,
                       sol.extra.get("fallback_reason"))


def print_held(held: dict, units: dict[str, str], console: Console) -> None:
    free = held.get("free_optimum") or {}
    if held.get("delta_objective") is None:
        console.print(plain(f"Framework held: {held['framework']}; the free optimum could not be compared "
                         f"({free.get('status', 'no allocation')})."))
        return
    if free.get("framework") == held["framework"]:
        console.print(plain(f"Framework held: {held['framework']}, which is also the free optimum's choice: "
                         "holding it changes nothing."))
        return
    console.print(plain(f"Framework held: {held['framework']}. Against the free optimum (the {free.get('framework')}, "
                     f"objective {num(free.get('objective'))}), holding it changes the objective by "
                     f"{signed(held['delta_objective'])} (money, penalties and weights together) and the money by "
                     f"{signed(held['delta_money'])}{money_unit(units)}."))


def _fw(f: str | None, names: dict[str, str]) -> str:
    return "-" if f is None else f"the {names.get(f, f)} ({f})"


def print_thresholds(th: dict, console: Console, names: dict[str, str]) -> None:
    """When the choice would change: its approval floor and the approval-risk weight range."""
    f = th["framework"]
    floor = th.get("approval_floor")
    if floor is not None:
        who = _fw(f, names)
        who = who[0].upper() + who[1:]
        if floor <= 0:
            line = f"{who} stays the choice whatever its approval chance"
        else:
            line = (f"{who} stays the choice while its approval chance is above {percent(floor)} "
                    f"(then: {_fw(th.get('successor'), names)})")
        console.print(Text("When the choice would change:", "bold"))
        console.print(plain(f"  {line},"))
    else:
        console.print(Text("When the choice would change:", "bold"))
        console.print(plain(f"  {_fw(f, names)} has no approval threshold (no approval risk weighed, no approval "
                         "group, or no other framework can carry the force),"))
    lo, hi = th.get("weight_range") or [None, None]
    slo, shi = th.get("weight_successors") or [None, None]
    low = "0" if lo is None else f"{num(lo)} (below it: {_fw(slo, names)})"
    high = "no upper end" if hi is None else f"{num(hi)} (above it: {_fw(shi, names)})"
    console.print(plain(f"  and while the approval-risk weight stays between {low} and {high}."))


def print_fallback(fb: dict | None, plans: list, units: dict[str, str], console: Console,
                   names: dict[str, str], reason: str | None = None) -> None:
    """Plan B in words: both plans, the chances, the expected money, pledges kept and changed."""
    if fb is None or fb.get("primary") is None or fb.get("fallback") is None:
        reason = (fb or {}).get("reason") or reason or "no Plan B"
        console.print(Text.assemble(("Plan B: none", "bold"), f" ({reason})."))
        return
    unit = money_unit(units)
    p1, p2 = fb["p_primary"], fb["p_fallback"]
    console.print(Text.assemble(("Plan B", "bold"), f" (change penalty {num(fb['change_penalty'])} per changed "
                                "pledge):"))
    money = [p.get("money") if isinstance(p, dict) else getattr(p, "money", None) for p in plans]
    m1 = money[0]["total"] if len(money) > 0 and money[0] else None
    m2 = money[1]["total"] if len(money) > 1 and money[1] else None
    console.print(plain(f"  Plan 1: {_fw(fb['primary'], names)}, approved with a {percent(p1)} chance; "
                     f"money {num(m1)}{unit}."))
    console.print(plain(f"  Plan 2, if it is not approved ({percent(1 - p1)}): {_fw(fb['fallback'], names)} "
                     f"(its own approval chance {percent(p2)}, assumed to go through); money {num(m2)}{unit}."))
    console.print(plain(f"  Expected money {num(fb['expected_money'])}{unit}; expected objective "
                     f"{num(fb['expected_objective'])} (money, penalties and weights, without the approval-risk "
                     f"term); minimised value {num(fb['value'])} = expected objective + "
                     f"{num(fb['change_penalty'])} x {fb['changes_count']} changed pledges."))
    common = fb.get("common") or []
    console.print(plain(f"  Pledged either way ({len(common)}): "
                     + (", ".join(f"{n} {r}" for n, r in common) or "none") + "."))
    changes = fb.get("changes") or []
    only1 = [f"{c['nation']} {c['role']}" for c in changes if c["in"] == "primary"]
    only2 = [f"{c['nation']} {c['role']}" for c in changes if c["in"] == "fallback"]
    console.print(plain(f"  Only in plan 1 ({len(only1)}): " + (", ".join(only1) or "none") + "."))
    console.print(plain(f"  Only in plan 2 ({len(only2)}): " + (", ".join(only2) or "none") + "."))
    if fb.get("proof"):
        console.print(plain(f"  Proof: {fb['proof']}"))
