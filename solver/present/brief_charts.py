"""The brief's newer pictures (what-if severity, withdrawals, rotation) and label wrapping.

Pure functions: data in, ``(svg, table)`` out, drawn like solver/charts.py (static SVG,
text kept as text, Okabe-Ito colours). Labels are wrapped or shortened at word
boundaries only, never cut inside a word.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from solver.present.charts import BLUE, GREEN, GREY, ORANGE, RED, SKY, _svg, _wrap, plt

PALETTE = [BLUE, ORANGE, GREEN, SKY, RED, "#CC79A7", "#F0E442", "#000000", GREY]
SEVERITY_COLOUR = {"severe": RED, "major": ORANGE, "moderate": "#F0E442", "minor": SKY, "no change": GREY}


def wrap(label: str, width: int = 34, lines: int = 2) -> str:
    """A label on at most ``lines`` lines of about ``width`` characters, broken between words;
    when it is longer, the last line ends at a word with '…' (no word is ever cut)."""
    return _wrap(label, width, lines)


def whatif_severity(df: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """Ranked what-ifs (most severe on top): money change, roles short and nations leaving side by
    side, the severity class as the label's colour key and the framework switch written out."""
    n = len(df)
    fig, axes = plt.subplots(1, 3, figsize=(7.2, 0.45 * n + 1.0), sharey=True,
                             gridspec_kw={"width_ratios": [2.4, 1, 1]})
    y = np.arange(n)[::-1]
    colours = [SEVERITY_COLOUR[s] for s in df["severity"]]
    money = df["money change"].astype(float).to_numpy()
    a0, a1, a2 = axes
    a0.barh(y, money, color=colours, edgecolor=GREY, linewidth=0.4)
    span = max(1.0, float(np.nanmax(np.abs(money))) if n else 1.0)
    for yi, v in zip(y, money, strict=True):
        a0.text(v + (0.01 * span if v >= 0 else -0.01 * span), yi, f"{v:+,.1f}", va="center", fontsize=7,
                ha="left" if v >= 0 else "right")
    a0.axvline(0, color=GREY, lw=0.8)
    a0.set_xlim(min(0, money.min() if n else 0) - 0.25 * span, max(0, money.max() if n else 0) + 0.3 * span)
    labels = [f"{wrap(w, 34, 2)}\n[{s}{'' if f == 'stays' else ', ' + f}]"
              for w, s, f in zip(df["what-if"], df["severity"], df["framework"], strict=True)]
    a0.set_yticks(y, labels, fontsize=7.5)
    a0.set_title("money change", loc="left", fontsize=8)
    for ax, col, title in ((a1, "roles short", "roles short"), (a2, "nations leaving", "nations leaving")):
        vals = df[col].astype(float).to_numpy()
        ax.barh(y, vals, color=colours, edgecolor=GREY, linewidth=0.4)
        for yi, v in zip(y, vals, strict=True):
            ax.text(v, yi, f" {v:g}", va="center", fontsize=7)
        ax.set_xlim(0, max(1.0, float(vals.max()) if n else 1.0) * 1.35)
        ax.set_title(title, loc="left", fontsize=8)
        ax.tick_params(axis="y", length=0)
    fig.suptitle("What-ifs, most severe first", x=0.01, ha="left", fontsize=9)
    return _svg(fig), df


def coverage_chances(probs: dict[str, float]) -> tuple[str, pd.DataFrame]:
    """For each role, the chance its requirement is still met when every nation stays with its own
    probability (the plan as deployed, reserves not counted)."""
    table = pd.DataFrame({"role": list(probs), "chance the requirement is met": list(probs.values())})
    table = table.sort_values("chance the requirement is met").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(table) + 1.1))
    y = np.arange(len(table))[::-1]
    vals = 100 * table["chance the requirement is met"].astype(float).to_numpy()
    ax.barh(y, vals, color=[RED if v < 50 else ORANGE if v < 90 else GREEN for v in vals])
    for yi, v in zip(y, vals, strict=True):
        ax.text(v, yi, f" {v:.0f} %", va="center", fontsize=7)
    ax.set_yticks(y, [wrap(r, 34, 2) for r in table["role"]], fontsize=7)
    ax.set_xlim(0, 115)
    ax.set_title("Chance each role's requirement is still met", loc="left")
    return _svg(fig), table


def rotation(schedule: pd.DataFrame, periods: int, period_label: str, role_names: dict,
             nation_names: dict) -> tuple[str, pd.DataFrame]:
    """Nations by period, each cell's bar stacked by role (strength in the period); the table holds
    every nation's strength per period."""
    s = schedule.copy()
    s["nation"] = s["nation"].map(lambda n: nation_names.get(n, n))
    s["role"] = s["role"].map(lambda r: role_names.get(r, r))
    per = s.pivot_table(index=["nation", "role"], columns="period", values="contribution", aggfunc="sum",
                        fill_value=0)
    totals = s.pivot_table(index="nation", columns="period", values="contribution", aggfunc="sum",
                           fill_value=0).reindex(columns=range(1, periods + 1), fill_value=0)
    totals = totals.loc[totals.sum(axis=1).sort_values(ascending=False).index]
    roles = list(dict.fromkeys(s["role"]))
    top = float(totals.to_numpy().max()) if totals.size else 1.0
    fig, ax = plt.subplots(figsize=(max(5.5, 0.9 * periods + 2.5), 0.3 * len(totals) + 1.5))
    y = {n: i for i, n in enumerate(reversed(list(totals.index)))}
    for t in range(1, periods + 1):
        left = {n: t - 1 + 0.05 for n in totals.index}
        for k, r in enumerate(roles):
            for n in totals.index:
                v = float(per[t].get((n, r), 0.0)) if t in per.columns else 0.0
                if v > 0:
                    w = 0.9 * v / top
                    ax.barh(y[n], w, left=left[n], color=PALETTE[k % len(PALETTE)], height=0.7)
                    left[n] += w
    patches = [Patch(color=PALETTE[k % len(PALETTE)]) for k in range(len(roles))]
    ax.legend(patches, [wrap(r, 28, 2) for r in roles], loc="upper left", bbox_to_anchor=(1.01, 1),
              frameon=False, fontsize=7)
    ax.set_yticks(list(y.values()), list(y.keys()), fontsize=7)
    ax.set_xticks([t - 0.5 for t in range(1, periods + 1)], [str(t) for t in range(1, periods + 1)])
    ax.set_xlim(0, periods)
    ax.set_xlabel(f"period ({period_label})" if period_label else "period")
    ax.set_title("Who serves in each period, by role", loc="left")
    totals.columns = [f"period {t}" for t in totals.columns]
    totals.columns.name = None
    return _svg(fig), totals.reset_index()
