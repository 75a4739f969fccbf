"""Money: what the coalition pays, in the instance's units, apart from every penalty.

The objective mixes money with shortfall penalties, political-risk penalties and
weights; a minister asks what the force costs. ``money`` is the unweighted sum of
asset costs (deployed), reserve costs (assets held in reserve, once the robust
feature marks them with ``status == "reserve"`` in the allocation) and the chosen
framework's setup cost. Per nation, the setup cost is apportioned in proportion to
each nation's asset (and reserve) cost, so the nations' money adds up to the total
(docs/model.md, "Money and Plan B"); when no nation has any asset cost it is split
equally among the contributing nations.
"""

from __future__ import annotations

import pandas as pd

SETUP_RULE = "setup cost shared in proportion to each nation's asset cost"


def _reserve_mask(alloc: pd.DataFrame) -> pd.Series:
    if "status" in alloc.columns:
        return alloc["status"].astype(str) == "reserve"
    return pd.Series(False, index=alloc.index)


def money_of(*, allocation: pd.DataFrame, setup: float, unit: str | None = None) -> dict:
    """The money of an allocation: asset, reserve and setup costs and their total
    (unweighted, in the instance's units)."""
    reserve = _reserve_mask(allocation)
    cost = allocation["cost"].astype(float) if len(allocation) else pd.Series(dtype=float)
    asset = float(cost[~reserve].sum()) if len(allocation) else 0.0
    held = float(cost[reserve].sum()) if len(allocation) else 0.0
    out = {"asset": round(asset, 9) + 0.0, "reserve": round(held, 9) + 0.0, "setup": round(float(setup), 9) + 0.0,
           "total": round(asset + held + float(setup), 9) + 0.0, "setup_apportioned": SETUP_RULE}
    if unit:
        out["unit"] = unit
    return out


def apportion_setup(*, nations: pd.DataFrame, setup: float) -> pd.DataFrame:
    """The nations table with ``setup_share`` (its part of the framework's setup cost) and
    ``money`` (asset cost + setup share): the column adds up to the plan's money."""
    nat = nations.copy()
    if not len(nat):
        return nat.assign(setup_share=pd.Series(dtype=float), money=pd.Series(dtype=float))
    cost = nat["cost"].astype(float)
    total = float(cost.sum())
    share = cost / total * setup if total > 0 else pd.Series(setup / len(nat), index=nat.index)
    nat["setup_share"] = share.astype(float)
    nat["money"] = cost + nat["setup_share"]
    return nat
