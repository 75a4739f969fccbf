"""Typed errors that carry their exit code, and the exit code of every outcome, in one place.

The Python API raises these; the CLI maps them to its exit status through
click's own exception machinery (``solver.app.cli``), so a notebook user catches
the same errors a shell script sees as exit codes.
"""

from __future__ import annotations

from solver.domain.status import Status

EXIT_OK = 0
EXIT_SOLVER_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_TIME_LIMIT = 4
EXIT_SCENARIO_FAILED = 5
EXIT_SCHEDULER = 6
EXIT_INTERRUPTED = 130

STATUS_EXIT = {
    Status.OPTIMAL: EXIT_OK,
    Status.FEASIBLE: EXIT_OK,
    Status.INFEASIBLE: EXIT_INFEASIBLE,
    Status.TIME_LIMIT: EXIT_TIME_LIMIT,
    Status.ERROR: EXIT_SOLVER_ERROR,
}


def status_exit_code(status: Status | str) -> int:
    """The exit code of a solve that ended with this status."""
    return STATUS_EXIT[Status(status)]


class ForceAllocError(Exception):
    """Base of forcealloc's errors; ``exit_code`` is what the command exits with."""

    exit_code = EXIT_SOLVER_ERROR


class BadInput(ForceAllocError):
    """Input that cannot be used (exit 2). ``issues`` lists every problem at once, each
    with its file, row or line, column and value; ``warnings`` what else was noticed."""

    exit_code = EXIT_BAD_INPUT
    what = "the input"
    consequence = "nothing was solved or written"

    def __init__(self, issues: list, warnings: list | None = None):
        self.issues = list(issues)
        self.warnings = list(warnings or [])
        n = len(self.issues)
        lines = "\n".join(f"  {i}" for i in self.issues)
        super().__init__(f"{n} error{'s' if n != 1 else ''} in {self.what}:\n{lines}")


class OptionError(BadInput):
    """A command-line option or API argument out of its range (``option`` names it)."""

    what = "the options"

    def __init__(self, option: str, message: str):
        self.option = option
        super().__init__([f"{option}: {message}"])


class SchedulerError(ForceAllocError):
    """The Dask scheduler could not be reached, or went away mid-batch. Not a fault of any
    scenario: the unfinished ones are not recorded, so the same command runs them later."""

    exit_code = EXIT_SCHEDULER
