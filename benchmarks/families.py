"""A second instance generator, written from MODEL.md with a structure forcealloc was not
tuned on: force lists offered as catalogue units (several identical units per nation and
capability), many nations, few roles, tight budgets and burden shares.

Deterministic in its seed. Not part of the product: a benchmark family beside
``forcealloc generate``, the GAP files and the bundled what-ifs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATALOGUE = {  # unit type: (strength, cost)
    "mech_bde": (40, 230), "inf_bn": (10, 60), "armd_bn": (12, 80), "recce_coy": (4, 22), "ftr_sqn": (12, 140),
    "frigate": (10, 70), "mcm": (5, 25), "sam_bty": (10, 60), "shorad": (4, 20), "field_hosp": (10, 35),
    "uav_sqn": (10, 30), "isr_ac": (15, 45), "log_bn": (8, 40), "airlift": (10, 50), "eng_bn": (8, 45),
}
GROUPS = [  # role family: the unit types that fill it, with effectiveness
    {"mech_bde": 1.0, "inf_bn": 1.0, "armd_bn": 1.2}, {"recce_coy": 1.0, "uav_sqn": 0.5},
    {"ftr_sqn": 1.0}, {"frigate": 1.0, "mcm": 1.0}, {"sam_bty": 1.0, "shorad": 1.0, "inf_bn": 0.3},
    {"field_hosp": 1.0}, {"uav_sqn": 1.0, "isr_ac": 1.0}, {"log_bn": 1.0, "airlift": 1.0}, {"eng_bn": 1.0},
]


def catalogue(seed: int, nations: int = 40, assets: int = 1_000, roles: int = 20) -> tuple[dict, dict]:
    """Tables and settings of one catalogue instance."""
    rng = np.random.default_rng(10_000 + seed)
    codes = [f"C{i:02d}" for i in range(nations)]
    big = set(codes[: max(3, nations // 10)])
    nato, eu = rng.random(nations) < 0.8, rng.random(nations) < 0.6
    factor = np.round(rng.uniform(0.8, 1.3, nations), 2)
    units = []
    per_nation = np.maximum(4, rng.multinomial(assets, rng.dirichlet(np.ones(nations) * 1.5)))
    for i, n in enumerate(codes):
        kinds = rng.choice(list(CATALOGUE), size=rng.integers(2, 6), replace=False)
        left = int(per_nation[i])
        for j, k in enumerate(kinds):
            count = left if j == len(kinds) - 1 else int(rng.integers(1, max(2, left // 2 + 1)))
            left -= count
            strength, cost = CATALOGUE[k]
            for u in range(max(count, 0)):
                units.append({"asset": f"{n}-{k}-{u + 1}", "nation": n, "capability": k, "strength": strength,
                              "cost": round(cost * factor[i], 1)})
            if left <= 0:
                break
    assets_df = pd.DataFrame(units).head(assets)
    role_rows, caps = [], []
    for r in range(roles):
        group = GROUPS[r % len(GROUPS)]
        role = f"R{r:02d}"
        for cap, eff in group.items():
            caps.append({"capability": cap, "role": role, "effectiveness": eff})
        role_rows.append({"role": role, "frameworks": "all" if r % 7 else "coalition;nato", "min_nations": int(rng.integers(1, 4)),
                          "in_theatre": r % len(GROUPS) not in (6, 7)})
    roles_df = pd.DataFrame(role_rows)
    cap_df = pd.DataFrame(caps)
    # requirements: a share of what the nations offer for each role, split between roles of a family
    supply = assets_df.merge(cap_df, on="capability")
    supply["e"] = supply["strength"] * supply["effectiveness"]
    per_role = supply.groupby("role")["e"].sum()
    same_family = roles_df["role"].map(lambda r: sum(1 for x in range(roles) if x % len(GROUPS) == int(r[1:]) % len(GROUPS)))
    roles_df["requirement"] = [round(float(per_role.get(r, 0)) * rng.uniform(0.25, 0.4) / k)
                               for r, k in zip(roles_df["role"], same_family, strict=True)]
    roles_df["capacity"] = (roles_df["requirement"] * rng.uniform(1.3, 1.8, roles)).round()
    nation_cost = assets_df.groupby("nation")["cost"].sum()
    nations_df = pd.DataFrame({
        "nation": codes, "name": [f"Catalogue nation {i}" for i in range(nations)], "nato": nato, "eu": eu,
        "lead_capable": [n in big for n in codes],
        "max_share": [0.22 if n in big else 1.0 for n in codes],
        "budget": [round(float(nation_cost.get(n, 0)) * rng.uniform(0.45, 0.75), 1) if rng.random() < 0.6 else None
                   for n in codes],
    })
    consent = []
    for n in codes:
        if rng.random() < 0.15:
            consent.append({"nation": n, "framework": "nato", "approval": "approve",
                            "approval_probability": round(rng.uniform(0.7, 0.95), 2), "contributes": "no"})
        if rng.random() < 0.2:
            consent.append({"nation": n, "framework": "eu", "approval": "approve", "approval_probability": 1.0,
                            "contributes": "no"})
    frameworks = pd.DataFrame([
        {"framework": "nato", "approval_group": "nato", "enablers_reach": True, "setup_cost": 40},
        {"framework": "eu", "approval_group": "eu", "enablers_reach": False, "setup_cost": 90},
        {"framework": "coalition", "approval_group": "none", "enablers_reach": False, "setup_cost": 60}])
    links = [{"nation": codes[i], "kind": "requires_nation", "target": codes[0]} for i in range(5, 9)]
    caveats = [{"nation": codes[i], "role": f"R{(i * 3) % roles:02d}"} for i in range(10, 16)]
    tables = {"nations": nations_df, "frameworks": frameworks, "consent": pd.DataFrame(consent), "roles": roles_df,
              "assets": assets_df, "capabilities": cap_df, "caveats": pd.DataFrame(caveats),
              "links": pd.DataFrame(links)}
    settings = {"name": f"catalogue-{seed}", "min_coalition_nations": nations // 3,
                "objective": {"cost": 1.0, "approval_risk": 50.0, "enabler_dependence": 0.0}}
    return tables, settings
