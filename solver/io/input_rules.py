"""Input rules of MODEL.md v3 beyond a single cell: columns whose absence would change
the answer silently, and lexicographic priorities.

A missing optional column takes its default in every row. For most columns that is
what a planner means (no ``budget`` column: no budgets). For a few, the default
quietly cancels data the rest of the instance holds; those are listed here and
reported as warnings (``roles.requirement`` is required outright, in the schema).
docs/model.md ("Input rules") gives the reasoning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from solver.domain.instance import TERMS
from solver.domain.suggest import did_you_mean

GROUP_COLUMNS = ("nato", "eu", "unsc_p5")  # nations' membership of an approval group


def missing_column_warnings(name: str, table, present: Iterable[str],
                            tables: Mapping[str, pd.DataFrame] | None) -> list[str]:
    """Warnings for optional columns missing from table ``name`` whose default would
    change the answer without a word (the instance's other tables show they matter)."""
    present = set(present)
    if not present:  # an optional table that is not there at all
        return []
    tables = tables or {}
    out: list[str] = []

    def column_values(tname: str, column: str) -> set[str]:
        df = tables.get(tname)
        if df is None or column not in df.columns:
            return set()
        return {str(v).strip().lower() for v in df[column] if str(v).strip()}

    if name == "nations":
        used = column_values("frameworks", "approval_group")
        for g in GROUP_COLUMNS:
            if g not in present and g in used:
                out.append(f"a column named '{g}': without it no nation belongs to the {g} approval group, "
                           f"so a framework whose approval_group is {g} needs nobody's approval")
    elif name == "frameworks":
        nations = tables.get("nations")
        if "approval_group" not in present and nations is not None and any(g in nations.columns for g in GROUP_COLUMNS):
            out.append("a column named 'approval_group': without it every framework takes 'none' and needs "
                       "nobody's approval, so no veto in the consent table blocks any")
    elif name == "consent":
        for col, meaning in (("approval", "every listed nation approves (no veto, no abstention)"),
                             ("approval_probability", "every approval is certain (probability 1)")):
            if col not in present:
                out.append(f"a column named '{col}': without it {meaning}")
    elif name == "assets" and "cost" not in present:
        out.append("a column named 'cost': without it every asset costs 0 and only setup costs are counted")
    return out


def lexicographic_problems(terms: Iterable[object]) -> list[tuple[object, str]]:
    """What is wrong with a list of lexicographic priorities: (term, message) for each
    unknown or repeated term. Empty when the list is right."""
    problems: list[tuple[object, str]] = []
    seen: set[str] = set()
    valid = ", ".join(TERMS)
    for t in terms:
        if not isinstance(t, str) or t not in TERMS:
            problems.append((t, f"an objective term ({valid}){_hint(t)}"))
        elif t in seen:
            problems.append((t, "each term at most once (this one is listed twice)"))
        else:
            seen.add(t)
    return problems


def _hint(term: object) -> str:
    return did_you_mean(term, list(TERMS)) if isinstance(term, str) else ""


__all__ = ["GROUP_COLUMNS", "lexicographic_problems", "missing_column_warnings"]
