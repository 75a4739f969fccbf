"""What changed between two allocations, in a planner's terms.

Used wherever an answer is compared with the optimum: alternatives, what-ifs
and "why not" explanations. Per role, every nation whose contribution changes
is named with its contribution before and after (so coverage never seems to
fall when one nation's units replace another's), with who joins and leaves the
force, a framework switch and the deltas of the objective and each term.
"""

from __future__ import annotations

from solver.results.solution import Solution


def pattern(sol: Solution, level: str) -> frozenset:
    if level == "asset":
        return frozenset(sol.assignments())
    return frozenset(sol.nation_roles())


def changes(base: Solution, alt: Solution) -> dict:
    """What changed against the optimum, in planner terms."""
    def by_role(sol: Solution) -> dict[str, dict[str, float]]:
        g = sol.allocation.groupby(["role", "nation"])["contribution"].sum()
        out: dict[str, dict[str, float]] = {}
        for (r, n), v in g.items():
            out.setdefault(r, {})[n] = float(v)
        return out

    a, b = by_role(base), by_role(alt)
    roles = []
    for r in sorted(set(a) | set(b)):
        old, new = a.get(r, {}), b.get(r, {})
        moves = [{"nation": n, "from": old.get(n, 0.0), "to": new.get(n, 0.0)} for n in sorted(set(old) | set(new))
                 if abs(old.get(n, 0.0) - new.get(n, 0.0)) > 1e-9]
        if moves:
            roles.append({"role": r, "before": sum(old.values()), "after": sum(new.values()), "nations": moves})
    na, nb = set(base.nations["nation"]), set(alt.nations["nation"])
    deltas = {t: _delta(alt.terms.get(t), base.terms.get(t)) for t in base.terms}
    deltas["objective"] = _delta(alt.objective, base.objective)
    return {
        "framework": None if base.framework == alt.framework else {"from": base.framework, "to": alt.framework},
        "nations_join": sorted(nb - na),
        "nations_leave": sorted(na - nb),
        "roles": roles,
        "deltas": deltas,
    }


def _delta(a, b):
    return None if a is None or b is None else round(a - b, 9) + 0.0


def describe(ch: dict) -> str:
    """One line a planner reads: framework switch, who joins and leaves, and per role every
    nation whose contribution changes, before and after (so coverage never seems to fall
    when one nation's units replace another's)."""
    parts = []
    if ch["framework"]:
        parts.append(f"framework {ch['framework']['from']} → {ch['framework']['to']}")
    if ch["nations_join"]:
        parts.append("join " + ", ".join(ch["nations_join"]))
    if ch["nations_leave"]:
        parts.append("leave " + ", ".join(ch["nations_leave"]))
    for r in ch["roles"]:
        moves = ", ".join(f"{x['nation']} {x['from']:g}→{x['to']:g}" for x in r["nations"])
        total = f" (total {r['before']:g}→{r['after']:g})" if abs(r["before"] - r["after"]) > 1e-9 else ""
        parts.append(f"{r['role']}: {moves}{total}")
    return "; ".join(parts) if parts else "same nation-role pattern"


def brief(ch: dict, most: int = 5) -> str:
    """A short line for a screen: framework switch, who joins and leaves (named when few),
    and the roles whose coverage changes; ``describe`` gives every nation's numbers."""
    if not ch:
        return ""

    def names(xs: list[str]) -> str:
        return ", ".join(xs) if len(xs) <= most else f"{len(xs)} nations ({', '.join(xs[:most])}, ...)"

    parts = []
    if ch["framework"]:
        parts.append(f"framework {ch['framework']['from']} → {ch['framework']['to']}")
    if ch["nations_join"]:
        parts.append("join " + names(ch["nations_join"]))
    if ch["nations_leave"]:
        parts.append("leave " + names(ch["nations_leave"]))
    moved = [f"{r['role']} {r['before']:g}→{r['after']:g}" for r in ch["roles"] if abs(r["before"] - r["after"]) > 1e-9]
    if moved:
        parts.append("coverage " + ", ".join(moved))
    elif ch["roles"] and not parts:
        parts.append(describe(ch))
    return "; ".join(parts) if parts else "same nation-role pattern"
