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

from solver.io.writers import atomic_write
from solver.present import brief_charts as bcharts
from solver.present import brief_facts as facts
from solver.present import charts

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
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = 0.0 if abs(v) < 0.5 * 10 ** -digits else v + 0.0  # never "-0"
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


def _framework_rows(ex, fw_names: dict, best_money: float | None, nat_names: dict, role_names: dict) -> list[dict]:
    rows = []
    for f in ex.frameworks:
        why = ""
        if f["status"] == "vetoed":
            why = "vetoed by " + ", ".join(nat_names.get(n, n) for n in f.get("vetoed_by", []))
        elif f["objective"] is None and f["conflicts"]:
            why = "; ".join(c["text"] for c in f["conflicts"][0])
        elif f.get("changes"):
            why = facts.named_changes(f["changes"], fw_names, nat_names, role_names)
        elif f.get("brief"):
            why = facts.rename_codes(f["brief"], fw_names, nat_names, role_names)
        dm = f.get("delta_money")
        rows.append({**f, "name": fw_names.get(f["framework"], f.get("name", f["framework"])), "why_not": why,
                     "approval_probability": 0.0 if f["status"] == "vetoed" else f.get("approval_probability"),
                     "money": None if dm is None or best_money is None else best_money + dm})
    return rows


def _why_lines(why: list[str], rows: list[dict], chosen: str | None) -> list[str]:
    """The explanation's reasons for the chosen framework; lines about the other frameworks are
    replaced by ours (which say objective, never cost)."""
    others = [str(f["name"]).lower() for f in rows if f["framework"] != chosen]
    return [w for w in why if not any(o in w.lower() for o in others)
            and not w.lower().startswith("no framework can carry")][:3]


def _framework_lines(rows: list[dict], chosen: str | None) -> list[str]:
    """One line per other framework, in words that never call an objective a cost."""
    out = []
    for f in rows:
        if f["framework"] == chosen:
            continue
        if f["status"] == "vetoed":
            out.append(f"{f['name']} is vetoed ({f['why_not'].removeprefix('vetoed by ')}): approval 0 %")
        elif f.get("objective") is None:
            out.append(f"{f['name']} cannot carry the force as the commitments stand")
        elif f.get("delta") is not None:
            money = "" if f.get("delta_money") is None else f", money {f['delta_money']:+,.2f}"
            out.append(f"{f['name']}: objective {f['delta']:+,.2f} against the recommendation (money and "
                       f"penalties together{money})")
    return out


def _names(inst, sol) -> tuple[dict, dict, dict]:
    fw = {str(k): str(v) for k, v in inst.frameworks["name"].items()} if "name" in inst.frameworks else {}
    nat = {str(k): str(v) for k, v in inst.nations["name"].items()} if "name" in inst.nations else {}
    roles = dict(zip(sol.roles["role"].astype(str), sol.roles["name"].astype(str), strict=True))
    return fw, nat, roles


def _plan_b_changes(fb: dict | None, nat: dict, roles: dict) -> dict | None:
    if not fb:
        return None
    changes = pd.DataFrame([{"nation": nat.get(c["nation"], c["nation"]), "role": roles.get(c["role"], c["role"]),
                             "pledged in": "primary only" if c.get("in") == "primary" else "Plan B only"}
                            for c in fb.get("changes") or []], columns=["nation", "role", "pledged in"])
    common = pd.DataFrame([{"nation": nat.get(n, n), "role": roles.get(r, r)} for n, r in fb.get("common") or []],
                          columns=["nation", "role"])
    figures = pd.DataFrame([
        {"figure": "approval chance of the primary", "value": facts.pct(fb.get("p_primary"))},
        {"figure": "approval chance of Plan B", "value": facts.pct(fb.get("p_fallback"))},
        {"figure": "expected money (per period)", "value": facts.fmt(fb.get("expected_money"))},
        {"figure": "expected objective (money + penalties)", "value": facts.fmt(fb.get("expected_objective"))},
        {"figure": "pledges that change", "value": facts.fmt(fb.get("changes_count"))},
        {"figure": "change penalty per pledge (objective)", "value": facts.fmt(fb.get("change_penalty"))},
        {"figure": "value minimised (expected objective + change penalties)", "value": facts.fmt(fb.get("value"))},
    ])
    return {"changes": _table(changes), "common": _table(common), "figures": _table(figures)}


