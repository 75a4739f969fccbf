"""Minimal conflicts and cheapest repairs over named commitments, on one persistent model.

The relaxable session (``models.relaxable``: the open instance with every
commitment gated by an indicator rho) answers "is it feasible with these
commitments kept and every other lifted?" by bound changes only. A deletion
filter, first over groups (a kind of commitment) then over single ones,
returns minimal conflicts: infeasible with only their members kept, feasible
when any one member is lifted. Testing the least negotiable commitments first
(``ExplainOptions.order``, most negotiable first) leaves conflicts made of the
most negotiable ones. More conflicts are found by lifting one member of a
conflict for good and filtering again. The cheapest repair is exact: a MIP over
the indicators minimising their weights (``ExplainOptions.weights``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from models.eligibility import model_data
from models.expr import linear
from models.relaxable import add_relaxation, split_key
from solver.domain.commitments import (
    COMMITMENT_KINDS,
    LIFT_WEIGHTS,
    Commitment,
    commitments,
    open_instance,
)
from solver.domain.instance import Instance
from solver.engine.core import Forcing
from solver.engine.session import Session, SolveOptions


@dataclass(frozen=True)
class ExplainOptions:
    """How conflicts are preferred and repairs weighed."""

    order: tuple[str, ...] = COMMITMENT_KINDS  # most negotiable first
    weights: dict[str, float] = field(default_factory=lambda: dict(LIFT_WEIGHTS))
    max_conflicts: int = 3
    nations: bool = True  # every nation's status and forced-in cost
    frameworks: bool = True


def forcing_words(forcing: Forcing, inst: Instance) -> str:
    """What a forcing asks, in a planner's words."""
    if forcing.framework:
        return f"the {inst.frameworks.at[forcing.framework, 'name']}"
    n = forcing.nation
    who = inst.nations.at[n, "name"] if n in inst.nations.index else n
    return f"{who} in {forcing.role}" if forcing.role else str(who)


class Relaxer:
    """The relaxable model on a persistent session: keep or lift commitments by bounds."""

    def __init__(self, base: Instance, options: SolveOptions):
        self.base = base
        self.found = commitments(base)
        opts = replace(options, verbose=False, warm_start=False, lexicographic=())
        data = model_data(open_instance(base), opts.aggregate, split=split_key(base.assets))
        self.session = Session(open_instance(base), opts, data=data,
                               transform=lambda m, index: add_relaxation(m, data, index, base, self.found))
        self.relax = self.session.transformed
        self.found = self.relax.commitments  # those that gate a row: the others can change nothing
        self.objective = self.session.model.objective.expr  # the base terms and the shortfall penalties
        self.checks = 0

    def _set(self, kept: set[str]) -> None:
        rho = self.relax.rho
        self.session.set_bounds_many([(v, 0, 0) if i in kept else (v, 1, 1) for i, v in rho.items()])

    def feasible(self, kept: set[str], forcing: Forcing) -> bool:
        """Whether the forcing can hold with these commitments kept and every other lifted."""
        self.checks += 1
        self._set(kept)
        run = self.session.search(forcing=forcing, objective={})  # feasibility only
        return run.status.has_solution

    def relevant(self, forcing: Forcing) -> list[Commitment]:
        """Commitments that can matter: a framework's vetoes and refusals only under it."""
        f = forcing.framework
        return [c for c in self.found if f is None or c.key.get("framework", f) == f]

    def conflicts(self, forcing: Forcing, order: tuple[str, ...], most: int) -> tuple[list[list[Commitment]], str]:
        """Minimal conflicts (at most ``most``), or none with the reason: "" when the forcing
        is feasible as it stands, or the hard limit that blocks it with every commitment lifted."""
        cands = self.relevant(forcing)
        everything = {c.id for c in cands}
        if self.feasible(everything, forcing):
            return [], ""
        if not self.feasible(set(), forcing):
            return [], "hard"
        rank = {k: i for i, k in enumerate(order)}
        # least negotiable first: what can be lifted without curing it leaves the conflict
        cands.sort(key=lambda c: (-rank.get(c.kind, len(order)), c.id))
        found: list[list[Commitment]] = []
        first = self._filter(cands, set(), forcing)
        found.append(first)
        for c in sorted(first, key=lambda c: (rank.get(c.kind, len(order)), c.id)):
            if len(found) >= most:
                break
            rest = [x for x in cands if x.id != c.id]
            if self.feasible({x.id for x in rest}, forcing):
                continue
            other = self._filter(rest, set(), forcing)
            if {x.id for x in other} not in [{x.id for x in f} for f in found]:
                found.append(other)
        return found, ""

    def _filter(self, cands: list[Commitment], lifted: set[str], forcing: Forcing) -> list[Commitment]:
        """Deletion filter, first over groups (a kind), then over single commitments until
        every member's lifting alone cures the conflict."""
        kept = {c.id for c in cands} - lifted
        kinds = list(dict.fromkeys(c.kind for c in cands))
        for kind in kinds:
            group = {c.id for c in cands if c.kind == kind and c.id in kept}
            if group and not self.feasible(kept - group, forcing):
                kept -= group
        # Lifting is not monotone here (a lifted requirement shrinks the strength that
        # burden and enabler shares count against), so check minimality to a fixpoint:
        # every member's lifting alone must cure the conflict.
        changed = True
        while changed:
            changed = False
            for c in cands:
                if c.id in kept and not self.feasible(kept - {c.id}, forcing):
                    kept.discard(c.id)
                    changed = True
        return [c for c in cands if c.id in kept]

    def repair(self, forcing: Forcing, weights: dict[str, float]) -> dict | None:
        """The set of commitments to lift with the least total weight (exactly: a MIP over
        the indicators), and the best objective once they are lifted."""
        s, rho = self.session, self.relax.rho
        relevant = {c.id for c in self.relevant(forcing)}
        s.set_bounds_many([(v, 0, 1) if i in relevant else (v, 1, 1) for i, v in rho.items()])
        by = {c.id: c for c in self.found}
        coefs = [weights.get(by[i].kind, 1.0) if i in relevant else 0.0 for i in rho]
        run = s.search(forcing=forcing, objective=linear(coefs, list(rho.values())), overrides={"mip_gap": 0.0})
        if not run.status.has_solution:
            return None
        values = s.values(run, rho.values())
        lift = [by[i] for i, v in zip(rho, values, strict=True) if v > 0.5 and i in relevant]
        self._set({c.id for c in self.found} - {c.id for c in lift})
        after = s.search(forcing=forcing)
        return {"lift": lift, "weight": sum(weights.get(c.kind, 1.0) for c in lift),
                "objective": after.objective if after.status.has_solution else None}
