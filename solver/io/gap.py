"""OR-Library generalized assignment problems as force allocation instances.

MODEL.md's mapping: one framework with no approval group, one nation, roles =
agents (requirement 0, capacity b[i]), assets = jobs (must_deploy), and a
suitability row per (job j, agent i) with footprint a[i,j] and cost c[i,j].
For a maximisation problem cost = P - p[i,j] with P the largest profit, so the
GAP optimum is n P - cost; instance.yaml records what is needed to say it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from solver.domain.errors import GapFormatError


@dataclass
class GapProblem:
    cost: np.ndarray  # m x n cost or profit
    resource: np.ndarray  # m x n
    capacity: np.ndarray  # m

    @property
    def shape(self) -> tuple[int, int]:
        return self.cost.shape


def _take(tokens: list[int], pos: int) -> tuple[GapProblem, int]:
    m, n = tokens[pos], tokens[pos + 1]
    pos += 2
    need = 2 * m * n + m
    if m <= 0 or n <= 0 or pos + need > len(tokens):
        raise GapFormatError(f"a problem of {m} agents x {n} jobs needs {need} more numbers")
    c = np.array(tokens[pos : pos + m * n]).reshape(m, n)
    a = np.array(tokens[pos + m * n : pos + 2 * m * n]).reshape(m, n)
    b = np.array(tokens[pos + 2 * m * n : pos + need])
    return GapProblem(c, a, b), pos + need


def read_gap(path: str | Path) -> list[GapProblem]:
    """Every problem of a GAP file: with a leading problem count, or a single problem."""
    text = Path(path).read_text()
    try:
        tokens = [int(t) for t in text.split()]
    except ValueError as exc:
        raise GapFormatError(f"{path}: whole numbers only ({exc})") from exc
    if len(tokens) < 3:
        raise GapFormatError(f"{path}: too short for a GAP problem")
    m, n = tokens[0], tokens[1]
    if len(tokens) == 2 + 2 * m * n + m:
        return [_take(tokens, 0)[0]]
    problems, pos = [], 1
    for _ in range(tokens[0]):
        p, pos = _take(tokens, pos)
        problems.append(p)
    if pos != len(tokens):
        raise GapFormatError(f"{path}: {len(tokens) - pos} numbers left after {tokens[0]} problems")
    return problems


def gap_tables(problem: GapProblem, sense: str, name: str) -> tuple[dict[str, pd.DataFrame], dict]:
    """Instance tables and settings for one GAP problem (MODEL.md's mapping)."""
    m, n = problem.shape
    agents = [f"agent{i + 1:0{len(str(m))}d}" for i in range(m)]
    jobs = [f"job{j + 1:0{len(str(n))}d}" for j in range(n)]
    profit_base = int(problem.cost.max()) if sense == "max" else 0
    cost = profit_base - problem.cost if sense == "max" else problem.cost
    ii, jj = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    tables = {
        "nations": pd.DataFrame({"nation": ["gap"], "name": ["GAP"]}),
        "frameworks": pd.DataFrame({"framework": ["gap"], "approval_group": ["none"]}),
        "roles": pd.DataFrame({"role": agents, "requirement": 0, "capacity": problem.capacity}),
        "assets": pd.DataFrame({"asset": jobs, "nation": "gap", "capability": "job", "strength": 1,
                                "cost": 0, "must_deploy": "true"}),
        "suitability": pd.DataFrame({
            "asset": np.array(jobs)[jj.ravel()],
            "role": np.array(agents)[ii.ravel()],
            "cost": cost.ravel(),
            "footprint": problem.resource.ravel(),
        }).sort_values(["asset", "role"]),
    }
    settings = {
        "name": name,
        "description": f"Generalized assignment problem ({m} agents, {n} jobs, {sense}imisation) as a force allocation instance.",
        "objective": {"cost": 1.0},
        "gap": {"sense": sense, "profit_base": profit_base, "jobs": n, "agents": m},
    }
    return tables, settings
