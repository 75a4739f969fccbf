"""Reading a printed brief back: the text of each page and how much of each page is used.

The used part of a page is measured from what the PDF draws (text positions and the
points of every path and image placed), so a half-blank page is found without a
rasteriser: the fraction of the page's height between the top margin and the lowest
mark drawn.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def _apply(cm, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = (float(v) for v in cm)
    return a * x + c * y + e, b * x + d * y + f


PAINT = {b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*"}


def page_marks(page) -> list[float]:
    """The heights (PDF units, from the bottom) of every mark the page draws: text, painted
    paths (a path only used to clip draws nothing) and placed images."""
    ys: list[float] = []
    path: list[float] = []

    def before(op, args, cm, tm):
        try:
            if op == b"re" and len(args) == 4:
                x, y, w, h = (float(v) for v in args)
                path.extend(_apply(cm, px, py)[1] for px, py in ((x, y), (x + w, y + h)))
            elif op in (b"m", b"l") and len(args) == 2:
                path.append(_apply(cm, float(args[0]), float(args[1]))[1])
            elif op == b"c" and len(args) == 6:
                path.append(_apply(cm, float(args[4]), float(args[5]))[1])
            elif op in PAINT:
                ys.extend(path)
                path.clear()
            elif op == b"n":
                path.clear()
            elif op == b"Do":
                ys.extend(_apply(cm, px, py)[1] for px, py in ((0, 0), (1, 1)))
        except (TypeError, ValueError):
            pass

    def text(t, cm, tm, fontdict, size):
        if t and t.strip():
            m = [float(v) for v in tm]
            ys.append(_apply(cm, m[4], m[5])[1])

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return ys


def used_fractions(pdf: str | Path) -> list[float]:
    """For each page, the fraction of its height from the top down to the lowest mark."""
    out = []
    for page in PdfReader(pdf).pages:
        height = float(page.mediabox.height)
        ys = [y for y in page_marks(page) if 0 <= y <= height]
        out.append(0.0 if not ys else (height - min(ys)) / height)
    return out


def page_texts(pdf: str | Path) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages]
