"""An instance folder read into the typed spec of tests/spec.py with the csv module alone
(no forcealloc reader or validator), so tests/reference.py can re-solve the bundled
instance independently."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from spec import COLUMNS, DEFAULTS

BOOL = {"true": True, "yes": True, "1": True, "y": True, "t": True,
        "false": False, "no": False, "0": False, "n": False, "f": False}
FLOATS = {"max_share", "budget", "setup_cost", "approval_probability", "requirement", "capacity", "needed_by",
          "max_enabler_share", "shortfall_penalty", "strength", "cost", "ready_day", "effectiveness", "footprint"}
INTS = {"min_nations"}
BOOLS = {"nato", "eu", "coalition", "unsc_p5", "enabler_only", "in_theatre", "lead_capable", "enablers_reach",
         "contributes", "enabler", "lead_only", "must_deploy"}
LISTS = {"frameworks", "available_under"}
NO_DEFAULT = {"budget", "capacity", "needed_by", "shortfall_penalty"}
PER_TABLE_NONE = {("suitability", "effectiveness"), ("suitability", "cost"), ("suitability", "footprint")}


def _value(table: str, col: str, text: str):
    text = text.strip()
    if text == "":
        if (table, col) in PER_TABLE_NONE or col in NO_DEFAULT or col in LISTS:
            return None
        if col == "name":
            return None
        return DEFAULTS.get(col)
    if col in BOOLS:
        return BOOL[text.lower()]
    if col in INTS:
        return int(float(text))
    if col in FLOATS:
        return float(text)
    if col in LISTS:
        items = [i.strip() for i in text.split(";") if i.strip()]
        return None if items == ["all"] else items
    if col in ("approval", "approval_group"):
        return text.lower()
    return text


def spec_from_folder(path: Path) -> dict:
    """The spec (tables as lists of dicts with typed values, and settings) of a CSV folder."""
    spec: dict = {}
    for table, cols in COLUMNS.items():
        f = path / f"{table}.csv"
        rows = list(csv.DictReader(f.open(newline="", encoding="utf-8"))) if f.exists() else []
        spec[table] = [{c: _value(table, c, r.get(c) or "") for c in cols} for r in rows]
        if table in ("caveats", "links"):  # sets
            seen, unique = set(), []
            for r in spec[table]:
                k = tuple(r.values())
                if k not in seen:
                    seen.add(k)
                    unique.append(r)
            spec[table] = unique
    settings = yaml.safe_load((path / "instance.yaml").read_text()) or {}
    spec["settings"] = {"min_coalition_nations": settings.get("min_coalition_nations", 0),
                        "objective": {k: v for k, v in (settings.get("objective") or {}).items()
                                      if k in ("cost", "approval_risk", "enabler_dependence")}}
    return spec