def _robust(doc: dict, nat: dict, roles: dict) -> dict | None:
    rb = doc.get("robust")
    if not rb or not rb.get("k"):  # no protection asked: page 1 still names the critical nations
        return None
    worst = pd.DataFrame([{"role": roles.get(w["role"], w["role"]),
                           "nations withdrawn": ", ".join(nat.get(n, n) for n in w.get("withdrawn") or []),
                           "covered after": w.get("covered_after"), "requirement": w.get("requirement")}
                          for w in rb.get("worst_case") or []],
                         columns=["role", "nations withdrawn", "covered after", "requirement"])
    src = rb.get("from")
    out = {"k": rb.get("k"), "recourse": bool(rb.get("recourse")),
           "from": ", ".join(nat.get(n, n) for n in src) if isinstance(src, list) else f"the {src or 'hesitant'} nations",
           "protected": ", ".join(roles.get(r, r) for r in rb.get("roles") or []) if isinstance(rb.get("roles"), list)
           else str(rb.get("roles") or "-"),
           "worst": _table(worst), "price": facts.fmt(rb.get("price")), "price_money": facts.fmt(rb.get("price_money")),
           "objective_k0": facts.fmt(rb.get("objective_k0")),
           "critical": None if rb.get("critical_nations") is None
           else [nat.get(n, n) for n in rb["critical_nations"]], "svg": None, "chances": None}
    probs = {roles.get(r, r): float(p) for r, p in (rb.get("coverage_probability") or {}).items() if p is not None}
    if probs:
        svg, table = bcharts.coverage_chances(probs)
        out["svg"], out["chances"] = svg, _table(table)
    return out


def _mission(doc: dict, nat: dict, roles: dict) -> dict | None:
    m = doc.get("mission")
    if not m:
        return None
    sched = m.get("schedule") if m.get("schedule") is not None else doc.get("schedule")
    sus = m.get("sustainment") or {}
    periods = int(m.get("periods") or 1)
    out = {"periods": periods, "label": m.get("period_label") or "", "svg": None, "table": None,
           "sustainment": _table(pd.DataFrame([
               {"figure": "largest force in theatre in any period (strength)",
                "value": sus.get("max_in_theatre_strength")},
               {"figure": "largest force in theatre in any period (units)", "value": sus.get("max_in_theatre_units")},
               {"figure": "distinct assets serving at least one tour", "value": sus.get("assets_used")},
               {"figure": "assets used per unit in theatre (ratio)", "value": sus.get("ratio")}]))}
    if sched:
        df = pd.DataFrame(sched)
        if {"nation", "role", "period", "contribution"} <= set(df.columns) and len(df):
            svg, table = bcharts.rotation(df, periods, out["label"], roles, nat)
            out["svg"], out["table"] = svg, _table(table)
    return out


def _nation_money(nat: pd.DataFrame, names: dict[str, str]) -> dict | None:
    """Money per nation, its share of the setup cost included, with a total row: the table
    adds up to the force's money (setup shared in proportion to asset cost)."""
    if "money" not in nat.columns or not len(nat):
        return None
    money = nat[["nation", "cost", "setup_share", "money"]].sort_values("money", ascending=False)
    money = money.assign(nation=money["nation"].map(lambda n: names.get(n, n)))
    sums = ["cost", "setup_share", "money"]
    total = {"nation": "total", **{c: money[c].sum() for c in sums}}
    if len(money) > MAX_ROWS - 1:  # the rest in one row, so the table still adds up on paper
        rest = money.iloc[MAX_ROWS - 2:]
        money = pd.concat([money.iloc[:MAX_ROWS - 2],
                           pd.DataFrame([{"nation": f"{len(rest)} others", **{c: rest[c].sum() for c in sums}}])])
    money = pd.concat([money, pd.DataFrame([total])], ignore_index=True)
    return _table(money.rename(columns={"cost": "asset cost", "setup_share": "setup share"}))


