"""Page 1 of the brief and its annexes, read from the solution document.

Everything here works on plain dicts: the ``solution.json`` document
(``Solution.to_dict()``), the explanation's framework entries, a finished
batch's summary. Optional parts of the document (``money``, ``fallback``,
``thresholds``, ``robust``, ``mission``) are shown when present and skipped when
absent, so the brief works before and after the features that add them.

Money is always money (asset, reserve and setup costs in the instance's units);
the objective is money plus weighted penalties and is never called a cost.
"""

from __future__ import annotations

import math
import re

import pandas as pd

COMMITMENT = r"^(veto|vetoes|refusal|caveat|link|budget|share):"


def fmt(v, digits: int = 2) -> str:
    """A number as the brief prints it ('-' for none)."""
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        v = 0.0 if abs(v) < 0.5 * 10 ** -digits else v + 0.0  # never "-0"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.{digits}f}"
    return str(v)


def pct(p) -> str:
    """A probability as a whole percentage ('-' for none)."""
    return "-" if p is None or p != p else f"{100 * p:.0f} %"


def money(doc: dict) -> float | None:
    """Money per period: the document's ``money`` when present (a number, or a dict with its
    ``total``), else its unweighted cost term (asset, reserve and setup costs: the same sum)."""
    m = doc.get("money")
    if isinstance(m, dict) and m.get("total") is not None:  # {"asset", "reserve", "setup", "total", ...}
        return float(m["total"])
    if isinstance(m, (int, float)) and not isinstance(m, bool):
        return float(m)
    cost = (doc.get("terms") or {}).get("cost")
    return None if cost is None else float(cost)


def _name(names: dict, key) -> str:
    return str(names.get(key, key)) if key is not None else "-"


def plan_b(doc: dict, fallback: dict | None, reason: str | None, frameworks: list[dict],
           fw_names: dict) -> dict:
    """What happens if the recommended framework is not approved.

    The computed Plan B (``fallback``) when there is one; else the reason there is none;
    else, when nothing was computed, the next framework of the comparison (its best
    allocation, not optimised as a Plan B), so page 1 never leaves the question open."""
    p = doc.get("approval_probability")
    if fallback:
        return {"kind": "computed", "framework": _name(fw_names, fallback.get("fallback")),
                "primary": _name(fw_names, fallback.get("primary")),
                "primary_differs": fallback.get("primary") not in (None, doc.get("framework")),
                "p_primary": pct(fallback.get("p_primary")), "p_fallback": pct(fallback.get("p_fallback")),
                "changes_count": fallback.get("changes_count"), "common_count": len(fallback.get("common") or []),
                "expected_money": fmt(fallback.get("expected_money")),
                "expected_objective": fmt(fallback.get("expected_objective")), "value": fmt(fallback.get("value")),
                "change_penalty": fmt(fallback.get("change_penalty"))}
    if reason:
        return {"kind": "none", "reason": reason}
    if p is not None and p >= 1 - 1e-9:
        return {"kind": "none", "reason": "approval is certain: no vote can fail"}
    others = [f for f in frameworks if f["framework"] != doc.get("framework") and f.get("objective") is not None
              and f.get("status") != "vetoed"]
    if not others:
        return {"kind": "none", "reason": "no other framework can carry the force as the commitments stand"}
    nxt = min(others, key=lambda f: f["objective"])
    return {"kind": "next", "framework": _name(fw_names, nxt["framework"]),
            "p_fallback": pct(nxt.get("approval_probability")),
            "delta_money": None if nxt.get("delta_money") is None else f"{nxt['delta_money']:+,.2f}",
            "delta": None if nxt.get("delta") is None else f"{nxt['delta']:+,.2f}"}


def threshold_lines(th: dict | None, fw_names: dict, weight: float | None) -> list[str]:
    """At what approval chance, and in which range of the approval weight, the answer changes."""
    if not th:
        return []
    f = _name(fw_names, th.get("framework"))
    out = []
    if th.get("approval_floor") is not None:
        floor = 100 * th["approval_floor"]
        shown = f"{floor:.2g}" if floor < 1 else f"{floor:.1f}"
        out.append(f"{f} stays the choice while its approval chance is above {shown} %"
                   f" (then: {_name(fw_names, th.get('successor'))}).")
    lo, hi = (th.get("weight_range") or [None, None])[:2]
    s_lo, s_hi = (th.get("weight_successors") or [None, None])[:2]
    if lo is not None or hi is not None:
        parts = []
        if lo is not None:
            parts.append(f"below {lo:,.6g}: {_name(fw_names, s_lo)}")
        if hi is not None:
            parts.append(f"above {hi:,.6g}: {_name(fw_names, s_hi)}")
        today = "" if weight is None else f" (today {weight:,.6g})"
        out.append(f"Approval-risk weight{today}: " + "; ".join(parts) + ".")
    return out


