"""Why this framework, why these nations, and what would change it.

The base session (the instance's own persistent model) gives the optimum, each
framework's best objective, each nation's cost of being forced in and each
"why not" (a framework, a nation, a nation in a role), by bound changes and
re-solves that start from the base allocation. Where a forcing is impossible,
``solver.analysis.conflicts`` names minimal conflicts of commitments and, for a framework,
the cheapest repair. Every difference is proven to the options' MIP gap.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pandas as pd

from models.eligibility import usable_under
from solver.analysis.conflicts import ExplainOptions, Relaxer
from solver.analysis.reasons import (
    LiftChecker,
    Priced,
    already,
    answer_lines,
    nation_reasons,
    reason_line,
    repairs,
)
from solver.analysis.whatif.batch import BatchResult, run_batch
from solver.analysis.whatif.scenarios import Scenario, base_digest
from solver.domain.errors import OptionError
from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.domain.suggest import did_you_mean
from solver.engine.core import NOTHING_TO_FORCE, Forcing
from solver.engine.greedy import greedy_start
from solver.engine.session import Run, Session, SolveOptions
from solver.io.readers import ROW, RawInstance
from solver.io.writers import cells, instance_tables
from solver.results.compare import brief, changes, describe
from solver.results.solution import Solution


@dataclass
class Explanation:
    """Everything ``forcealloc explain`` says; ``to_dict`` is explanation.json."""

    instance: str
    optimum: Solution
    frameworks: list[dict] = field(default_factory=list)
    nations: list[dict] = field(default_factory=list)
    why_not: list[dict] = field(default_factory=list)
    regret: object = None  # pandas DataFrame nation x role of proven differences, with --matrix
    why: list[str] = field(default_factory=list)  # why the chosen framework, in planner words
    mip_gap: float = 0.0
    options: ExplainOptions = field(default_factory=ExplainOptions)
    timings: dict = field(default_factory=dict)


class Explainer:
    """The base session with its optimum, and the relaxable one built when first needed."""

    def __init__(self, inst: Instance, options: SolveOptions | None = None, eo: ExplainOptions | None = None,
                 progress=None, solved: tuple[Session, Run] | None = None):
        """``solved``: a session already solved (and its run), as the brief passes on, so
        the explanation starts from the very answer the planner was given."""
        self.inst, self.eo = inst, eo or ExplainOptions()
        self.options = options or SolveOptions()
        if solved is not None:
            self.base, self.run = solved
        else:
            self.base = Session(inst, self.options, progress=progress)
            self.run = self.base.optimise()  # the answer solve gives, in the instance's objective mode
        self.optimum = self.base.solution(self.run)
        self._relaxer: Relaxer | None = None
        self._checker: LiftChecker | None = None

    @property
    def relaxer(self) -> Relaxer:
        if self._relaxer is None:
            self._relaxer = Relaxer(self.inst, self.options)
        return self._relaxer

    @property
    def checker(self) -> LiftChecker:
        """Re-solves with single commitments lifted (solver.analysis.reasons), built when first needed."""
        if self._checker is None:
            opt = self.optimum
            self._checker = LiftChecker(self.relaxer, opt.objective, opt.terms["cost"], self.options.mip_gap)
        return self._checker

    def why_not(self, item: str, forcing: Forcing) -> dict:
        """One "why not": already so, possible at a price, or impossible with its repairs
        (one of, or all of), each priced by a re-solve with it lifted."""
        f = forcing.framework
        if f is not None and self.base.data.vetoes[f]:  # no plan to look for: y[f] is fixed at 0
            found, _ = self.relaxer.conflicts(forcing, self.eo.order, self.eo.max_conflicts)
            a = {"status": "vetoed", "objective": None, "delta": None, "changes": {}, "hard_limit": None,
                 "conflicts": [[c.to_dict() for c in x] for x in found], "vetoed_by": self.base.data.vetoes[f]}
        else:
            a = self.answer(forcing)
        row = {"question": item, "nation": forcing.nation, "role": forcing.role, "framework": forcing.framework,
               **a, "already": already(self.inst, self.optimum, forcing), "repair_mode": None, "repairs": []}
        if a["delta"] is None and not a.get("hard_limit") and self.optimum.status.has_solution:
            row["repair_mode"], row["repairs"] = repairs(self.checker, forcing, a["conflicts"], self.eo.weights)
        row["answer"] = answer_lines(row, self.inst)
        return row

    # ------------------------------------------------------------------ forced answers
    def _start(self, forcing: Forcing):
        """The base allocation, with one unit of the forced nation added in the forced role
        (its cheapest option with room), as a start; under a forced framework, that
        framework's greedy allocation. HiGHS drops a start that breaks a row."""
        data = self.base.data
        if forcing.framework is not None:
            return greedy_start(data, [forcing.framework])
        if self.run.counts is None:
            return None
        opt = data.options
        ok = usable_under(data, self.run.framework) & (opt["nation"].to_numpy() == forcing.nation)
        ok &= self.run.counts < opt["ub"].to_numpy()
        if forcing.role is not None:
            ok &= opt["role"].to_numpy() == forcing.role
        if not ok.any():
            return None
        counts = self.run.counts.copy()
        cheapest = opt.index[ok][opt.loc[ok, "cost"].to_numpy().argmin()]
        counts[cheapest] += 1
        return counts, self.run.framework

    def answer(self, forcing: Forcing) -> dict:
        """The forcing on the base model: status, objective, the proven difference and what
        changes; when impossible, minimal conflicts (and, for a framework, the cheapest repair)."""
        opt = self.optimum
        # Forcing only restricts the base problem, so the base's proven bound still holds:
        # given as a floor, a start within the gap of it ends the search at once.
        bound = self.run.bound if self.run.bound is not None and math.isfinite(self.run.bound) else None
        # one search with the floor and the start (splitting it by framework measured slower here)
        run = self.base.optimise(forcing=forcing, floor=bound, start=self._start(forcing),
                                 overrides={"by_framework": False})
        sol = self.base.solution(run) if run.message != NOTHING_TO_FORCE else None
        out = {"status": str(sol.status) if sol is not None else "infeasible",
               "objective": None, "delta": None, "delta_money": None, "changes": {}, "conflicts": [],
               "hard_limit": None}
        if sol is not None and sol.status.has_solution:
            out["objective"] = sol.objective
            out["terms"] = dict(sol.terms)  # under lexicographic priorities the order is read term by term
            if opt.status.has_solution:
                out["delta"] = round(sol.objective - opt.objective, 9) + 0.0
                out["delta_money"] = delta_money(sol, opt)
                out["changes"] = changes(opt, sol)
                out["summary"] = describe(out["changes"])
                out["brief"] = brief(out["changes"])
            return out
        if sol is None or sol.status == Status.INFEASIBLE:
            found, why = self.relaxer.conflicts(forcing, self.eo.order, self.eo.max_conflicts)
            out["conflicts"] = [[c.to_dict() for c in conflict] for conflict in found]
            if why == "hard":
                out["hard_limit"] = hard_limit(self.inst, self.base, forcing)
        return out

    # ------------------------------------------------------------------ the questions
    def frameworks(self) -> list[dict]:
        rows = []
        for f in self.base.data.frameworks:
            forcing = Forcing(framework=f)
            row = {"framework": f, "name": str(self.inst.frameworks.at[f, "name"]),
                   "approval_probability": 0.0 if self.base.data.vetoes[f] else approval_probability(self.base.data.risk[f])}
            if self.base.data.vetoes[f]:  # a veto is certain: approval 0, whatever the others' chances
                found, _ = self.relaxer.conflicts(forcing, self.eo.order, self.eo.max_conflicts)
                row.update(status="vetoed", objective=None, delta=None, delta_money=None,
                           vetoed_by=self.base.data.vetoes[f],
                           conflicts=[[c.to_dict() for c in x] for x in found])
            elif f == self.optimum.framework:
                row.update(status="optimal", objective=self.optimum.objective, delta=0.0, delta_money=0.0,
                           conflicts=[])
            else:
                a = self.answer(forcing)
                row["terms"] = a.get("terms")
                row.update(status="optimal" if a["objective"] is not None else a["status"], objective=a["objective"],
                           delta=a["delta"], delta_money=a["delta_money"], conflicts=a["conflicts"], summary=a.get("summary", ""),
                           brief=a.get("brief", ""))
                if a["hard_limit"]:
                    row["hard_limit"] = a["hard_limit"]
            row["repair"] = None
            if row["status"] in ("vetoed", "infeasible"):
                rep = self.relaxer.repair(forcing, self.eo.weights)
                if rep is not None:
                    row["repair"] = {"lift": [c.to_dict() for c in rep["lift"]], "weight": rep["weight"],
                                     "objective": rep["objective"]}
            rows.append(row)
        return rows

    def nations(self) -> list[dict]:
        opt, inst = self.optimum, self.inst
        roles_of = opt.allocation.groupby("nation")["role"].agg(lambda r: sorted(set(r))).to_dict()
        rows = []
        for n in inst.nations.index:
            row = {"nation": n, "name": str(inst.nations.at[n, "name"])}
            if n in roles_of:
                row.update(status="in", roles=roles_of[n], reasons=[], forced_in=None)
            else:
                reasons = out_reasons(inst, self.base, opt, n)
                has_assets = (inst.assets["nation"] == n).any()
                forced = self.answer(Forcing(nation=n)) if has_assets else \
                    {"status": "infeasible", "objective": None, "delta": None, "conflicts": [],
                     "hard_limit": f"{inst.nations.at[n, 'name']} offers no assets"}
                binding = []
                if has_assets and opt.status.has_solution:
                    as_is = Priced(forced["objective"], opt.terms["cost"] + forced["delta_money"]) \
                        if forced["delta"] is not None else Priced(None, None)
                    binding = nation_reasons(inst, self.checker, n, opt.framework, as_is)
                if binding:  # checked by lifting: these replace the reasons read from the data
                    reasons = [reason_line(r) for r in binding]
                elif forced["delta"] is not None and not reasons:
                    reasons.append("more expensive than the nations chosen")
                row.update(status="out", roles=[], reasons=reasons, binding=binding,
                           forced_in={k: forced.get(k) for k in ("status", "objective", "delta", "delta_money",
                                                                 "conflicts", "hard_limit", "summary")})
            rows.append(row)
        return rows


