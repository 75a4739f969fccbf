"""Explanations checked by an independent formulation (tests/reference.py) on the spec.

The commitments of a random instance are listed and lifted here from the spec
itself, as the explain issue's table defines them, without forcealloc's code:
each reported conflict must be infeasible with only its members kept (every
other commitment lifted) and feasible when any one member is lifted; each repair,
applied, must be feasible with the stated objective; each forced-in and
"why not" difference must equal the reference's optimum with the same forcing.
"""

from __future__ import annotations

import copy

import pytest
from reference import Ref
from spec import random_spec, write_spec

from solver import SolveOptions, load_instance
from solver.analysis.conflicts import ExplainOptions
from solver.analysis.explain import explain

EXACT = SolveOptions(mip_gap=0)
ORDER = {"veto": ("nation", "framework"), "refusal": ("nation", "framework"), "caveat": ("nation", "role"),
         "link": ("nation", "link", "target"), "budget": ("nation",), "burden_share": ("nation",),
         "requirement": ("role",), "min_nations": ("role",), "enabler_share": ("role",), "capacity": ("role",),
         "readiness": ("role",), "must_deploy": ("asset",), "availability": ("asset",), "breadth": ()}


def spec_commitments(spec: dict) -> list[str]:
    """Every commitment of a spec, as ids kind:key:..., read from the MODEL.md tables."""
    ref = Ref(spec)
    out = []
    for c in spec["consent"]:
        if c["approval"] == "veto" and c["nation"] in ref.group(c["framework"]):
            out.append(f"veto:{c['nation']}:{c['framework']}")
        if not c["contributes"]:
            out.append(f"refusal:{c['nation']}:{c['framework']}")
    out += [f"caveat:{c['nation']}:{c['role']}" for c in spec["caveats"]]
    out += [f"link:{x['nation']}:{x['kind']}:{x['target']}" for x in spec["links"]]
    for n in spec["nations"]:
        if n["budget"] is not None:
            out.append(f"budget:{n['nation']}")
        if n["max_share"] < 1:
            out.append(f"burden_share:{n['nation']}")
    for r in spec["roles"]:
        for kind, on in (("requirement", r["requirement"] > 0), ("min_nations", r["min_nations"] > 0),
                         ("enabler_share", r["max_enabler_share"] < 1), ("capacity", r["capacity"] is not None),
                         ("readiness", r["needed_by"] is not None)):
            if on:
                out.append(f"{kind}:{r['role']}")
    every = {f["framework"] for f in spec["frameworks"]}
    for a in spec["assets"]:
        if a["must_deploy"]:
            out.append(f"must_deploy:{a['asset']}")
        if a["available_under"] is not None and set(a["available_under"]) != every:
            out.append(f"availability:{a['asset']}")
    if spec["settings"].get("min_coalition_nations", 0) > 0:
        out.append("breadth")
    return out


def lift(spec: dict, ids: set[str]) -> dict:
    """The spec with these commitments lifted, as the issue's table says."""
    s = copy.deepcopy(spec)
    for i in ids:
        kind, *k = i.split(":")
        if kind == "veto":
            for c in s["consent"]:
                if [c["nation"], c["framework"]] == k:
                    c["approval"] = "abstain"
        elif kind == "refusal":
            for c in s["consent"]:
                if [c["nation"], c["framework"]] == k:
                    c["contributes"] = True
        elif kind == "caveat":
            s["caveats"] = [c for c in s["caveats"] if [c["nation"], c["role"]] != k]
        elif kind == "link":
            s["links"] = [x for x in s["links"] if [x["nation"], x["kind"], x["target"]] != k]
        elif kind in ("budget", "burden_share"):
            for n in s["nations"]:
                if n["nation"] == k[0]:
                    n.update({"budget": None} if kind == "budget" else {"max_share": 1.0})
        elif kind in ("requirement", "min_nations", "enabler_share", "capacity", "readiness"):
            col, value = {"requirement": ("requirement", 0.0), "min_nations": ("min_nations", 0),
                          "enabler_share": ("max_enabler_share", 1.0), "capacity": ("capacity", None),
                          "readiness": ("needed_by", None)}[kind]
            for r in s["roles"]:
                if r["role"] == k[0]:
                    r[col] = value
        elif kind in ("must_deploy", "availability"):
            for a in s["assets"]:
                if a["asset"] == k[0]:
                    a.update({"must_deploy": False} if kind == "must_deploy" else {"available_under": None})
        elif kind == "breadth":
            s["settings"]["min_coalition_nations"] = 0
    return s


