"""How numbers and text are shaped on a terminal: one rule for decimals, signs, percents
and tables, shared by every printed part (tables, explanations, plans)."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

WIDE = 120  # columns from which the optional columns are shown


def column(values, digits: int = 2) -> list[str]:
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


def num(v, digits: int = 2) -> str:
    """One number: whole numbers without decimals."""
    return column([v], digits)[0]


def signed(v) -> str:
    if v is None or v != v:
        return "-"
    text = num(v)
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


def plain(text) -> Text:
    """Input text (names) shown as is: never read as markup."""
    return Text("" if text is None else str(text))


def titled_table(title: str, console: Console) -> Table:
    """A table under a bold title line (a title inside the table would wrap to its width)."""
    console.print(Text(title, "bold"))
    return Table(expand=False)
