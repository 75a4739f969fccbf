"""What a minister is told about withdrawals, and the re-plan's changes (MODEL.md v3).

Everything here is computed from the plan as deployed (the per-asset allocation), never
read back from the model, so it can be checked by enumeration:

* ``worst_case``: per protected role, the withdrawal of up to k nations of H that takes
  most from it (the k largest contributors of H) and what is left;
* ``critical_nations``: a smallest set of H whose withdrawal (without recourse) leaves a
  hard protected role short of its requirement, a protected role short of min_nations, or
  the coalition below min_coalition_nations. Each criterion alone is broken first by the
  largest contributors, so the smallest set over all criteria is found exactly by sorting;
* ``coverage_probability``: with every nation staying independently with its
  stay_probability, the chance that each protected role's requirement is still met by the
  deployed plan (exact dynamic programme over nations, sums capped at the requirement).

:func:`finish_solution` makes a robust or re-plan Solution's figures whole (reserves and
their cost, the worst-case shortfall the model priced, the change term).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from solver.io.robust_spec import (
    RobustInputError,
    RobustSpec,
    count_withdrawal_sets,
    default_roles,
)
from solver.results.solution import Solution

if TYPE_CHECKING:
    from solver.domain.instance import Instance

TOL = 1e-6
MAX_RECOURSE_SETS = 20_000  # withdrawal sets checked by constraint generation; beyond this the solve is refused


def check_recourse_size(spec: RobustSpec) -> None:
    """Refuse recourse over more withdrawal sets than the model can hold (exit 2, with why)."""
    n = count_withdrawal_sets(len(spec.hesitant), spec.k)
    if spec.recourse and spec.k > 0 and n > MAX_RECOURSE_SETS:
        raise RobustInputError([f"--recourse: {n:,} withdrawal sets of up to {spec.k} of {len(spec.hesitant)} "
                                f"nations; at most {MAX_RECOURSE_SETS:,} are checked. Lower --survive or name "
                                "fewer nations in --from"])


# ---------------------------------------------------------------------------- the plan's figures
def deployed(alloc: pd.DataFrame) -> pd.DataFrame:
    if "status" in alloc.columns:
        return alloc[alloc["status"] != "reserve"]
    return alloc


def _active(inst: Instance, framework: str | None, r: str) -> bool:
    return framework is None or framework in inst.roles.at[r, "frameworks"]


def report_set(inst: Instance, spec: RobustSpec | None) -> tuple[list[str], str]:
    """H for the report: the spec's H, or, when it is empty, every nation with an asset
    (docs/model.md: with no hesitant nation, every nation may leave)."""
    if spec is not None and spec.hesitant:
        return list(spec.hesitant), spec.source
    return sorted(set(inst.assets["nation"])), "all"


def contributions(alloc: pd.DataFrame) -> dict[str, dict[str, float]]:
    """role -> nation -> contribution of the deployed plan."""
    d = deployed(alloc)
    out: dict[str, dict[str, float]] = {}
    for (r, n), v in d.groupby(["role", "nation"])["contribution"].sum().items():
        out.setdefault(r, {})[n] = float(v)
    return out


def _largest(given: dict[str, float], h: list[str], k: int) -> list[str]:
    """The k nations of H giving most (ties by name); nations giving nothing never count."""
    cand = sorted((n for n in h if given.get(n, 0.0) > 0), key=lambda n: (-given[n], n))
    return cand[:k]


def worst_case(inst: Instance, framework: str | None, alloc: pd.DataFrame, roles: list[str], h: list[str],
               k: int) -> list[dict]:
    """Per protected role with a requirement: the worst withdrawal of up to k of H and the cover left."""
    contrib = contributions(alloc)
    out = []
    for r in roles:
        need = float(inst.roles.at[r, "requirement"]) if _active(inst, framework, r) else 0.0
        if need <= 0:
            continue
        given = contrib.get(r, {})
        w = _largest(given, h, k)
        covered = sum(given.values())
        out.append({"role": r, "withdrawn": w, "covered": covered,
                    "covered_after": covered - sum(given[n] for n in w), "requirement": need})
    return out


def critical_nations(inst: Instance, framework: str | None, alloc: pd.DataFrame, roles: list[str],
                     h: list[str]) -> tuple[list[str] | None, dict | None]:
    """A smallest set of H whose withdrawal breaks the plan (module docstring), and what breaks."""
    contrib = contributions(alloc)
    best: tuple[int, list[str], dict] | None = None

    def offer(ws: list[str], effect: dict) -> None:
        nonlocal best
        if best is None or len(ws) < best[0]:
            best = (len(ws), ws, effect)

    for r in roles:
        if not _active(inst, framework, r):
            continue
        given = contrib.get(r, {})
        covered = sum(given.values())
        need = float(inst.roles.at[r, "requirement"])
        hard = inst.roles["shortfall_penalty"].isna()[r]
        if hard and need > 0:
            left = covered
            for i, n in enumerate(_largest(given, h, len(h))):
                left -= given[n]
                if left < need - TOL:
                    offer(_largest(given, h, i + 1), {"kind": "requirement", "role": r, "after": left,
                                                      "needed": need})
                    break
        least = int(inst.roles.at[r, "min_nations"])
        if least > 0:
            present = sorted(set(deployed(alloc).loc[deployed(alloc)["role"] == r, "nation"]))
            mine = [n for n in present if n in h]
            need_out = len(present) - least + 1
            if 0 < need_out <= len(mine):
                ws = sorted(mine, key=lambda n: (-given.get(n, 0.0), n))[:need_out]
                offer(ws, {"kind": "min_nations", "role": r, "after": len(present) - need_out, "needed": least})
    breadth = inst.settings.min_coalition_nations
    if breadth > 0:
        nats = inst.nations
        members = sorted(n for n in set(deployed(alloc)["nation"]) if nats.at[n, "coalition"])
        mine = [n for n in members if n in h]
        need_out = len(members) - breadth + 1
        if 0 < need_out <= len(mine):
            total = {n: sum(c.get(n, 0.0) for c in contrib.values()) for n in mine}
            ws = sorted(mine, key=lambda n: (-total[n], n))[:need_out]
            offer(ws, {"kind": "breadth", "role": None, "after": len(members) - need_out, "needed": breadth})
    if best is None:
        return None, None
    return sorted(best[1]), best[2]


def coverage_probability(inst: Instance, framework: str | None, alloc: pd.DataFrame, roles: list[str]) -> dict:
    """P(requirement met by the staying nations' deployed assets) per protected role, exact."""
    contrib = contributions(alloc)
    stay = inst.nations["stay_probability"].astype(float)
    out = {}
    for r in roles:
        need = float(inst.roles.at[r, "requirement"]) if _active(inst, framework, r) else 0.0
        if need <= 0:
            continue
        out[r] = _chance(contrib.get(r, {}), stay, need)
    return out


def _chance(given: dict[str, float], stay: pd.Series, need: float) -> float:
    """Distribution of the staying nations' sum, capped at ``need`` (all states at or above merge)."""
    states = {0.0: 1.0}
    for n, v in sorted(given.items()):
        p = float(stay[n])
        nxt: dict[float, float] = {}
        for s, q in states.items():
            for value, prob in ((min(need, round(s + v, 9)), p), (s, 1.0 - p)):
                if prob > 0:
                    nxt[value] = nxt.get(value, 0.0) + q * prob
        states = nxt
    return float(sum(q for s, q in states.items() if s >= need - TOL))


def robust_summary(inst: Instance, sol: Solution, spec: RobustSpec | None) -> dict:
    """The ``robust`` object of solution.json (price fields filled by the caller)."""
    spec = spec or RobustSpec(roles=default_roles(inst),
                              hesitant=tuple(inst.nations.index[inst.nations["hesitant"].astype(bool)]))
    h, source = report_set(inst, spec)
    roles = list(spec.roles)
    k_shown = spec.k if spec.k > 0 else min(1, len(h))
    crit, effect = critical_nations(inst, sol.framework, sol.allocation, roles, h)
    return {
        "k": spec.k,
        "from": list(spec.hesitant),
        "critical_from": h if source == "all" and not spec.hesitant else list(spec.hesitant),
        "roles": roles,
        "recourse": spec.recourse,
        "reserve_cost": spec.reserve_cost if spec.recourse else None,
        "worst_case_k": k_shown,
        "worst_case": worst_case(inst, sol.framework, sol.allocation, roles, h, k_shown),
        "critical_nations": crit,
        "critical_effect": effect,
        "coverage_probability": coverage_probability(inst, sol.framework, sol.allocation, roles),
        "worst_case_shortfall": dict(sol.solver.get("worst_case_shortfall", {})),  # soft roles, as priced
        "reserves": int((sol.allocation.get("status", pd.Series(dtype=str)) == "reserve").sum()),
        "objective_k0": None,
        "price": None,
        "price_money": None,
    }