def cid(c: dict) -> str:
    return ":".join([c["kind"], *[c[k] for k in ORDER[c["kind"]]]])


SEEDS = [s for s in range(40) if len(Ref(random_spec(s)).F) >= 2][:11]


@pytest.mark.parametrize("seed", SEEDS)
def test_conflicts_repairs_and_differences_against_the_reference(seed, tmp_path):
    spec = random_spec(seed)
    inst = load_instance(write_spec(spec, tmp_path / "i", seed))
    everything = set(spec_commitments(spec))
    nations = [n["nation"] for n in spec["nations"]]
    roles = [r["role"] for r in spec["roles"]]
    ex = explain(inst, EXACT, ExplainOptions(max_conflicts=2), why_not=[f"{nations[0]}:{roles[0]}", nations[-1]])
    status, best = Ref(spec).optimum()
    assert (ex.optimum.objective is None) == (status == "infeasible")
    for row in ex.frameworks:
        f = row["framework"]
        truth = Ref(spec).optimum(framework=f)
        if row["objective"] is not None:
            assert truth[0] == "optimal" and row["objective"] == pytest.approx(truth[1], abs=1e-6), f
        else:
            assert truth[0] == "infeasible", f
        for conflict in row["conflicts"]:
            ids = {cid(c) for c in conflict}
            assert ids <= everything
            assert Ref(lift(spec, everything - ids)).optimum(framework=f)[0] == "infeasible", (f, ids)
            for member in ids:
                assert Ref(lift(spec, everything - ids | {member})).optimum(framework=f)[0] == "optimal", (f, member)
        if row["repair"] is not None:
            lifted = {cid(c) for c in row["repair"]["lift"]}
            fixed = Ref(lift(spec, lifted)).optimum(framework=f)
            assert fixed[0] == "optimal" and fixed[1] == pytest.approx(row["repair"]["objective"], abs=1e-6)
    if status == "infeasible":
        return
    for n in ex.nations:
        forced = n["forced_in"]
        if forced is None:
            continue
        truth = Ref(spec).optimum(nation=n["nation"]) if any(a["nation"] == n["nation"] for a in spec["assets"]) \
            else ("infeasible", None)
        if forced["delta"] is not None:
            assert truth[0] == "optimal" and forced["delta"] == pytest.approx(truth[1] - best, abs=1e-6), n
        else:
            assert truth[0] == "infeasible", n
    for w in ex.why_not:
        truth = Ref(spec).optimum(nation=w["nation"], role=w["role"])
        if w["delta"] is not None:
            assert truth[0] == "optimal" and w["delta"] == pytest.approx(truth[1] - best, abs=1e-6), w["question"]
        else:
            assert truth[0] == "infeasible", w["question"]
            for conflict in w["conflicts"]:
                ids = {cid(c) for c in conflict}
                assert Ref(lift(spec, everything - ids)).optimum(nation=w["nation"], role=w["role"])[0] == "infeasible"
                for member in ids:
                    lifted = lift(spec, everything - ids | {member})
                    assert Ref(lifted).optimum(nation=w["nation"], role=w["role"])[0] == "optimal", member


def test_the_checks_meet_conflicts_and_repairs():
    """The comparison above means something only if conflicts and repairs occur."""
    import tempfile
    from pathlib import Path

    conflicts = repairs = 0
    for seed in SEEDS:
        spec = random_spec(seed)
        with tempfile.TemporaryDirectory() as tmp:
            ex = explain(load_instance(write_spec(spec, Path(tmp) / "i", seed)), EXACT,
                         ExplainOptions(nations=False))
        conflicts += sum(len(r["conflicts"]) for r in ex.frameworks)
        repairs += sum(r["repair"] is not None for r in ex.frameworks)
    assert conflicts >= 5 and repairs >= 5