def robustness_picture(curve: pd.DataFrame, unit: str, hesitant, note: str) -> dict:
    """The brief's price-of-robustness picture (report --robust K), from curve.csv's table."""
    svg, table = charts.robustness_curve(curve, unit)
    text = (f"The best plan that survives any k of {', '.join(hesitant) or 'no nation'} leaving, without "
            "re-tasking; money in the instance's cost units. " + note).strip()
    return {"id": "robust-curve", "title": "What surviving withdrawals costs", "svg": svg, "table": _table(table),
            "note": text}


def context(sol, ex, alts, inst, instance_path, options, batch: dict | None = None, *,
            fallback: dict | None = None, fallback_reason: str | None = None) -> dict:
    """Everything the template shows, from the run's results.

    ``fallback`` is a Plan B computed for the brief (the ``fallback`` object of solution.json);
    without it, the solution document's own ``fallback`` (if any) is used."""
    doc = sol.to_dict()
    units = sol.units or {}
    unit = units.get("cost", "")
    fw_names, nat_names, role_names = _names(inst, sol)
    roles = sol.roles
    coverage = pd.DataFrame({"role": [role_names.get(r, r) for r in roles["role"]],
                             **({"period": roles["period"]} if "period" in roles.columns else {}),
                             "required": roles["required"], "covered": roles["covered"], "short": roles["shortfall"]})
    covered_all = bool((roles["shortfall"] <= 1e-9).all())
    money = facts.money(doc)
    fb = fallback if fallback is not None else doc.get("fallback")
    fb_reason = fallback_reason or doc.get("fallback_reason") or (doc.get("fallback") is None and "fallback" in doc
                                                                  and (doc.get("reason") or None)) or None
    fw_rows = _framework_rows(ex, fw_names, money, nat_names, role_names)
    fw_rows_raw = [{**f, "approval_probability": g.get("approval_probability")}
                   for f, g in zip(fw_rows, ex.frameworks, strict=True)]
    impacts = facts.whatif_impacts(batch["summary"], money, sol.framework, fw_names, role_names) \
        if batch is not None else None
    prices = facts.commitment_prices(batch, fw_names)
    setup = None
    if isinstance(doc.get("money"), dict) and doc["money"].get("setup") is not None:
        setup = float(doc["money"]["setup"])
    elif sol.framework and "setup_cost" in inst.frameworks:
        setup = float(inst.frameworks.at[sol.framework, "setup_cost"])
    ctx = {
        "title": inst.name, "description": inst.settings.description, "units": units, "solution": sol,
        "unit": unit, "framework_name": fw_names.get(sol.framework, sol.framework) if sol.framework else None,
        "approval": _pct(sol.approval_probability), "objective": _fmt(sol.objective),
        "money": _fmt(money), "money_is_documented": doc.get("money") is not None,
        "setup": None if not setup else _fmt(setup),
        "reserve": _fmt(doc["money"]["reserve"]) if isinstance(doc.get("money"), dict)
        and (doc["money"].get("reserve") or 0) > 0 else None,
        "gap": _gap(sol.mip_gap), "proof": _proof(sol, options),
        "covered_all": covered_all, "n_roles": len(roles),
        "coverage": {**_table(coverage), "id": "coverage"}, "why": ex.why, "status": str(sol.status),
        "short_roles": [f"{role_names.get(r.role, r.name)} ({r.shortfall:g} short"
                        + (f" in period {r.period})" if "period" in roles.columns else ")") for r in roles.itertuples()
                        if r.shortfall > 1e-9],
        # Plan B: set here, or by the caller into ctx["fallback"] / ctx["fallback_reason"] before render()
        "fallback": fb, "fallback_reason": fb_reason,
        "_plan_b_inputs": {"doc": doc, "rows": fw_rows, "fw": fw_names, "nat": nat_names, "roles": role_names},
        "thresholds": facts.threshold_lines(doc["thresholds"] if "thresholds" in doc
                                            else facts.computed_thresholds(doc, fw_rows_raw), fw_names,
                                            (sol.weights or {}).get("approval_risk")),
        "at_risk": facts.at_risk(doc, nat_names, role_names),
        "commitment": facts.dearest_commitment(prices, unit),
        "framework_lines": _framework_lines(fw_rows, sol.framework),
        "why_lines": _why_lines(ex.why, fw_rows, sol.framework),
        "diagnosis": [facts.rename_codes(str(d), fw_names, nat_names, role_names) for d in sol.diagnosis or []],
        "illustrative": "illustrative" not in (inst.settings.description or "").lower(),
        "worst_whatif": None if impacts is None or not len(impacts) or impacts.iloc[0]["severity"] == "no change"
        else _worst(impacts.iloc[0]),
        "robust": _robust(doc, nat_names, role_names), "mission": _mission(doc, nat_names, role_names),
    }
    ctx["nation_money"] = _nation_money(sol.nations, nat_names)
    out = [n for n in ex.nations if n["status"] == "out"]
    ctx["out"] = [{"nation": n["nation"], "name": n["name"], "reasons": n["reasons"],
                   "cost": None if not n["forced_in"] or n["forced_in"]["delta"] is None
                   else f"{n['forced_in']['delta']:+,.2f}"} for n in out]
    ctx["out_table"] = _table(pd.DataFrame(
        [{"nation": n["name"], "why not": "; ".join(n["reasons"]), "objective if forced in": n["cost"] or "-"}
         for n in ctx["out"]], columns=["nation", "why not", "objective if forced in"]))
    ctx["repairs"] = [{"framework": f["name"], "lift": [c["text"] for c in f["repair"]["lift"]],
                       "objective": _fmt(f["repair"]["objective"])}
                      for f in ex.frameworks if f.get("repair")]
    pictures = []
    alloc = sol.allocation.assign(role=sol.allocation["role"].map(lambda r: role_names.get(r, r)),
                                  nation=sol.allocation["nation"].map(lambda n: nat_names.get(n, n)))
    svg, table = charts.allocation_map(alloc, [role_names.get(r, r) for r in roles["role"]],
                                       units.get("strength", ""))
    pictures.append({"id": "allocation", "title": "Who provides what", "svg": svg, "table": _table(table),
                     "note": "Strength each nation gives each role in the recommended allocation."})
    svg, table = charts.frameworks(fw_rows)
    pictures.append({"id": "frameworks", "title": "The frameworks compared", "svg": svg,
                     "table": {**_table(table), "id": "frameworks-table"},
                     "note": "The best allocation under each framework (objective: money plus weighted penalties, "
                             "not a cost); a blocked framework has no bar, a vetoed one is approved at 0 %."})
    if alts is not None and alts.alternatives:
        best = alts.alternatives[0].solution.objective
        rows = [{"rank": a.rank, "objective": a.solution.objective, "delta": a.solution.objective - best,
                 "distance": a.distance, "framework": fw_names.get(a.solution.framework, a.solution.framework),
                 "changes": "best allocation" if a.rank == 1
                 else facts.named_changes(a.changes, fw_names, nat_names, role_names)} for a in alts.alternatives]
        svg, table = charts.alternatives(rows)
        pictures.append({"id": "alternatives", "title": "The next best allocations", "svg": svg,
                         "table": _table(table), "note": f"Ranked by objective (not a cost); {alts.stopped}."})
    nations = sol.nations.assign(nation=sol.nations["nation"].map(lambda n: nat_names.get(n, n)))
    svg, table = charts.theatre(nations)
    pictures.append({"id": "theatre", "title": "The force in theatre and the support behind it", "svg": svg,
                     "table": _table(table), "side": True,
                     "note": "Enablers flown from outside the theatre support the force; they are not part of it."})
    if batch is not None:
        pictures += _batch_pictures(batch, impacts, prices)
    ctx["pictures"] = pictures
    ctx["provenance"] = {
        "forcealloc": _forcealloc_version(), "highs": sol.solver.get("version"), "date": dt.datetime.now(dt.UTC)
        .strftime("%Y-%m-%d %H:%M UTC"), "input": str(instance_path), "sha256": input_hash(instance_path),
        "options": f"time limit {options.time_limit:g} s, MIP gap {options.mip_gap:g}, threads {options.threads}, "
                   f"seed {options.seed}", "gap": ctx["gap"], "status": str(sol.status)}
    return ctx


