"""The brief: one offline HTML page a planner can put in front of ministers.

Built from results already computed (the solution, the explanation, the
alternatives, a finished batch), rendered with a Jinja2 template into one
self-contained file: CSS and every picture (static SVG) inline, a content
security policy that forbids every request, a print stylesheet with a page per
section. Every picture has its numbers in a table beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2
import pandas as pd

from solver import charts
from solver.compare import brief as brief_changes
from solver.io.writers import atomic_write

MAX_ROWS = 40  # a table on paper: the rest is in the files


def input_hash(path: str | Path) -> str:
    """SHA-256 of the instance's files (a folder's files in name order, or the workbook)."""
    p = Path(path)
    h = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        h.update(f.relative_to(p).as_posix().encode() if p.is_dir() else f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _forcealloc_version() -> str:
    try:
        return version("forcealloc")
    except PackageNotFoundError:
        return "source"


def _fmt(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, (int, float)):
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.{digits}f}"
    return str(v)


def _pct(p) -> str:
    return "-" if p is None or p != p else f"{100 * p:.0f} %"


def _gap(gap) -> str:
    return "-" if gap is None else f"{100 * gap:.3f} %"


def _proof(sol, options) -> str:
    if sol.mip_gap is not None and sol.mip_gap <= 1e-9:
        return "no allocation can do better: the optimum is proven exactly"
    return f"no allocation can do better by more than {_gap(sol.mip_gap)} (the tolerance asked: " \
           f"{100 * options.mip_gap:g} %)"


def _table(df: pd.DataFrame) -> dict:
    """A table for the template: headers and formatted cells (numbers right-aligned)."""
    df = df.head(MAX_ROWS)
    cols = list(df.columns)
    rows = [[{"text": (_pct(v) if "probability" in str(c) else _fmt(v)),
              "num": isinstance(v, (int, float)) and not isinstance(v, bool)} for c, v in zip(cols, r, strict=True)]
            for r in df.itertuples(index=False)]
    return {"cols": cols, "rows": rows}


def _framework_rows(ex) -> list[dict]:
    rows = []
    for f in ex.frameworks:
        why = ""
        if f["status"] == "vetoed":
            why = "vetoed by " + ", ".join(f.get("vetoed_by", []))
        elif f["objective"] is None and f["conflicts"]:
            why = "; ".join(c["text"] for c in f["conflicts"][0])
        elif f.get("brief"):
            why = f["brief"]
        rows.append({**f, "why_not": why})
    return rows


def context(sol, ex, alts, inst, instance_path, options, batch: dict | None = None) -> dict:
    """Everything the template shows, from the run's results."""
    units = sol.units or {}
    roles = sol.roles
    coverage = pd.DataFrame({"role": roles["role"], "name": roles["name"], "required": roles["required"],
                             "covered": roles["covered"], "short": roles["shortfall"]})
    covered_all = bool((roles["shortfall"] <= 1e-9).all())
    ctx = {
        "title": inst.name, "description": inst.settings.description, "units": units, "solution": sol,
        "framework_name": str(inst.frameworks.at[sol.framework, "name"]) if sol.framework else None,
        "approval": _pct(sol.approval_probability), "objective": _fmt(sol.objective),
        "cost": _fmt((sol.money or {}).get("total", sol.terms.get("cost"))), "money": sol.money, "gap": _gap(sol.mip_gap), "proof": _proof(sol, options),
        "covered_all": covered_all,
        "fallback": None, "fallback_reason": None,  # Plan B, set by solver.api when approval is below 50 %
        "coverage": _table(coverage), "why": ex.why, "status": str(sol.status),
        "short_roles": [f"{r.name} ({r.shortfall:g} short)" for r in roles.itertuples() if r.shortfall > 1e-9],
    }
    nat = sol.nations
    if "money" in nat.columns and len(nat):  # money per nation, its setup share included: adds up to the total
        money = nat[["nation", "name", "cost", "setup_share", "money"]].sort_values("money", ascending=False)
        sums = ["cost", "setup_share", "money"]
        total = {"nation": "total", "name": "", **{c: money[c].sum() for c in sums}}
        if len(money) > MAX_ROWS - 1:  # the rest in one row, so the table still adds up on paper
            rest = money.iloc[MAX_ROWS - 2:]
            money = pd.concat([money.iloc[:MAX_ROWS - 2], pd.DataFrame([{
                "nation": f"{len(rest)} others", "name": "", **{c: rest[c].sum() for c in sums}}])])
        money = pd.concat([money, pd.DataFrame([total])], ignore_index=True)
        ctx["nation_money"] = _table(money.rename(columns={"cost": "asset cost", "setup_share": "setup share"}))
    else:
        ctx["nation_money"] = None
    out = [n for n in ex.nations if n["status"] == "out"]
    ctx["out"] = [{"nation": n["nation"], "name": n["name"], "reasons": n["reasons"],
                   "cost": None if not n["forced_in"] or n["forced_in"]["delta"] is None
                   else f"{n['forced_in']['delta']:+,.2f}"} for n in out]
    ctx["repairs"] = [{"framework": f["name"], "lift": [c["text"] for c in f["repair"]["lift"]],
                       "objective": _fmt(f["repair"]["objective"])}
                      for f in ex.frameworks if f.get("repair")]
    pictures = []
    svg, table = charts.allocation_map(sol.allocation, list(roles["role"]), units.get("strength", ""))
    pictures.append({"id": "allocation", "title": "Who provides what", "svg": svg, "table": _table(table),
                     "note": "Strength each nation gives each role in the recommended allocation."})
    svg, table = charts.frameworks(_framework_rows(ex))
    pictures.append({"id": "frameworks", "title": "The frameworks compared", "svg": svg, "table": _table(table),
                     "note": "The best allocation under each framework; blocked ones with the reason."})
    if alts is not None and alts.alternatives:
        best = alts.alternatives[0].solution.objective
        rows = [{"rank": a.rank, "objective": a.solution.objective, "delta": a.solution.objective - best,
                 "distance": a.distance, "framework": a.solution.framework,
                 "changes": "best allocation" if a.rank == 1 else brief_changes(a.changes)} for a in alts.alternatives]
        svg, table = charts.alternatives(rows)
        pictures.append({"id": "alternatives", "title": "The next best allocations", "svg": svg,
                         "table": _table(table), "note": f"Ranked by objective; {alts.stopped}."})
    svg, table = charts.theatre(sol.nations)
    pictures.append({"id": "theatre", "title": "The force in theatre and the support behind it", "svg": svg,
                     "table": _table(table),
                     "note": "Enablers flown from outside the theatre support the force; they are not part of it."})
    if batch is not None:
        pictures += _batch_pictures(batch)
    ctx["pictures"] = pictures
    ctx["provenance"] = {
        "forcealloc": _forcealloc_version(), "highs": sol.solver.get("version"), "date": dt.datetime.now(dt.UTC)
        .strftime("%Y-%m-%d %H:%M UTC"), "input": str(instance_path), "sha256": input_hash(instance_path),
        "options": f"time limit {options.time_limit:g} s, MIP gap {options.mip_gap:g}, threads {options.threads}, "
                   f"seed {options.seed}", "gap": ctx["gap"], "status": str(sol.status)}
    return ctx


