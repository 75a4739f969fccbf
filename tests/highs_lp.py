"""The HiGHS model a Session holds, read back as dense arrays (tests compare and check against it)."""

from __future__ import annotations

import highspy
import numpy as np


def dense_lp(session) -> dict:
    """Costs, column and row bounds and the constraint matrix of the session's HiGHS model."""
    lp = session.highs.getLp()
    a = lp.a_matrix_
    start, index, value = np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_)
    m = np.zeros((lp.num_row_, lp.num_col_))
    by_col = a.format_ == highspy.MatrixFormat.kColwise
    for j in range(len(start) - 1):
        for p in range(start[j], start[j + 1]):
            if by_col:
                m[index[p], j] = value[p]
            else:
                m[j, index[p]] = value[p]
    return {"cost": np.asarray(lp.col_cost_), "lo": np.asarray(lp.col_lower_), "up": np.asarray(lp.col_upper_),
            "rlo": np.asarray(lp.row_lower_), "rup": np.asarray(lp.row_upper_), "a": m, "offset": lp.offset_}


def violation(lp: dict, col: np.ndarray) -> float:
    """Largest violation of any row or column bound by a column vector (0 when it is feasible)."""
    act = lp["a"] @ col
    return float(max(np.max(lp["rlo"] - act, initial=0), np.max(act - lp["rup"], initial=0),
                     np.max(lp["lo"] - col, initial=0), np.max(col - lp["up"], initial=0)))
