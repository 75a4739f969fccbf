"""The status of a solve, shared by the solver adapter and the results."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a limit stopped the search with an incumbent
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"  # a limit stopped the search without an incumbent
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)
