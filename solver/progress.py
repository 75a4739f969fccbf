"""Progress a planner sees while waiting at the terminal (the CLI's side, not the solver's).

A solve that lasts more than a couple of seconds shows one line on stderr,
rewritten in place: elapsed time, the best allocation so far and the proven
gap. Nothing is shown when stderr is not a terminal, or with ``--quiet``; the
line is erased when the solve ends, so the printed tables stay clean.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

DELAY_S = 2.0  # show nothing for runs shorter than this
EVERY_S = 0.25  # redraw at most this often


class SolveProgress:
    """A callable for ``Session(progress=...)``; ``label`` says what is being solved."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, label: str = "solving"):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, info: dict) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < DELAY_S or now - self.last < EVERY_S:
            return
        self.last = now
        inc, gap = info.get("incumbent"), info.get("gap")
        best = f"best {inc:,.2f}" if inc is not None and math.isfinite(inc) and abs(inc) < 1e20 else "no allocation yet"
        gap_text = f", gap {100 * gap:.2f} %" if gap is not None and math.isfinite(gap) and gap < 1e6 else ""
        self.stream.write(f"\r\x1b[2K{self.label}: {now - self.start:.0f} s, {best}{gap_text}")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False
