"""The brief's pictures: static SVG drawn with matplotlib, each with the table behind it.

Every chart returns ``(svg, table)``: the SVG is inlined in the page (no script, no
font download: text stays text in the system's sans-serif), and the table holds
every number the picture shows, so nothing depends on colour alone. Colours come
from a palette readable by the colour-blind (Okabe and Ito).
"""

from __future__ import annotations

import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "forcealloc", "font.family": "sans-serif",
                     "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
BLUE, ORANGE, GREEN, GREY, RED, SKY = "#0072B2", "#E69F00", "#009E73", "#999999", "#D55E00", "#56B4E9"


def _wrap(label: str, width: int, lines: int = 2) -> str:
    """Break a label between words (never inside one); '…' after the last kept word."""
    parts = textwrap.wrap(" ".join(str(label).split()), width=width, break_long_words=False,
                          break_on_hyphens=False) or [""]
    return "\n".join(parts) if len(parts) <= lines else "\n".join([*parts[:lines - 1], parts[lines - 1] + " …"])


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prologue and doctype: the page is HTML


def allocation_map(alloc: pd.DataFrame, roles: list[str], unit: str = "") -> tuple[str, pd.DataFrame]:
    """Nations x roles: the strength each nation gives each role."""
    table = alloc.pivot_table(index="nation", columns="role", values="contribution", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=[r for r in roles if r in table.columns])
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(max(5.5, 0.85 * len(table.columns) + 2), max(3, 0.3 * len(table) + 1)))
    values = table.to_numpy(dtype=float)
    ax.imshow(np.where(values > 0, values, np.nan), cmap="Blues", aspect="auto", vmin=0)
    ax.set_xticks(range(len(table.columns)), [_wrap(c, 13, 3) for c in table.columns], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(table.index)), table.index)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if values[i, j] > 0:
                ax.text(j, i, f"{values[i, j]:g}", ha="center", va="center", fontsize=7,
                        color="white" if values[i, j] > 0.6 * np.nanmax(values) else "black")
    ax.set_title(f"Strength each nation gives each role{f' ({unit})' if unit else ''}", loc="left")
    for s in ax.spines.values():
        s.set_visible(False)
    table.columns.name = None
    return _svg(fig), table.reset_index()


def frameworks(rows: list[dict]) -> tuple[str, pd.DataFrame]:
    """Each framework's best objective (or why it has none) and its approval probability.

    A blocked framework has no bar: its row says why ("vetoed", "cannot carry the force"),
    and a vetoed one is approved with probability 0."""
    def chance(r):
        return 0.0 if r["status"] == "vetoed" else r.get("approval_probability")

    money = any(r.get("money") is not None for r in rows)
    table = pd.DataFrame([{"framework": r.get("name", r["framework"]), "status": r["status"],
                           "objective": r.get("objective"), "objective vs best": r.get("delta"),
                           **({"money": r.get("money"), "money vs best": r.get("delta_money")} if money else {}),
                           "approval probability": chance(r), "why not": r.get("why_not", "")} for r in rows])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 0.55 * len(rows) + 1.2), sharey=True,
                                 gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(rows))[::-1]
    objs = [r.get("objective") for r in rows]
    top = max([o for o in objs if o] or [1])
    for yi, r, o in zip(y, rows, objs, strict=True):
        if o is None:
            label = "blocked: vetoed" if r["status"] == "vetoed" else "blocked: cannot carry the force"
            a1.text(0, yi, label, va="center", fontsize=8, color=RED, fontweight="bold")
        else:
            a1.barh(yi, o, color=GREEN if r.get("delta") == 0 else BLUE)
            a1.text(o, yi, f" {o:,.0f}", va="center", fontsize=8)
    a1.set_xlim(0, top * 1.25)
    a1.set_yticks(y, [_wrap(r.get("name", r["framework"]), 22) for r in rows], fontsize=8)
    a1.set_title("Best objective (money + penalties; lower is better)", loc="left", fontsize=8)
    for yi, r in zip(y, rows, strict=True):
        p = chance(r)
        if r["status"] == "vetoed":
            a2.text(0, yi, "0 % (vetoed)", va="center", fontsize=8, color=RED, fontweight="bold")
        elif p is not None:
            a2.barh(yi, 100 * p, color=ORANGE)
            a2.text(100 * p, yi, f" {100 * p:.0f} %", va="center", fontsize=8)
    a2.set_xlim(0, 115)
    a2.set_title("Chance every member agrees", loc="left", fontsize=8)
    return _svg(fig), table


