"""Typed errors that carry their exit code, and the exit code of every outcome, in one place.

The Python API raises these; the CLI maps them to its exit status through
click's own exception machinery (``solver.app.cli``), so a notebook user catches
the same errors a shell script sees as exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# --------------------------------------------------------------------------- problems in the input
@dataclass(frozen=True)
class Issue:
    """One problem found in an instance, located as precisely as the input allows."""

    source: str  # "assets.csv", "sheet assets", "instance.yaml", "scenario 'x'"
    message: str  # what was expected
    row: int | None = None  # row in the file (the header is row 1)
    column: str | None = None
    value: object = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            label = "key" if self.source.endswith(("yaml", "settings")) else "column"
            where += f", {label} {self.column}"
        message = " ".join(str(self.message).split())  # one line, whatever a library's message held
        return f"{where}: {_got(self.value)}{message}"


def _got(value, limit: int = 80) -> str:
    """The offending value, shortened: a megabyte of a bad cell helps nobody."""
    if value is None:
        return ""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 12] + f"... ({len(str(value)):,} characters)"
    return f"got {text}; "


class InstanceError(BadInput):
    """Raised with every error found in an instance; ``issues`` lists them (exit 2)."""

    what = "the instance"


class ScenarioError(BadInput):
    """Scenarios that cannot run; ``issues`` lists every problem (exit 2)."""

    what = "the scenarios"


class GapFormatError(BadInput):
    """A GAP file that does not hold the problems it announces (exit 2)."""

    what = "the GAP file"

    def __init__(self, message: str):
        super().__init__([message])


class OutputError(BadInput):
    """A destination that cannot take the results (exit 2, nothing written)."""

    what = "the output path"


class ChangeError(ValueError):
    """Inside the change applier only (caught there and reported as a ScenarioError's issue): one change that does not fit the instance; ``value`` is what the user wrote."""

    def __init__(self, message: str, value=None):
        super().__init__(message)
        self.value = value


class RobustInputError(BadInput):
    """Robust or re-plan options that do not fit the instance (exit 2)."""

    what = "the robust / re-plan options"


class RotationError(AssertionError):
    """No rested asset was left for a tour start: the model's rotation window count was broken
    (a program fault, never bad input)."""