def delta_money(sol: Solution, opt: Solution) -> float | None:
    """Money of a plan minus the optimum's (instance units), None when either has none."""
    if sol.money is None or opt.money is None:
        return None
    return round(sol.money["total"] - opt.money["total"], 9) + 0.0


def approval_probability(risk: float) -> float:
    return math.exp(-risk)


def out_reasons(inst: Instance, base: Session, opt: Solution, n: str) -> list[str]:
    """Why a nation is not in the optimum, in planner words, from the data (the forced-in
    cost is added by the caller)."""
    name = str(inst.nations.at[n, "name"])
    f = opt.framework
    if not (inst.assets["nation"] == n).any():
        return [f"{name} offers no assets"]
    if f is None:
        return ["no framework can carry the force"]
    reasons = []
    fname = inst.frameworks.at[f, "name"]
    c = inst.consent
    if ((c["nation"] == n) & (c["framework"] == f) & ~c["contributes"]).any():
        reasons.append(f"{name} will not serve under the {fname}")
    data = base.data
    usable = usable_under(data, f) & (data.options["nation"].to_numpy() == n)
    if not usable.any() and not reasons:
        reasons.append(f"none of {name}'s assets may serve in a role active under the {fname}")
    caveats = sorted(inst.caveats.loc[inst.caveats["nation"] == n, "role"])
    if caveats:
        reasons.append(f"{name}'s caveats rule out {', '.join(caveats)}")
    present = set(opt.nations["nation"])
    covered = opt.roles.set_index("role")
    for kind, t in inst.links.loc[inst.links["nation"] == n, ["kind", "target"]].itertuples(index=False):
        if kind == "requires_nation" and t not in present:
            reasons.append(f"{name} joins only with {inst.nations.at[t, 'name']} taking part, which it does not")
        if kind == "requires_role" and covered.at[t, "covered"] < inst.roles.at[t, "requirement"] - 1e-9:
            reasons.append(f"{name} joins only with {inst.roles.at[t, 'name']} fully covered, which it is not")
    return reasons


