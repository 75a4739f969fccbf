"""Move a built model to a what-if that changes parameters only, without a rebuild.

What a what-if may change without a rebuild is declared once, as the
``parametric`` flag of the schema's columns (requirements, capacities, minimum
nations, enabler and burden shares, budgets, penalties, setup costs, approvals
and their probabilities); the scenario applier reads the same flags. Here those
values become right-hand sides, bounds, mutable coefficients and objective
costs of the persistent model; the result is exactly the model a fresh build
of the what-if gives (tested on the LP arrays HiGHS holds).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from models.constraints.nations import link_expr
from models.eligibility import approval_risk, strength_required, upper_bounds, vetoes
from solver.domain.instance import Instance
from solver.engine.core import Engine
from solver.io.schema import PARAMETRIC, TABLES


def _equal(a: pd.DataFrame, b: pd.DataFrame, table: str) -> bool:
    """Equal but for the columns a what-if may change on a built model."""
    if a is b:  # what-ifs share the tables they do not change
        return True
    cols = [c for c in a.columns if (table, c) not in PARAMETRIC]
    return a.index.equals(b.index) and a[cols].equals(b[cols])


def _refusals(consent: pd.DataFrame) -> set[tuple[str, str]]:
    """Consent's structure: who refuses to contribute where (a missing row contributes)."""
    return set(map(tuple, consent.loc[~consent["contributes"], ["nation", "framework"]].to_numpy()))


def reusable(session: Engine, b: Instance) -> bool:
    """Whether ``b`` can be solved on the session's model by changing parameters only:
    the same tables but for parametric columns, and every row that b's parameters need
    (a requirement, a shortfall, a minimum of nations, a capped share) already there."""
    a, m, index = session.instance, session.model, session.index
    if a.settings.mission.timed or b.settings.mission != a.settings.mission:  # time: always rebuilt
        return False
    if any(not _equal(getattr(a, name), getattr(b, name), name) for name in TABLES if name != "consent"):
        return False
    if a.consent is not b.consent and _refusals(a.consent) != _refusals(b.consent):
        return False
    ra, rb, na, nb = a.roles, b.roles, a.nations, b.nations
    if not (ra["capacity"].isna().equals(rb["capacity"].isna()) and na["budget"].isna().equals(nb["budget"].isna())
            and ra["shortfall_penalty"].isna().equals(rb["shortfall_penalty"].isna())):
        return False
    for r in rb.index[rb["requirement"] > 0]:
        if r not in m.requirement or (pd.notna(rb.at[r, "shortfall_penalty"]) and r not in m.shortfall):
            return False
    if any(r not in m.multinationality for r in rb.index[rb["min_nations"] > 0]):
        return False
    # a share of 1 sets no cap (no row): which nations and roles are capped is structure
    if {n for n in nb.index[nb["max_share"] < 1] if n in index.by_nation} != set(m.burden_share):
        return False
    if set(rb.index[rb["max_enabler_share"] < 1]) != set(ra.index[ra["max_enabler_share"] < 1]):
        return False
    if b.settings.min_coalition_nations > 0 and not hasattr(m, "coalition_breadth"):
        return False
    links = b.links[b.links["kind"] == "requires_role"]
    for n, t in links[["nation", "target"]].itertuples(index=False):
        if n in index.by_nation and rb.at[t, "requirement"] > 0 and (n, t) not in m.requires_role:
            return False
    return a.settings.gap == b.settings.gap


def retarget(session: Engine, inst: Instance) -> bool:
    """Take over ``inst`` on the session's model (True), or change nothing (False) when
    the structure differs and the model must be rebuilt."""
    if not reusable(session, inst):
        return False
    m, old, index, highs = session.model, session.data, session.index, session.highs
    data = replace(old, instance=inst, vetoes=vetoes(inst), risk=approval_risk(inst), options=old.options.copy())
    data.options["ub"] = upper_bounds(inst, data.options, old.units)
    roles, nats = inst.roles, inst.nations
    for r in roles.index:
        m.required[r] = float(roles.at[r, "requirement"])
        m.min_nations_required[r] = int(roles.at[r, "min_nations"])
        m.enabler_limit[r] = float(roles.at[r, "max_enabler_share"] * roles.at[r, "requirement"])
        if r in m.capacity:
            m.capacity_limit[r] = float(roles.at[r, "capacity"])
    for n in nats.index:
        m.share_limit[n] = float(nats.at[n, "max_share"])
        if n in m.budget:
            m.budget_limit[n] = float(nats.at[n, "budget"])
    m.breadth_required = inst.settings.min_coalition_nations
    for f, v in strength_required(inst).items():
        m.strength_required[f] = v
    changed = []
    for f in data.frameworks:
        ub = 0 if data.vetoes[f] else 1
        if m.framework[f].ub != ub:
            m.framework[f].setub(ub)
            changed.append(m.framework[f])
    new_ub, old_ub = data.options["ub"].to_numpy(), old.options["ub"].to_numpy()
    moved = np.flatnonzero(new_ub != old_ub)
    for i in moved:
        v = m.assign[index.keys[i]]
        v.setub(int(new_ub[i]))
        changed.append(v)
    highs.update_variables(changed)
    for i in moved:  # U is also the linking coefficient: change it in place, row order kept
        con = m.assign_needs_participation[index.keys[i]]
        con.set_value(link_expr(m, data, index, i) <= 0)
        w = m.participates[data.options["nation"].iat[i], index.keys[i][1]]
        highs.change_coefficient(con, w, -float(new_ub[i]))
    highs.update_parameters()
    session.instance, session.data = inst, data
    session.restore_objective()
    return True
