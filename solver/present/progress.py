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

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

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


class BatchProgress:
    """A rich progress bar for a batch (done, failed, remaining, ETA) on stderr; a callable
    for ``run_batch(progress=...)``, used as a context manager around the run."""

    def __init__(self, console, show: bool = True):
        """Without ``show`` (--no-progress), one plain line per finished scenario instead
        of a bar: what a log or a script reading stderr wants."""
        self.console, self.show = console, show
        self.counts = {"done": 0, "failed": 0, "total": 0}
        self.bar = Progress(TextColumn("[bold]batch"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TextColumn("ETA"),
                            TimeRemainingColumn(), console=console, disable=not show, transient=False)
        self.task = None

    def __enter__(self) -> BatchProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, event: str, info: dict) -> None:
        c = self.counts
        if event == "start":
            c["total"] = info["todo"]
            self.task = self.bar.add_task("batch", total=info["todo"], status=f"({info['skipped']} already done)")
            return
        if event == "retry":
            self.console.print(f"worker died (exit code {info['exit_code']}) on {info['scenario']}: retrying once",
                               markup=False)
            return
        c["done"] += 1
        c["failed"] += info.get("status") == "error"
        if not self.show:
            self.console.print(f"finished {info.get('scenario')}: {info.get('status')} ({c['done']}/{c['total']})",
                               markup=False, highlight=False)
        self.bar.update(self.task, advance=1,
                        status=f"done {c['done']} failed {c['failed']} remaining {c['total'] - c['done']}")
