"""Generate valid instances with the structure of real force lists, deterministically.

Nations pledge several identical units of a type (battalions, squadrons); a few
framework nations provide most of the capability; consent and caveats follow
alliance membership; requirements are tight but feasible under the NATO
framework; a US-like enabler nation (enabler-only, never in theatre, reachable
only through NATO) and a soft backstop role exist. The same arguments and seed
give the same files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SIZES = {  # nations, assets, roles
    "S": (30, 300, 12),
    "M": (60, 3_000, 30),
    "L": (100, 20_000, 60),
    "XL": (150, 100_000, 80),
}

# role family: (unit types, in_theatre, enabler, share of the role list)
FAMILIES = {
    "land": (["mech_bde", "inf_bn", "armd_bn", "recce_coy"], True, False),
    "air": (["ftr_sqn", "tanker"], True, False),
    "maritime": (["frigate", "mcm", "patrol"], True, False),
    "air_defence": (["sam_bty", "shorad"], True, False),
    "medical": (["field_hosp", "med_coy"], True, False),
    "isr": (["uav_sqn", "isr_ac"], False, True),
    "logistics": (["log_bn", "airlift"], False, True),
    "engineers": (["eng_bn", "eod_team"], True, False),
}
# unit type: (strength, cost per unit, cost spread)
UNIT = {
    "mech_bde": (40, 230), "inf_bn": (10, 60), "armd_bn": (12, 80), "recce_coy": (4, 22),
    "ftr_sqn": (12, 140), "tanker": (6, 60), "frigate": (10, 70), "mcm": (5, 25), "patrol": (3, 12),
    "sam_bty": (10, 60), "shorad": (4, 20), "field_hosp": (10, 35), "med_coy": (4, 14),
    "uav_sqn": (10, 30), "isr_ac": (15, 45), "log_bn": (8, 40), "airlift": (10, 50),
    "eng_bn": (8, 45), "eod_team": (3, 15),
}
ENABLER_UNITS = {"isr": ("us_isr", 40, 10), "logistics": ("us_airlift", 30, 15)}


@dataclass(frozen=True)
class GeneratorSpec:
    nations: int
    assets: int
    roles: int
    seed: int = 0


def _roles(n_roles: int) -> pd.DataFrame:
    """Lead HQ and backstop, then the families in turn as numbered sectors."""
    rows = [
        {"role": "lead_hq", "name": "Lead headquarters", "family": "lead", "in_theatre": True, "enabler": False,
         "frameworks": "coalition", "lead_only": True},
        {"role": "backstop", "name": "US backstop", "family": "backstop", "in_theatre": False, "enabler": True,
         "frameworks": "all", "lead_only": False},
    ]
    fams = list(FAMILIES)
    i = 0
    while len(rows) < n_roles:
        fam = fams[i % len(fams)]
        k = i // len(fams) + 1
        _, it, en = FAMILIES[fam]
        rows.append({"role": f"{fam}-{k}", "name": f"{fam.replace('_', ' ').title()} {k}", "family": fam,
                     "in_theatre": it, "enabler": en, "frameworks": "all", "lead_only": False})
        i += 1
    return pd.DataFrame(rows[:n_roles] if n_roles >= 2 else rows[:n_roles])


def generate(spec: GeneratorSpec) -> tuple[dict[str, pd.DataFrame], dict]:
    """Tables (as MODEL.md's columns) and settings for one generated instance."""
    rng = np.random.default_rng(spec.seed)
    nn = max(spec.nations, 8)
    # ---- nations: framework nations first, then the rest; a US-like enabler; two P5 voters
    codes = [f"N{i:03d}" for i in range(nn)]
    framework_nations = max(2, nn // 15)
    nato = rng.random(nn) < 0.75
    eu = rng.random(nn) < 0.6
    nato[:framework_nations] = True
    nations = pd.DataFrame({
        "nation": codes, "name": [f"Nation {i}" for i in range(nn)],
        "nato": nato, "eu": eu, "coalition": True, "unsc_p5": False, "enabler_only": False,
        "in_theatre": rng.random(nn) < 0.97, "lead_capable": False, "max_share": 1.0, "budget": np.nan,
    })
    nations.loc[: framework_nations - 1, ["lead_capable", "in_theatre"]] = True
    nations.loc[:1, "unsc_p5"] = True
    nations.loc[: framework_nations - 1, "max_share"] = 0.35
    small = rng.choice(np.arange(framework_nations, nn), size=max(1, nn // 10), replace=False)
    extra = pd.DataFrame({
        "nation": ["USE", "P5A", "P5B"], "name": ["US-like enabler", "Permanent member A", "Permanent member B"],
        "nato": [True, False, False], "eu": False, "coalition": False, "unsc_p5": True,
        "enabler_only": [True, False, False], "in_theatre": [False, True, True], "lead_capable": False,
        "max_share": 1.0, "budget": np.nan,
    })

    # ---- roles and capabilities
    roles = _roles(max(spec.roles, 2))
    caps = []
    for fam, (units, _, _) in FAMILIES.items():
        fam_roles = roles.loc[roles["family"] == fam, "role"].tolist()
        for u in units:
            for r in fam_roles:
                caps.append((u, r, 1.0))
    land_roles = roles.loc[roles["family"] == "land", "role"].tolist()
    for r in land_roles:  # short-range air defence from infantry, a lesser effect
        caps.append(("shorad", r, 0.5))
    caps += [("corps_hq", "lead_hq", 1.0), ("us_backstop", "backstop", 1.0)]
    for fam, (u, _, _) in ENABLER_UNITS.items():
        for r in roles.loc[roles["family"] == fam, "role"]:
            caps.append((u, r, 1.0))
    capabilities = pd.DataFrame(caps, columns=["capability", "role", "effectiveness"]).drop_duplicates(["capability", "role"])
    used_fams = [f for f in FAMILIES if (roles["family"] == f).any()]

    # ---- assets: pledges of identical units; framework nations pledge most
    weight = 1.0 / np.arange(1, nn + 1) ** 0.8
    weight[:framework_nations] *= 3
    weight /= weight.sum()
    n_pledged = spec.assets - 3 - framework_nations  # minus US and the HQs
    owners, types, counts = [], [], []
    total = 0
    types_all = [u for f in used_fams for u in FAMILIES[f][0]]
    while total < n_pledged:
        # every nation pledges something; after that the big ones pledge more
        n = len(owners) if len(owners) < nn else int(rng.choice(nn, p=weight))
        u = types_all[int(rng.integers(len(types_all)))]
        c = int(min(n_pledged - total, rng.integers(1, 9)))
        owners.append(n)
        types.append(u)
        counts.append(c)
        total += c
    pledge = pd.DataFrame({"n": owners, "capability": types, "count": counts})
    # a nation's units of one type cost the same; pledges differ in readiness
    factor = rng.uniform(0.8, 1.25, (nn, len(UNIT))).round(2)
    type_index = {u: i for i, u in enumerate(UNIT)}
    pledge["cost_factor"] = factor[pledge["n"].to_numpy(), pledge["capability"].map(type_index).to_numpy()]
    pledge["ready_day"] = rng.choice([0, 0, 0, 15, 45], len(pledge))
    rows = np.repeat(np.arange(len(pledge)), pledge["count"].to_numpy())
    a = pledge.iloc[rows].reset_index(drop=True)
    a["k"] = a.groupby(["n", "capability"]).cumcount() + 1
    strength = a["capability"].map(lambda u: UNIT[u][0]).to_numpy(dtype=float)
    base_cost = a["capability"].map(lambda u: UNIT[u][1]).to_numpy(dtype=float)
    assets = pd.DataFrame({
        "asset": [f"{codes[n]}-{u}-{k}" for n, u, k in zip(a["n"], a["capability"], a["k"], strict=True)],
        "nation": [codes[n] for n in a["n"]],
        "capability": a["capability"].to_numpy(),
        "strength": strength,
        "cost": np.round(base_cost * a["cost_factor"].to_numpy(), 1),
        "ready_day": a["ready_day"].to_numpy(dtype=float),
        "must_deploy": False,
        "available_under": "all",
    })
    hqs = pd.DataFrame({"asset": [f"{codes[i]}-corps-hq" for i in range(framework_nations)],
                        "nation": codes[:framework_nations], "capability": "corps_hq", "strength": 20.0,
                        "cost": 80.0, "ready_day": 0.0, "must_deploy": False, "available_under": "all"})
    us = pd.DataFrame({"asset": ["USE-isr", "USE-airlift", "USE-backstop"], "nation": "USE",
                       "capability": ["us_isr", "us_airlift", "us_backstop"], "strength": [40.0, 30.0, 50.0],
                       "cost": [10.0, 15.0, 0.0], "ready_day": 0.0, "must_deploy": False, "available_under": "all"})
    assets = pd.concat([assets, hqs, us], ignore_index=True)
    # a framework nation's first brigade-sized pledge is politically committed
    first = assets.index[(assets["nation"] == codes[0]) & (assets["capability"].isin(["mech_bde", "inf_bn"]))]
    if len(first):
        assets.loc[first[0], "must_deploy"] = True
    # some units are only offered for a European mission or a coalition
    restricted = rng.random(len(assets)) < 0.03
    assets.loc[restricted & (assets["nation"] != "USE"), "available_under"] = "eu;coalition"

    # ---- per-asset overrides: about 1 % of assets are better (or dearer) than their type
    pairs = assets[["asset", "capability"]].merge(capabilities, on="capability")
    pick = pairs.sample(n=max(1, len(assets) // 100), random_state=spec.seed)
    suitability = pd.DataFrame({"asset": pick["asset"], "role": pick["role"],
                                "effectiveness": rng.choice([1.2, 1.5, 0.8], len(pick)),
                                "cost": np.nan, "footprint": np.nan}).drop_duplicates(["asset", "role"])

    # ---- budgets for small nations: generous enough to matter only at the margin
    pledged = assets.groupby("nation")["cost"].sum()
    for i in small:
        nations.loc[i, "budget"] = round(float(pledged.get(codes[i], 0.0)) * 0.6, 1)
    nations = pd.concat([nations, extra], ignore_index=True)

    # ---- consent: a few nations hesitate about NATO command; non-EU nations stay out of EU missions
    consent = []
    for i, c in enumerate(codes):
        if i >= framework_nations and rng.random() < 0.12:
            consent.append((c, "nato", "approve", 1.0, False))
        if not nations.loc[i, "eu"] and rng.random() < 0.5:
            consent.append((c, "eu", "approve", 1.0, False))
    consent += [("P5A", "un", "veto", 1.0, False), ("P5B", "un", "abstain", 0.7, False),
                ("USE", "nato", "approve", 0.8, True)]
    for i in rng.choice(np.arange(framework_nations, nn), size=max(1, nn // 12), replace=False):
        consent.append((codes[i], "eu", "abstain", 0.6, True))
    consent_df = pd.DataFrame(consent, columns=["nation", "framework", "approval", "approval_probability", "contributes"])
    consent_df = consent_df.drop_duplicates(["nation", "framework"], keep="last")

    # ---- caveats and links
    caveats = pd.DataFrame({"nation": rng.choice(codes[framework_nations:], size=max(1, nn // 8)),
                            "role": rng.choice(roles["role"].to_numpy()[2:] if len(roles) > 2 else roles["role"].to_numpy(),
                                               size=max(1, nn // 8))}).drop_duplicates()
    linked = rng.choice(np.arange(framework_nations, nn), size=max(1, nn // 10), replace=False)
    links = pd.DataFrame({"nation": [codes[i] for i in linked], "kind": "requires_role", "target": "backstop"})
    followers = rng.choice(np.arange(framework_nations, nn), size=max(1, nn // 15), replace=False)
    links = pd.concat([links, pd.DataFrame({
        "nation": [codes[i] for i in followers], "kind": "requires_nation",
        "target": [codes[int(rng.integers(framework_nations))] for _ in followers]})], ignore_index=True)
    links = links.drop_duplicates(["nation", "kind", "target"])

    # ---- requirements: a share of what could serve under NATO, tight but feasible
    roles = _requirements(rng, roles, nations, assets, capabilities, consent_df, caveats)
    settings = {
        "name": f"generated-n{spec.nations}-a{spec.assets}-r{spec.roles}-s{spec.seed}",
        "description": "Generated by forcealloc generate: synthetic, for benchmarks.",
        "min_coalition_nations": max(3, nn // 5),
        "objective": {"cost": 1.0, "approval_risk": 50.0, "enabler_dependence": 0.2},
    }
    tables = {"nations": nations, "frameworks": _frameworks(), "consent": consent_df,
              "roles": roles.drop(columns=["family"]), "assets": assets, "capabilities": capabilities,
              "suitability": suitability, "caveats": caveats, "links": links}
    return {k: _cells(v) for k, v in tables.items()}, settings


def _frameworks() -> pd.DataFrame:
    return pd.DataFrame({
        "framework": ["nato", "eu", "un", "coalition"],
        "name": ["NATO command and control", "EU mission", "UN-coordinated mission", "Lead-nation coalition"],
        "approval_group": ["nato", "eu", "unsc_p5", "none"],
        "enablers_reach": [True, False, False, False],
        "setup_cost": [40.0, 90.0, 120.0, 60.0],
    })


def _requirements(rng, roles, nations, assets, capabilities, consent, caveats) -> pd.DataFrame:
    """Requirement = a share of the strength that could serve the role under NATO.

    Units that serve several roles are split between them in proportion, and the
    share (35-55 %) leaves room for everyone's consent, caveats and readiness, so
    the instance stays feasible while every role binds.
    """
    refuse = set(map(tuple, consent.loc[~consent["contributes"].astype(bool) & (consent["framework"] == "nato"),
                                      ["nation"]].to_numpy()))
    ok = assets[~assets["nation"].map(lambda n: (n,) in refuse) & assets["available_under"].eq("all")]
    p = ok.merge(capabilities, on="capability")
    p = p[~p.set_index(["nation", "role"]).index.isin(caveats.set_index(["nation", "role"]).index)]
    fanout = p.groupby("asset")["role"].transform("size")
    p = p.assign(e=p["strength"] * p["effectiveness"] / fanout)
    enabler = nations.set_index("nation")["enabler_only"]
    own = p[~p["nation"].map(enabler).astype(bool)].groupby("role")["e"].sum()
    roles = roles.copy()
    share = rng.uniform(0.35, 0.55, len(roles))
    roles["requirement"] = [round(float(own.get(r, 0.0)) * s) for r, s in zip(roles["role"], share, strict=True)]
    roles.loc[roles["role"] == "lead_hq", "requirement"] = 20
    roles.loc[roles["role"] == "backstop", "requirement"] = 50
    roles["capacity"] = np.nan
    roles["needed_by"] = np.where(roles["in_theatre"] & (rng.random(len(roles)) < 0.3), 30.0, np.nan)
    roles["min_nations"] = np.where(roles["requirement"] >= 60, 2, 0)
    roles["max_enabler_share"] = np.where(roles["enabler"], 0.5, 1.0)
    roles["shortfall_penalty"] = np.nan
    roles.loc[roles["role"] == "backstop", ["shortfall_penalty", "max_enabler_share"]] = [8.0, 1.0]
    roles.loc[roles["requirement"] <= 0, "requirement"] = 0
    return roles


def _cells(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as true/false and missing numbers blank, as in hand-written files."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = np.where(out[c], "true", "false")
    return out