def hard_limit(inst: Instance, base: Session, forcing: Forcing) -> str:
    """What blocks a forcing that no commitment could unblock, in planner words."""
    if forcing.framework is not None:
        return f"no allocation is possible under the {inst.frameworks.at[forcing.framework, 'name']} even with " \
               "every commitment lifted"
    name = inst.nations.at[forcing.nation, "name"] if forcing.nation in inst.nations.index else forcing.nation
    if not (inst.assets["nation"] == forcing.nation).any():
        return f"{name} offers no assets"
    if forcing.role is not None:
        role = inst.roles.loc[forcing.role]
        why = []
        if role["in_theatre"] and not inst.nations.at[forcing.nation, "in_theatre"]:
            why.append("its forces do not deploy in theatre")
        if inst.nations.at[forcing.nation, "enabler_only"] and not role["enabler"]:
            why.append("it provides enablers only")
        if role["lead_only"] and not inst.nations.at[forcing.nation, "lead_capable"]:
            why.append("only a framework nation can lead it")
        return f"none of {name}'s assets can fill {role['name']}" + (f" ({'; '.join(why)})" if why else
                                                                      " (no asset has the capability)")
    return f"none of {name}'s assets can serve under any framework (in-theatre or enabler-only rules)"


def parse_why_not(inst: Instance, item: str) -> Forcing:
    """FRAMEWORK, NATION or NATION:ROLE (raises OptionError naming what is not known)."""
    head, _, role = item.partition(":")
    if not role and head in inst.frameworks.index:
        return Forcing(framework=head)
    if head not in inst.nations.index:
        known = {**inst.nations["name"].astype(str).to_dict(), **inst.frameworks["name"].astype(str).to_dict()}
        raise OptionError("--why-not", f"a framework, a nation or NATION:ROLE of the instance (not {item!r})"
                                       + did_you_mean(head, known))
    if role and role not in inst.roles.index:
        raise OptionError("--why-not", f"a role of the instance after the nation (not {role!r})"
                                       + did_you_mean(role, inst.roles["name"].astype(str).to_dict()))
    return Forcing(nation=head, role=role or None)


