"""The mission over time on the screen (T > 1): sentences, coverage and rotations by period."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from solver.results.solution import Solution
from solver.results.timeline import mission_sentences


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"


def print_mission(sol: Solution, console: Console, instance) -> None:
    """The sustainment figure in words, then per role and period the strength covered
    (a shortfall in red), then per nation and period the assets deployed."""
    for line in mission_sentences(sol, instance):
        console.print(Text(line))
    T = sol.mission["periods"]
    strength = sol.units.get("strength")
    label = sol.mission.get("period_label")
    console.print(Text(f"Coverage by period{f' (one period: {label})' if label else ''}: strength covered"
                       f"{f' in {strength}' if strength else ''} / required", "bold"))
    t = Table(expand=False)
    t.add_column("role", overflow="fold")
    for p in range(1, T + 1):
        t.add_column(str(p), justify="right")
    roles = sol.roles
    for r, rows in roles.groupby("role", sort=False):
        if not rows["active"].any() and not (rows["covered"] > 0).any():
            continue
        cells = []
        for row in rows.sort_values("period").itertuples(index=False):
            text = Text(f"{_num(row.covered)}/{_num(row.required)}")
            if row.shortfall > 0:
                text.stylize("red")
            cells.append(text)
        t.add_row(Text(r), *cells)
    console.print(t)
    np_ = sol.nation_periods
    if np_ is None or not len(np_):
        return
    used = np_[np_["deployed"] > 0]["nation"].unique()
    console.print(Text("Assets deployed by nation and period (resting after a tour in brackets)", "bold"))
    t = Table(expand=False)
    t.add_column("nation")
    for p in range(1, T + 1):
        t.add_column(str(p), justify="right")
    t.add_column("used", justify="right")
    assets = sol.nations.set_index("nation")["assets"]
    for n in used:
        rows = np_[np_["nation"] == n].sort_values("period")
        cells = [f"{d}" + (f" ({r})" if r else "") for d, r in zip(rows["deployed"], rows["resting"], strict=True)]
        t.add_row(Text(n), *cells, str(int(assets.get(n, 0))))
    console.print(t)


def print_sustainment(table, console: Console) -> None:
    """What each what-if's mission takes: periods, assets that serve a tour, the largest
    force in theatre at once, and their ratio (the classic figure)."""
    rows = table[table["assets_used"].notna()]
    if not len(rows):
        return
    console.print(Text("Force the mission takes (assets: serving at least one tour; in theatre: the most at once)",
                       "bold"))
    t = Table(expand=False)
    for c, j in (("scenario", "left"), ("periods", "right"), ("assets", "right"), ("in theatre", "right"),
                 ("strength", "right"), ("ratio", "right")):
        t.add_column(c, justify=j, overflow="fold")
    for r in rows.itertuples(index=False):
        ratio = "" if r.ratio is None or r.ratio != r.ratio else f"{r.ratio:.2f}"
        t.add_row(Text(str(r.scenario)), f"{int(r.periods)}", f"{int(r.assets_used)}",
                  f"{int(r.max_in_theatre_units)}", _num(float(r.max_in_theatre_strength)), ratio)
    console.print(t)