def _batch_pictures(batch: dict) -> list[dict]:
    summary = batch["summary"]
    rows = summary[(summary["scenario"] != "base") & summary["status"].isin(["optimal", "feasible"])]
    out = []
    impacts = rows[~rows["scenario"].str.match(r"^(veto|vetoes|refusal|caveat|link|budget|share):")]
    if len(impacts):
        labels = [str(d) if isinstance(d, str) and d else s for s, d in zip(impacts["scenario"],
                                                                              impacts["description"], strict=True)]
        svg = charts.ranked(labels, list(impacts["delta_cost"].astype(float)), "What-ifs: the change in money",
                            "Δ money against the base")
        table = impacts[["scenario", "delta_cost", "delta_shortfall", "delta_objective", "roles_short",
                         "nations_leave"]].fillna("")
        out.append({"id": "whatif", "title": "What-if impacts", "svg": svg, "table": _table(table),
                    "note": "Δcost is money in the instance's units; Δshortfall the penalty for roles left short; "
                            "Δobjective money, penalties and weights together."})
    prices = rows[rows["scenario"].str.match(r"^(veto|vetoes|refusal|caveat|link|budget|share):")]
    if len(prices):
        price = -prices["delta_objective"].astype(float)
        svg = charts.ranked(list(prices["description"].astype(str)), list(price),
                            "The price of each political commitment (objective)",
                            "objective saved if the commitment were lifted")
        table = pd.DataFrame({"commitment": prices["description"], "objective saved": price,
                              "framework then": prices["framework"]}).sort_values("objective saved", ascending=False)
        out.append({"id": "prices", "title": "What each political commitment is worth in objective", "svg": svg,
                    "table": _table(table), "note": f"{len(batch.get('skipped', []))} commitments could not change "
                                                    "the answer and were not priced."})
    return out


def render(ctx: dict) -> str:
    """The page; every value from the input is escaped (autoescape), the pictures are ours."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("solver", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("brief.html.j2").render(**ctx)


def write_brief(ctx: dict, out_dir: str | Path) -> Path:
    path = Path(out_dir) / "brief.html"
    html = render(ctx)
    atomic_write(path, lambda p: p.write_text(html, encoding="utf-8"))
    return path