def at_risk(doc: dict, nation_names: dict, role_names: dict) -> dict:
    """What could break the plan: the critical nations and the weakest role's chance, from ``robust``."""
    rb = doc.get("robust")
    short = [f"{role_names.get(r['role'], r['role'])} ({fmt(r['shortfall'])} short"
             + (f" in period {r['period']})" if r.get("period") is not None else ")")
             for r in doc.get("roles", []) if (r.get("shortfall") or 0) > 1e-9]
    if not rb:
        return {"kind": "absent", "short": short}
    crit = rb.get("critical_nations")
    probs = rb.get("coverage_probability") or {}
    weakest = min(probs.items(), key=lambda kv: kv[1]) if probs else None
    return {"kind": "robust", "short": short, "k": rb.get("k"),
            "critical": None if crit is None else [_name(nation_names, n) for n in crit],
            "weakest": None if weakest is None else {"role": role_names.get(weakest[0], weakest[0]),
                                                     "p": pct(weakest[1])},
            "price_money": fmt(rb.get("price_money")), "price": fmt(rb.get("price"))}


def commitment_prices(batch: dict | None, fw_names: dict | None = None) -> pd.DataFrame | None:
    """The priced commitments of a consent sweep, dearest first: the objective saving if lifted,
    and the money part of it."""
    if batch is None:
        return None
    s = batch["summary"]
    rows = s[s["scenario"].astype(str).str.match(COMMITMENT) & s["status"].isin(["optimal", "feasible"])]
    if not len(rows):
        return None
    out = pd.DataFrame({"commitment": rows["description"].astype(str),
                        "saving": -rows["delta_objective"].astype(float),
                        "money saved": -rows["delta_cost"].astype(float),
                        "framework then": [_name(fw_names or {}, f) for f in rows["framework"].astype(str)]})
    return out.sort_values(["saving", "money saved"], ascending=False).reset_index(drop=True)


def dearest_commitment(prices: pd.DataFrame | None, unit: str) -> dict:
    """The single most expensive political commitment, or why none is named."""
    if prices is None:
        return {"kind": "absent"}
    top = prices.iloc[0]
    if top["saving"] <= 1e-9:
        return {"kind": "free", "count": len(prices)}
    return {"kind": "priced", "commitment": str(top["commitment"]), "saving": fmt(float(top["saving"])),
            "money": fmt(float(top["money saved"])), "unit": unit, "count": len(prices)}


SEVERITY = ["severe", "major", "moderate", "minor", "no change"]


def _items(cell) -> list[str]:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == "":
        return []
    return [p.strip() for p in re.split(r";\s*", str(cell)) if p.strip()]


def _role_item(item: str, role_names: dict) -> str:
    """'air_defence 20' -> 'Air defence ... 20' (the role's name, then how much is short)."""
    code, _, rest = item.partition(" ")
    return f"{role_names.get(code, code)} {rest}".strip()


def whatif_impacts(summary: pd.DataFrame, base_money: float | None, base_framework: str | None,
                   fw_names: dict, role_names: dict | None = None) -> pd.DataFrame:
    """What-ifs ranked by a severity that counts money, shortfall and nations leaving together.

    severe: a role goes short or the framework switches; major: three or more nations leave
    or money rises by 10 % or more; moderate: any nation leaves or money rises by 1 % or more;
    minor: anything else that changes; no change. Within a class: more roles short, then
    more shortfall, more nations leaving, more money."""
    rows = summary[(summary["scenario"] != "base") & summary["status"].isin(["optimal", "feasible"])
                   & ~summary["scenario"].astype(str).str.match(COMMITMENT)]
    recs = []
    for r in rows.to_dict("records"):
        dm = float(r.get("delta_cost") or 0.0)
        dm = 0.0 if dm != dm else dm
        ds = float(r.get("delta_shortfall") or 0.0)
        ds = 0.0 if ds != ds else ds
        leave = _items(r.get("nations_leave"))
        join = _items(r.get("nations_join"))
        short = _items(r.get("roles_short"))
        fw = r.get("framework")
        switch = bool(base_framework) and isinstance(fw, str) and fw != base_framework
        rel = abs(dm) / base_money if base_money else 0.0
        if short or ds > 1e-9 or switch:
            sev = "severe"
        elif len(leave) >= 3 or (dm > 0 and rel >= 0.10):
            sev = "major"
        elif leave or (dm > 0 and rel >= 0.01):
            sev = "moderate"
        elif abs(dm) > 1e-9 or join or abs(float(r.get("delta_objective") or 0.0)) > 1e-9:
            sev = "minor"
        else:
            sev = "no change"
        desc = r.get("description")
        desc = desc if isinstance(desc, str) and desc.strip() else ""
        label = desc if len(desc) >= 25 else f"{r['scenario']}: {desc}".rstrip(": ")
        recs.append({"what-if": label,
                     "severity": sev, "money change": dm, "shortfall change": ds, "roles short": len(short),
                     "nations leaving": len(leave), "nations joining": len(join),
                     "framework": "stays" if not switch else "→ " + _name(fw_names, fw),
                     "roles short (strength)": "; ".join(_role_item(x, role_names or {}) for x in short),
                     "scenario": str(r["scenario"])})
    df = pd.DataFrame(recs, columns=["what-if", "severity", "money change", "shortfall change", "roles short",
                                     "nations leaving", "nations joining", "framework",
                                     "roles short (strength)", "scenario"])
    if not len(df):
        return df
    df["_s"] = df["severity"].map(SEVERITY.index)
    df = df.sort_values(["_s", "roles short", "shortfall change", "nations leaving", "money change"],
                        ascending=[True, False, False, False, False], kind="stable")
    return df.drop(columns="_s").reset_index(drop=True)


