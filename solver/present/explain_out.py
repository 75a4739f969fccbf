"""An explanation written (explanation.json, CSV tables, a workbook) and printed in planner words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from solver.io.sheets import write_csv, write_workbook
from solver.io.writers import json_text, staged_dir
from solver.present.format import WIDE, num, percent, plain, signed
from solver.results.solution import _plain

EXPLANATION_FILES = ("explanation.json", "frameworks.csv", "nations.csv", "why_not.csv", "explanation.xlsx")


def _commitments(conflicts: list[list[dict]]) -> str:
    return " | ".join("; ".join(c["text"] for c in conflict) for conflict in conflicts)


def to_dict(ex) -> dict:
    """explanation.json: the optimum, each framework, each nation, each "why not"."""
    opt = ex.optimum
    doc = {
        "instance": ex.instance,
        "optimum": {"framework": opt.framework, "objective": _plain(opt.objective), "status": str(opt.status),
                    "approval_probability": _plain(opt.approval_probability)},
        "mip_gap": ex.mip_gap,
        "proof": f"every objective and difference is proven to the relative MIP gap {ex.mip_gap:g}",
        "why": ex.why,
        "order": list(ex.options.order), "weights": ex.options.weights,
        "frameworks": [_clean(f) for f in ex.frameworks],
        "nations": [_clean(n) for n in ex.nations],
        "why_not": [_clean(w) for w in ex.why_not],
        "timings": ex.timings,
    }
    if ex.regret is not None:
        doc["regret"] = {n: {r: _plain(v) for r, v in row.items() if v == v and v is not None}
                         for n, row in ex.regret.to_dict("index").items()}
    return doc


def _clean(d):
    if isinstance(d, dict):
        return {k: _clean(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_clean(v) for v in d]
    return _plain(d)


def tables(ex) -> dict[str, pd.DataFrame]:
    frameworks = pd.DataFrame([{
        "framework": f["framework"], "name": f["name"], "status": f["status"],
        "approval_probability": f["approval_probability"], "objective": f["objective"],
        "delta_objective": f["delta"], "delta_money": f.get("delta_money"),
        "vetoed_by": ";".join(f.get("vetoed_by", [])), "conflicts": _commitments(f["conflicts"]),
        "repair": "; ".join(c["text"] for c in f["repair"]["lift"]) if f.get("repair") else "",
        "repair_objective": f["repair"]["objective"] if f.get("repair") else None,
        "hard_limit": f.get("hard_limit", "")} for f in ex.frameworks])
    nations = pd.DataFrame([{
        "nation": n["nation"], "name": n["name"], "status": n["status"], "roles": ";".join(n["roles"]),
        "reasons": " | ".join(n["reasons"]),
        "forced_in_status": n["forced_in"]["status"] if n["forced_in"] else None,
        "forced_in_delta_objective": n["forced_in"]["delta"] if n["forced_in"] else None,
        "forced_in_delta_money": n["forced_in"].get("delta_money") if n["forced_in"] else None} for n in ex.nations])
    why = pd.DataFrame([{
        "question": w["question"], "status": w["status"], "objective": w["objective"],
        "delta_objective": w["delta"], "delta_money": w.get("delta_money"),
        "what_changes": w.get("summary", ""), "conflicts": _commitments(w["conflicts"]),
        "hard_limit": w.get("hard_limit") or "", "answer": " ".join(" ".join(w.get("answer") or []).split()),
        "already": w.get("already") or "",
        "repair_mode": w.get("repair_mode") or "",
        "repairs": " | ".join("; ".join(c["text"] for c in r["lift"]) for r in w.get("repairs") or []),
        "repair_delta": (w.get("repairs") or [{}])[0].get("delta"),
        "repair_delta_money": (w.get("repairs") or [{}])[0].get("delta_money")} for w in ex.why_not],
        columns=["question", "status", "objective", "delta_objective", "delta_money", "what_changes", "conflicts",
                 "hard_limit", "answer", "already", "repair_mode", "repairs", "repair_delta", "repair_delta_money"])
    out = {"frameworks": frameworks, "nations": nations, "why_not": why}
    if ex.regret is not None:
        out["regret"] = ex.regret.reset_index()
    return out


def write_explanation(ex, out_dir: str | Path) -> list[Path]:
    """explanation.json, frameworks.csv, nations.csv, why_not.csv (regret.csv) and a workbook."""
    out_dir = Path(out_dir)
    t = tables(ex)
    with staged_dir(out_dir) as tmp:
        (tmp / "explanation.json").write_text(json_text(to_dict(ex)), encoding="utf-8")
        for name, df in t.items():
            write_csv(df, tmp / f"{name}.csv")
        write_workbook(tmp / "explanation.xlsx", t)
    return [out_dir / f for f in (*EXPLANATION_FILES, *(["regret.csv"] if "regret" in t else []))]


def print_explanation(ex, console: Console) -> None:
    """Why this framework, who is out and why, what would change it."""
    opt = ex.optimum
    if opt.status.has_solution:
        rule = ("the best allocation under the priorities " + ", ".join(st["stage"] for st in opt.stages)
                if opt.stages else "the best allocation")
        console.print(Text.assemble(("Why ", "bold"), (str(opt.framework), "bold"),
                                    f": {rule}, objective {num(opt.objective)} (money "
                                    f"{num((opt.money or {}).get('total'))}"
                                    f"{' ' + opt.units['cost'] if opt.units.get('cost') else ''}), approval "
                                    f"{percent(opt.approval_probability)}, proven within {100 * ex.mip_gap:g} %."))
    else:
        console.print(Text("No framework can carry the force as the commitments stand.", "bold"))
    for line in ex.why:
        console.print(plain(f"  - {line}"))
    wide = console.width >= WIDE
    console.print(Text("Frameworks", "bold"))
    t = _columns_table(console, ("framework", "approval", "objective", "Δobjective (Δmoney)", "why not, and the cheapest repair"))
    for f in ex.frameworks:
        why = []
        if f["status"] == "vetoed":
            why.append("vetoed by " + ", ".join(f["vetoed_by"]))
        for i, conflict in enumerate(f["conflicts"][: 3 if wide else 1], 1):
            why.append(f"conflict {i}: " + "; ".join(c["text"] for c in conflict))
        if f.get("hard_limit"):
            why.append(f["hard_limit"])
        if f.get("repair"):
            why.append("cheapest repair: lift " + "; ".join(c["text"] for c in f["repair"]["lift"])
                       + f" (then objective {num(f['repair']['objective'])})")
        if f.get("brief"):
            why.append(f["brief"])
        t.add_row(plain(f["framework"]), percent(f["approval_probability"]), num(f["objective"]),
                  "" if f["delta"] in (None, 0.0) else f"{signed(f['delta'])} ({signed(f.get('delta_money'))})",
                  plain("\n".join(why) or "chosen"))
    console.print(t)
    unit = opt.units.get("cost") or "the instance's money units"
    console.print(plain(f"Δobjective: money, penalties and weights together (not a cost); Δmoney: {unit}."))
    out = [n for n in ex.nations if n["status"] == "out"]
    inside = [n for n in ex.nations if n["status"] == "in"]
    console.print(Text(f"Nations: {len(inside)} in, {len(out)} out", "bold"))
    t = _columns_table(console, ("nation", "why it is out", "forced in: Δobjective (Δmoney)"))
    for n in out:
        forced = n["forced_in"] or {}
        cost = f"{signed(forced['delta'])} ({signed(forced.get('delta_money'))})" if forced.get("delta") is not None \
            else forced.get("status", "-")
        t.add_row(plain(n["nation"]), plain("; ".join(n["reasons"]) or "-"), plain(cost))
    console.print(t)
    if any(n.get("binding") for n in out):
        units = ex.optimum.units.get("cost") if ex.optimum.units else None
        console.print(plain("Reasons checked by lifting each alone and re-solving with the nation forced in; "
                         "objective: difference against the optimum; money: asset and setup costs"
                         + (f" in {units}" if units else "") + "."))
    print_why_not(ex, console)
    if ex.regret is not None:
        console.print(Text("Regret matrix (regret.csv): the proven objective difference of forcing each nation into "
                           "each role (not money)",
                           "bold"))


def print_why_not(ex, console: Console) -> None:
    """Each "why not" answer alone: already so, possible at a price (objective difference
    and its money part), or the repairs, one of or all of, each with its price."""
    for w in ex.why_not:
        lines = w.get("answer") or [f"{w['question']}: {w['status']}"]
        head, _, rest = lines[0].partition(": ")
        console.print(Text.assemble(("Why not ", "bold"), (head, "bold"), ": ", rest))
        for line in lines[1:]:
            console.print(plain(line))


def _columns_table(console: Console, cols: tuple[str, ...]) -> Table:
    t = Table(expand=False, show_lines=True)
    for c in cols:
        t.add_column(c, overflow="fold", justify="right" if c in ("approval", "objective", "vs best") else "left",
                     ratio=3 if c.startswith("why") else None)
    return t