def explain(inst: Instance, options: SolveOptions | None = None, eo: ExplainOptions | None = None,
            why_not: list[str] | tuple[str, ...] = (), progress=None, matrix: dict | None = None,
            solved: tuple[Session, Run] | None = None) -> Explanation:
    """Per framework, per nation and per "why not" question (the module docstring); with
    ``matrix`` (regret_matrix's keyword arguments) every (nation, role) pair too."""
    eo = eo or ExplainOptions()
    forcings = [(item, parse_why_not(inst, item)) for item in why_not]
    t0 = time.perf_counter()
    ex = Explainer(inst, options, eo, progress, solved)
    out = Explanation(inst.name, ex.optimum, mip_gap=ex.options.mip_gap, options=eo)
    t1 = time.perf_counter()
    if eo.frameworks:
        out.frameworks = ex.frameworks()
    out.why = why_chosen(inst, ex.optimum, out.frameworks)
    t2 = time.perf_counter()
    if eo.nations:
        out.nations = ex.nations()
    t3 = time.perf_counter()
    for item, forcing in forcings:
        out.why_not.append(ex.why_not(item, forcing))
    t4 = time.perf_counter()
    if matrix is not None:
        out.regret, _ = regret_matrix(ex, **matrix)
    out.timings = {"base_s": round(t1 - t0, 4), "frameworks_s": round(t2 - t1, 4), "nations_s": round(t3 - t2, 4),
                   "why_not_s": round(t4 - t3, 4), "matrix_s": round(time.perf_counter() - t4, 4),
                   "feasibility_checks": ex._relaxer.checks if ex._relaxer else 0,
                   "lift_checks": ex._checker.runs if ex._checker else 0}
    return out


def raw_of(inst: Instance) -> RawInstance:
    """An instance as the raw string tables the batch runner ships to its workers."""
    tables, settings = instance_tables(inst)
    raw = {name: cells(df).assign(**{ROW: None}) for name, df in tables.items()}
    return RawInstance(raw, settings, {n: f"{n}.csv" for n in raw}, "instance.yaml")