def named_changes(ch: dict | None, fw_names: dict, nat_names: dict, role_names: dict, most: int = 5) -> str:
    """What changed against the optimum (solver.results.compare.changes) in names, not codes: the
    framework switch, who joins and leaves (named when few), the roles whose coverage moves."""
    if not ch:
        return ""

    def names(xs: list[str]) -> str:
        named = [_name(nat_names, x) for x in xs]
        return ", ".join(named) if len(named) <= most else f"{len(named)} nations ({', '.join(named[:most])}, …)"

    parts = []
    if ch.get("framework"):
        parts.append(f"framework {_name(fw_names, ch['framework']['from'])} → {_name(fw_names, ch['framework']['to'])}")
    if ch.get("nations_join"):
        parts.append("join " + names(ch["nations_join"]))
    if ch.get("nations_leave"):
        parts.append("leave " + names(ch["nations_leave"]))
    roles = ch.get("roles") or []
    moved = [f"{_name(role_names, r['role'])} {r['before']:g}→{r['after']:g}" for r in roles
             if abs(r["before"] - r["after"]) > 1e-9]
    if moved:
        parts.append("coverage " + ", ".join(moved))
    elif roles and not parts:
        parts.append("; ".join(f"{_name(role_names, r['role'])}: " + ", ".join(
            f"{_name(nat_names, x['nation'])} {x['from']:g}→{x['to']:g}" for x in r["nations"]) for r in roles))
    return "; ".join(parts) if parts else "same nation-role pattern"


def rename_codes(text: str, fw_names: dict, nat_names: dict, role_names: dict) -> str:
    """A line written with codes (solver.results.compare.brief) in names: nation codes anywhere, a
    framework code after 'framework' or an arrow, a role code before its numbers."""
    text = re.sub(r"\b[A-Z]{3}\b", lambda m: str(nat_names.get(m.group(0), m.group(0))), text)
    if fw_names:
        fws = "|".join(re.escape(str(k)) for k in sorted(fw_names, key=len, reverse=True))
        text = re.sub(rf"(?<=framework )({fws})\b|(?<=→ )({fws})\b|^({fws})(?=:)",
                      lambda m: str(fw_names[m.group(0)]), text)
    if role_names:
        rs = "|".join(re.escape(str(k)) for k in sorted(role_names, key=len, reverse=True))
        text = re.sub(rf"\b({rs})(?= -?[\d.]+→)", lambda m: str(role_names[m.group(0)]), text)
        text = re.sub(rf"'({rs})'", lambda m: str(role_names[m.group(1)]), text)
    return text


def computed_thresholds(doc: dict, frameworks: list[dict]) -> dict | None:
    """MODEL.md's thresholds from the per-framework optima the explanation already holds, for a
    solution document written without them (same formulas: C_f = objective - W r_f, r_f = -ln P_f).

    None with lexicographic priorities, a zero approval weight, no chosen framework, or no other
    framework able to carry the force. The risk term depends on the framework alone, so each
    C_g is the same at every weight and the ends of the weight range are exact."""
    w = float((doc.get("weights") or {}).get("approval_risk") or 0.0)
    chosen = doc.get("framework")
    if doc.get("lexicographic") or w <= 0 or chosen is None:
        return None

    def r(p) -> float | None:
        return None if p is None or p <= 0 else -math.log(p)

    me = next((f for f in frameworks if f["framework"] == chosen), None)
    others = [f for f in frameworks if f["framework"] != chosen and f.get("objective") is not None
              and f.get("status") != "vetoed" and r(f.get("approval_probability")) is not None]
    if me is None or me.get("objective") is None or r(me.get("approval_probability")) is None or not others:
        return None
    r_f = r(me["approval_probability"])
    c_f = float(me["objective"]) - w * r_f
    best = min(others, key=lambda g: g["objective"])
    floor = math.exp((c_f - float(best["objective"])) / w) if r_f > 1e-12 else None
    low = high = s_low = s_high = None
    for g in others:
        r_g = r(g["approval_probability"])
        c_g = float(g["objective"]) - w * r_g
        if abs(r_f - r_g) <= 1e-12:
            continue
        end = (c_g - c_f) / (r_f - r_g)
        if r_f > r_g and (high is None or end < high):
            high, s_high = end, g["framework"]
        elif r_f < r_g and end > 0 and (low is None or end > low):
            low, s_low = end, g["framework"]
    return {"framework": chosen, "approval_floor": None if floor is None else min(floor, 1.0),
            "successor": None if floor is None else best["framework"],
            "weight_range": [low, high], "weight_successors": [s_low, s_high]}