def alternatives(rows: list[dict]) -> tuple[str, pd.DataFrame]:
    """Objective against distance from the optimum, each alternative labelled."""
    table = pd.DataFrame([{"rank": r["rank"], "objective": r["objective"], "vs best": r["delta"],
                           "distance": r["distance"], "framework": r["framework"], "what changed": r["changes"]}
                          for r in rows])
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    ax.scatter(table["distance"], table["vs best"], color=[GREEN] + [BLUE] * (len(table) - 1), s=40, zorder=3)
    seen: dict[tuple, int] = {}
    for r in table.itertuples(index=False):
        k = (r.distance, round(r._2, 6))
        seen[k] = seen.get(k, 0) + 1  # alternatives at the same point: labels side by side
        ax.annotate(f"#{r.rank}", (r.distance, r._2), textcoords="offset points",
                    xytext=(6 + 18 * (seen[k] - 1), 4), fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    ax.set_xlabel("nation-role changes from the best allocation")
    ax.set_ylabel("objective above the best")
    ax.set_title("Alternatives: how much worse, how different", loc="left")
    ax.grid(alpha=0.3)
    return _svg(fig), table


def theatre(nations: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """By nation: strength in theatre (the force) against support from outside it."""
    table = nations[["nation", "in_theatre", "out_of_theatre"]].copy()
    table = table[(table["in_theatre"] > 0) | (table["out_of_theatre"] > 0)]
    table = table.sort_values(["in_theatre", "out_of_theatre"], ascending=True)
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(table) + 1.2))
    y = np.arange(len(table))
    ax.barh(y, table["in_theatre"], color=BLUE, label="in theatre (the force)")
    ax.barh(y, table["out_of_theatre"], left=table["in_theatre"], color=SKY, hatch="..", edgecolor="white",
            label="support from outside the theatre")
    ax.set_yticks(y, table["nation"])
    ax.legend(loc="lower right", frameon=False)
    ax.set_title("Strength by nation: in theatre and from outside it", loc="left")
    table = table.rename(columns={"in_theatre": "in theatre", "out_of_theatre": "from outside the theatre"})
    return _svg(fig), table.iloc[::-1].reset_index(drop=True)


def ranked(labels: list[str], values: list[float], title: str, xlabel: str) -> str:
    """Ranked horizontal bars (what-if impacts, prices of commitments), largest on top."""
    order = np.argsort(values)
    fig, ax = plt.subplots(figsize=(7.5, 0.4 * len(values) + 1.2))
    y = np.arange(len(values))
    vals = np.asarray(values, dtype=float)[order]
    ax.barh(y, vals, color=[RED if v > 0 else GREEN for v in vals])
    for yi, v in zip(y, vals, strict=True):
        if math.isfinite(v):
            label = f" {v:+,.2f}" if abs(v) < 10 else f" {v:+,.0f}"
            ax.text(v, yi, label, va="center", fontsize=7, ha="left" if v >= 0 else "right")
    ax.set_yticks(y, [_wrap(labels[i], 45, 2) for i in order], fontsize=7)
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    return _svg(fig)


def rotation_chart(schedule: pd.DataFrame, roles: list[str], periods: int) -> tuple[str, pd.DataFrame]:
    """Over time (MODEL.md v3): per nation (a row of panels) the assets it has deployed in
    each period, stacked by role; the table holds every count (nation, role, period)."""
    table = schedule.pivot_table(index=["nation", "role"], columns="period", values="asset", aggfunc="count",
                                 fill_value=0).reindex(columns=range(1, periods + 1), fill_value=0)
    order = table.groupby(level="nation").sum().sum(axis=1).sort_values(ascending=False, kind="stable").index
    used = [r for r in roles if r in table.index.get_level_values("role")]
    palette = [BLUE, ORANGE, GREEN, SKY, RED, GREY, "#CC79A7", "#F0E442", "#000000"]
    colour = {r: palette[i % len(palette)] for i, r in enumerate(used)}
    fig, axes = plt.subplots(len(order), 1, sharex=True, squeeze=False,
                             figsize=(max(5.5, 0.5 * periods + 2.5), max(2.0, 0.42 * len(order) + 0.8)))
    top = float(table.groupby(level="nation").sum().to_numpy().max()) if len(table) else 1.0
    x = np.arange(1, periods + 1)
    for ax, n in zip(axes[:, 0], order, strict=True):
        bottom = np.zeros(periods)
        for r in used:
            if (n, r) in table.index:
                h = table.loc[(n, r)].to_numpy(dtype=float)
                ax.bar(x, h, bottom=bottom, color=colour[r], width=0.8, label=r)
                bottom += h
        ax.set_ylim(0, top)
        ax.set_yticks([])
        ax.set_ylabel(n, rotation=0, ha="right", va="center", fontsize=8)
        for s in ("left", "top", "right"):
            ax.spines[s].set_visible(False)
    axes[-1, 0].set_xticks(x, [str(p) for p in x])
    axes[-1, 0].set_xlabel("period")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour[r]) for r in used]
    axes[-1, 0].legend(handles, used, ncol=min(5, len(used)), fontsize=7, loc="upper left",
                       bbox_to_anchor=(0, -1.6), frameon=False)
    axes[0, 0].set_title(f"Assets deployed by nation and period (tallest bar: {top:g})", loc="left")
    return _svg(fig), table.reset_index()


def robustness_curve(t: pd.DataFrame, unit: str = "") -> tuple[str, pd.DataFrame]:
    """Money (and objective) against k: the price of surviving k withdrawals (curve.csv's table)."""
    ok = t[t["status"].isin(["optimal", "feasible"])]
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.plot(ok["k"], ok["money"], marker="o", color=BLUE, label=f"money ({unit})" if unit else "money")
    ax.plot(ok["k"], ok["objective"], marker="s", color=GREEN, label="objective")
    for r in t[~t["status"].isin(["optimal", "feasible"])].itertuples(index=False):
        ax.annotate(f"k = {r.k}: {r.status}", (r.k, ax.get_ylim()[1]), fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    ax.set_xlabel("nations of H that may withdraw (k)")
    ax.set_title("The price of robustness", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    cols = [c for c in ("k", "status", "objective", "money", "nations", "critical_nations") if c in t.columns]
    return _svg(fig), t[cols]
