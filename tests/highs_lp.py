"""The HiGHS model a Session holds, read back as dense arrays (tests compare and check against it)."""

from __future__ import annotations

import numpy as np


def dense_lp(session) -> dict:
    """Costs, column and row bounds and the constraint matrix of the session's HiGHS model."""
    return session.highs.lp_arrays()


def violation(lp: dict, col: np.ndarray) -> float:
    """Largest violation of any row or column bound by a column vector (0 when it is feasible)."""
    act = lp["a"] @ col
    return float(max(np.max(lp["rlo"] - act, initial=0), np.max(act - lp["rup"], initial=0),
                     np.max(lp["lo"] - col, initial=0), np.max(col - lp["up"], initial=0)))
