"""Random instances as plain Python data, written to files in varied spellings.

The typed dict (``spec``) is the single source of truth for the independent
checks in the tests: the reference model, the brute-force enumeration and the
allocation checker read it directly and never use forcealloc's reader,
validator or eligibility code. Files are written with random but equivalent
spellings (yes/TRUE/1, blanks for defaults, ``all`` or a full list) so the
reader is exercised too.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import yaml

GROUPS = ["nato", "eu", "unsc_p5", "coalition", "none"]

COLUMNS = {
    "nations": ["nation", "name", "nato", "eu", "coalition", "unsc_p5", "enabler_only", "in_theatre",
                "lead_capable", "max_share", "budget"],
    "frameworks": ["framework", "name", "approval_group", "enablers_reach", "setup_cost"],
    "consent": ["nation", "framework", "approval", "approval_probability", "contributes"],
    "roles": ["role", "name", "requirement", "capacity", "needed_by", "in_theatre", "enabler", "frameworks",
              "min_nations", "max_enabler_share", "shortfall_penalty", "lead_only"],
    "assets": ["asset", "nation", "capability", "strength", "cost", "ready_day", "must_deploy", "available_under"],
    "capabilities": ["capability", "role", "effectiveness"],
    "suitability": ["asset", "role", "effectiveness", "cost", "footprint"],
    "caveats": ["nation", "role"],
    "links": ["nation", "kind", "target"],
}
DEFAULTS = {
    "nato": False, "eu": False, "coalition": True, "unsc_p5": False, "enabler_only": False, "in_theatre": True,
    "lead_capable": False, "max_share": 1.0, "enablers_reach": False, "setup_cost": 0.0, "approval": "approve",
    "approval_probability": 1.0, "contributes": True, "requirement": 0.0, "enabler": False, "min_nations": 0,
    "max_enabler_share": 1.0, "lead_only": False, "cost": 0.0, "ready_day": 0.0, "must_deploy": False,
    "effectiveness": 1.0, "approval_group": "none",
}


def random_spec(seed: int, size: str = "small") -> dict:
    """A random instance touching every table and column of MODEL.md.

    ``tiny`` keeps the assignment space small enough to enumerate; ``small`` is
    for comparison against the reference model.
    """
    rnd = random.Random(seed)
    tiny = size == "tiny"
    nf = rnd.randint(2, 3) if tiny else rnd.randint(2, 4)
    nn = rnd.randint(2, 3) if tiny else rnd.randint(3, 6)
    nr = rnd.randint(2, 3) if tiny else rnd.randint(3, 5)
    frameworks = [f"F{i}" for i in range(nf)]
    nations, roles = [f"N{i}" for i in range(nn)], [f"R{i}" for i in range(nr)]
    spec: dict = {t: [] for t in COLUMNS}

    for i, n in enumerate(nations):
        enabler_only = i == nn - 1 and rnd.random() < 0.5
        spec["nations"].append({
            "nation": n, "name": f"Nation {i}", "nato": rnd.random() < 0.6, "eu": rnd.random() < 0.5,
            "coalition": not enabler_only and rnd.random() < 0.85, "unsc_p5": rnd.random() < 0.3,
            "enabler_only": enabler_only, "in_theatre": not enabler_only and rnd.random() < 0.95,
            "lead_capable": rnd.random() < 0.4,
            "max_share": rnd.choice([1.0, 1.0, 0.6, 0.8]) if not tiny else rnd.choice([1.0, 1.0, 0.7]),
            "budget": rnd.choice([None, None, None, float(rnd.randint(5, 25))]),
        })
    for f in frameworks:
        spec["frameworks"].append({
            "framework": f, "name": f"Framework {f}", "approval_group": rnd.choice(GROUPS),
            "enablers_reach": rnd.random() < 0.5, "setup_cost": float(rnd.choice([0, 0, 2, 5])),
        })
    for n in nations:
        for f in frameworks:
            if rnd.random() < 0.35:
                spec["consent"].append({
                    "nation": n, "framework": f,
                    "approval": rnd.choices(["approve", "abstain", "veto"], [6, 2, 1])[0],
                    "approval_probability": rnd.choice([1.0, 0.9, 0.5]), "contributes": rnd.random() < 0.8,
                })
    caps = [f"C{i}" for i in range(rnd.randint(2, 3))]
    for c in caps:
        for r in rnd.sample(roles, rnd.randint(1, min(2, nr))):
            spec["capabilities"].append({"capability": c, "role": r, "effectiveness": rnd.choice([1.0, 1.0, 0.5, 1.5])})

    na = rnd.randint(4, 6) if tiny else rnd.randint(8, 18)
    assets = []
    while len(assets) < na:
        n = rnd.choice(nations)
        copies = 1 if tiny else rnd.choice([1, 1, 2, 3])  # identical units: aggregation at work
        attrs = {"nation": n, "capability": rnd.choice(caps), "strength": float(rnd.randint(1, 6)),
                 "cost": float(rnd.randint(0, 9)), "ready_day": float(rnd.choice([0, 0, 10, 30])),
                 "must_deploy": rnd.random() < 0.03,
                 "available_under": None if rnd.random() < 0.75 else sorted(rnd.sample(frameworks, rnd.randint(1, nf)))}
        for _ in range(copies):
            a = f"A{len(assets):02d}"
            assets.append(a)
            spec["assets"].append({"asset": a, **attrs})
    for a in rnd.sample(assets, min(len(assets), rnd.randint(0, 3))):
        spec["suitability"].append({
            "asset": a, "role": rnd.choice(roles),
            "effectiveness": rnd.choice([None, 0.5, 2.0]), "cost": rnd.choice([None, float(rnd.randint(0, 9))]),
            "footprint": rnd.choice([None, float(rnd.randint(1, 5))]),
        })
    for n in nations:
        if rnd.random() < 0.25:
            spec["caveats"].append({"nation": n, "role": rnd.choice(roles)})

    strength = {r: 0.0 for r in roles}
    for a in spec["assets"]:
        for c in spec["capabilities"]:
            if c["capability"] == a["capability"]:
                strength[c["role"]] += a["strength"] * c["effectiveness"]
    for i, r in enumerate(roles):
        fw = None if rnd.random() < 0.7 else sorted(rnd.sample(frameworks, rnd.randint(1, nf)))
        enabler = rnd.random() < 0.4
        spec["roles"].append({
            "role": r, "name": f"Role {i}",
            "requirement": float(math.floor(strength[r] * rnd.choice([0.0, 0.1, 0.2, 0.35]))),
            "capacity": rnd.choice([None, None, float(rnd.randint(4, 20))]),
            "needed_by": rnd.choice([None, None, 10.0, 20.0]),
            "in_theatre": rnd.random() < 0.6, "enabler": enabler, "frameworks": fw,
            "min_nations": rnd.choice([0, 0, 0, 0, 1, 2]),
            "max_enabler_share": rnd.choice([1.0, 0.5]),
            "shortfall_penalty": rnd.choice([None, None, float(rnd.randint(1, 30))]),
            "lead_only": rnd.random() < 0.1,
        })
    for n in nations:
        if rnd.random() < 0.2:
            spec["links"].append({"nation": n, "kind": "requires_nation", "target": rnd.choice(nations)})
        if rnd.random() < 0.2:
            spec["links"].append({"nation": n, "kind": "requires_role", "target": rnd.choice(roles)})
    spec["settings"] = {
        "name": f"random-{size}-{seed}",
        "min_coalition_nations": rnd.choice([0, 0, 0, 1, 2]),
        "objective": {"cost": rnd.choice([1.0, 1.0, 0.5]), "approval_risk": rnd.choice([0.0, 3.0]),
                      "enabler_dependence": rnd.choice([0.0, 0.5])},
    }
    return spec


# --------------------------------------------------------------------------- writing
def _spell(rnd: random.Random, table: str, column: str, value) -> str:
    """A random but equivalent spelling; blank where the value is the default."""
    if table != "suitability" and column in DEFAULTS and value == DEFAULTS[column] and rnd.random() < 0.4:
        return ""
    if value is None:
        return "" if column not in ("frameworks", "available_under") else rnd.choice(["", "all", "ALL"])
    if isinstance(value, bool):
        spelling = rnd.choice([("yes", "no"), ("true", "false"), ("1", "0"), ("TRUE", "FALSE"), ("Yes", "No")])
        return spelling[0 if value else 1]
    if isinstance(value, list):
        return rnd.choice([";", "; "]).join(value)
    if isinstance(value, float) and value.is_integer():
        return rnd.choice([str(int(value)), f"{value:.1f}"])
    return str(value)


def write_spec(spec: dict, dest: Path, seed: int = 0) -> Path:
    """Write a spec as a CSV folder + instance.yaml in random equivalent spellings."""
    rnd = random.Random(seed)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for table, cols in COLUMNS.items():
        rows = list(spec[table])
        if table in ("caveats", "links") and rows and rnd.random() < 0.3:
            rows.append(rnd.choice(rows))  # sets: a repeated row is a warning and counts once (MODEL.md)
        with open(dest / f"{table}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for r in rows:
                w.writerow([_spell(rnd, table, c, r.get(c)) for c in cols])
    (dest / "instance.yaml").write_text(yaml.safe_dump(spec["settings"]))
    return dest