def _worst(r) -> dict:
    """The most severe what-if, in one line for page 1."""
    parts = []
    if r["roles short"]:
        parts.append(f"{r['roles short']} role{'s' if r['roles short'] != 1 else ''} short")
    if r["nations leaving"]:
        parts.append(f"{r['nations leaving']} nation{'s' if r['nations leaving'] != 1 else ''} leave")
    if r["framework"] != "stays":
        parts.append(f"framework {r['framework']}")
    parts.append(f"money {r['money change']:+,.2f}")
    return {"what": str(r["what-if"]).rstrip("."), "severity": str(r["severity"]), "effects": ", ".join(parts)}


def _batch_pictures(batch: dict, impacts: pd.DataFrame | None, prices: pd.DataFrame | None) -> list[dict]:
    out = []
    if impacts is not None and len(impacts):
        svg, table = bcharts.whatif_severity(impacts)
        out.append({"id": "whatif", "title": "What-if impacts", "svg": svg,
                    "table": _table(table.drop(columns=["scenario"])),
                    "note": "Ranked by severity: a role going short or a change of framework is severe; three or "
                            "more nations leaving, or money up 10 % or more, is major. Money change is in the "
                            "instance's units; shortfall change is a penalty, not money."})
    if prices is not None:
        drawn = prices[prices["saving"].abs() > 1e-9]
        drawn = drawn if len(drawn) else prices.head(1)
        svg = charts.ranked(list(drawn["commitment"]), list(drawn["saving"]),
                            "The price of each political commitment", "objective saved if the commitment were lifted")
        out.append({"id": "prices", "title": "What each political commitment is worth in objective", "svg": svg,
                    "table": _table(prices),
                    "note": f"Saving: the fall in the objective (money and penalties) if the commitment were lifted; "
                            f"money saved: its money part. The picture shows the {len(drawn)} that save something; "
                            f"{len(prices) - len(drawn)} more save nothing (in the table); "
                            f"{len(batch.get('skipped', []))} commitments could not change the answer and were not "
                            "priced."})
    return out


def _with_plan_b(ctx: dict) -> dict:
    """Page 1's Plan B tile and its annex, from ctx["fallback"] as it stands at rendering (a caller
    may set a Plan B it computed after ``context``)."""
    if "_plan_b_inputs" not in ctx:
        return ctx
    i = ctx["_plan_b_inputs"]
    fb, reason = ctx.get("fallback"), ctx.get("fallback_reason")
    return {**ctx, "plan_b": facts.plan_b(i["doc"], fb, reason, i["rows"], i["fw"]),
            "plan_b_annex": _plan_b_changes(fb, i["nat"], i["roles"])}


def render(ctx: dict) -> str:
    """The page; every value from the input is escaped (autoescape), the pictures are ours."""
    ctx = _with_plan_b(ctx)
    env = jinja2.Environment(loader=jinja2.PackageLoader("solver.present", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("brief.html.j2").render(**ctx)


def write_brief(ctx: dict, out_dir: str | Path) -> Path:
    path = Path(out_dir) / "brief.html"
    html = render(ctx)
    atomic_write(path, lambda p: p.write_text(html, encoding="utf-8"))
    return path