def regret_matrix(ex: Explainer, raw: RawInstance, out: str, workers: int | None = None,
                  scheduler: str | None = None, progress=None) -> tuple[pd.DataFrame, BatchResult]:
    """"Why not" for every (nation, role) pair a nation could fill, on the batch runner (local
    pool or Dask): the proven difference of forcing the nation into the role, nations x roles
    (0 where the optimum has it already, blank where no asset of the nation can fill the role,
    'infeasible' where forcing it breaks a commitment)."""
    opt = ex.optimum
    inside = set(zip(opt.allocation["nation"], opt.allocation["role"], strict=True))
    names = ex.inst.nations["name"].to_dict()
    jobs = [Scenario(f"why-not:{n}:{r}", [], description=f"{names.get(n, n)} forced into {r}",
                     force={"nation": n, "role": r})
            for n, r in sorted(ex.base.index.by_nation_role) if (n, r) not in inside]
    result = run_batch(raw, base_digest(raw), jobs, out, ex.options, workers, scheduler, progress)
    table = result.table().set_index("scenario")
    matrix = pd.DataFrame(index=sorted({n for n, _ in ex.base.index.by_nation_role}),
                          columns=list(ex.inst.roles.index), dtype=object)
    for n, r in inside:
        matrix.at[n, r] = 0.0
    for job in jobs:
        n, r = job.force["nation"], job.force["role"]
        if job.name in table.index:
            row = table.loc[job.name]
            matrix.at[n, r] = row["delta_objective"] if row["status"] in ("optimal", "feasible") else str(row["status"])
    matrix.index.name = "nation"
    return matrix, result


def why_chosen(inst: Instance, opt: Solution, frameworks: list[dict]) -> list[str]:
    """The reasons for the chosen framework a minister can repeat: what reaches the mission
    only through it, who joins only on a condition it meets, what the others lack."""
    if not opt.status.has_solution:
        return ["no framework can carry the force as the commitments stand"]
    f, fw, nats = opt.framework, inst.frameworks, inst.nations
    out = []
    used = set(opt.nations["nation"])
    enablers = sorted(n for n in used if nats.at[n, "enabler_only"])
    if enablers and fw.at[f, "enablers_reach"] and fw["enablers_reach"].sum() == 1:
        roles = sorted(set(opt.allocation.loc[opt.allocation["nation"].isin(enablers), "role"]))
        out.append(f"only through the {fw.at[f, 'name']} can {_names(nats.loc[enablers, 'name'])} reach the "
                   f"mission ({_names(inst.roles.loc[roles, 'name'])})")
    links = inst.links[inst.links["nation"].isin(used) & (inst.links["kind"] == "requires_role")]
    for target, group in links.groupby("target"):
        out.append(f"{_names(nats.loc[sorted(group['nation']), 'name'])} join only with "
                   f"{inst.roles.at[target, 'name']} covered, and it is")
    for row in sorted((r for r in frameworks if r["framework"] != f), key=lambda r: (r["delta"] is None, r["delta"])):
        if row["status"] == "vetoed":
            out.append(f"the {row['name']} is vetoed by {_names(nats.loc[row.get('vetoed_by', []), 'name'])}")
        elif row["delta"] is not None and opt.stages and row.get("terms"):
            out.append(_lexicographic_reason(row, opt))
        elif row["delta"] is not None:
            money = row.get("delta_money")
            unit = f" {inst.settings.units['cost']}" if inst.settings.units.get("cost") else ""
            out.append(f"the {row['name']} has an objective {row['delta']:+,.2f} higher (money, penalties and "
                       f"weights together)" + ("" if money is None else f"; its money {money:+,.2f}{unit}"))
        else:
            out.append(f"the {row['name']} cannot carry the force as the commitments stand")
    return out


def _lexicographic_reason(row: dict, opt: Solution) -> str:
    """Under lexicographic priorities a framework loses at the first term, in priority order,
    where it is worse by more than that stage's tolerance (its weighted objective may even be
    lower: the priorities, not the weights, decide)."""
    for i, st in enumerate(opt.stages, 1):
        terms = [t for t in st["stage"].split("+") if t in opt.terms]
        mine, theirs = sum(opt.terms[t] for t in terms), sum(row["terms"].get(t, 0.0) for t in terms)
        tol = (st.get("tolerance") or 0.0) * abs(mine) + 1e-6 * max(1.0, abs(mine))
        if theirs > mine + tol:
            label = " + ".join(t.replace("_", " ") for t in terms)
            return (f"the {row['name']} comes after it under the priorities: its {label} would be "
                    f"{theirs:,.2f} against {mine:,.2f} (priority {i})")
    return f"the {row['name']} ties with it under every priority; the weighted objective breaks the tie"


def _names(names) -> str:
    """A, B and C."""
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""
