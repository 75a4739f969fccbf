"""Re-plans that keep their word (MODEL.md v3): --keep against an independent count of changed
pledges and the reference MIP with the change term (tests/reference_robust.py)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from solver.app import api
from solver.app.cli import main
from solver.engine.session import SolveOptions
from solver.io import load_instance
from solver.io.robust_spec import read_plan
from tests.reference_robust import RobustRef
from tests.test_robust import BUNDLED, robust_case


def pledges_of(path: Path) -> set[tuple[str, str]]:
    """(nation, role) pairs of an allocation.csv, deployed rows only (read with pandas, not forcealloc)."""
    a = pd.read_csv(path)
    a = a[a["status"] != "reserve"]
    return set(zip(a["nation"], a["role"], strict=True))


def leave(spec: dict, path: Path, nation: str) -> None:
    """The nation no longer contributes under any framework (consent contributes = false)."""
    c = pd.read_csv(path / "consent.csv", dtype=str, keep_default_na=False)
    c = c[c["nation"] != nation]
    rows = [{"nation": nation, "framework": f["framework"], "approval": "approve", "approval_probability": "1",
             "contributes": "no"} for f in spec["frameworks"]]
    pd.concat([c, pd.DataFrame(rows)]).to_csv(path / "consent.csv", index=False)
    spec["consent"] = [x for x in spec["consent"] if x["nation"] != nation] + [
        {**r, "approval_probability": 1.0, "contributes": False} for r in rows]


@pytest.mark.parametrize("seed", [2, 5, 9, 14])
def test_keep_matches_reference_and_counts(seed, tmp_path):
    spec, path, h = robust_case(seed, tmp_path)
    first = tmp_path / "first"
    r = CliRunner().invoke(main, ["solve", str(path), "--mip-gap", "0", "--out", str(first)])
    if r.exit_code != 0:
        pytest.skip("no first plan")
    before = pledges_of(first / "allocation.csv")
    gone = sorted({n for n, _ in before})[0]
    leave(spec, path, gone)
    penalty = random.Random(seed).choice([0.5, 3.0, 50.0])
    second = tmp_path / "second"
    r = CliRunner().invoke(main, ["solve", str(path), "--mip-gap", "0", "--keep", str(first / "solution.json"),
                                  "--change-penalty", str(penalty), "--out", str(second)])
    status, obj = RobustRef(spec).optimum_robust(0, [], keep=before, change_penalty=penalty)
    if status == "infeasible":
        assert r.exit_code == 3
        return
    assert r.exit_code == 0, r.output
    doc = json.loads((second / "solution.json").read_text())
    assert doc["objective"] == pytest.approx(obj, abs=1e-6, rel=1e-7)
    after = pledges_of(second / "allocation.csv")
    ps = doc["persistence"]
    assert ps["changes"] == len(before ^ after)
    assert ps["forced"] == len({p for p in before if p[0] == gone})
    assert {(c["nation"], c["role"]) for c in ps["changed"]} == before ^ after
    assert doc["terms"]["change"] == ps["changes"]
    # the cap: at most the changes found, and one fewer is impossible or costs more
    r = CliRunner().invoke(main, ["solve", str(path), "--mip-gap", "0", "--keep", str(first / "allocation.csv"),
                                  "--change-penalty", "0", "--max-changes", str(ps["forced"]), "--json"])
    st, _ = RobustRef(spec).optimum_robust(0, [], keep=before, change_penalty=0.0, max_changes=ps["forced"])
    assert r.exit_code == (0 if st == "optimal" else 3)


@pytest.mark.quick
def test_plan_of_another_instance_is_bad_input(tmp_path):
    plan = tmp_path / "allocation.csv"
    plan.write_text("asset,nation,capability,role,contribution,cost,status\n"
                    "XYZ-1,XXX,inf_bn,land,10,1,deployed\nFRA-inf-bn-1,GBR,inf_bn,moon,10,1,deployed\n")
    r = CliRunner().invoke(main, ["solve", str(BUNDLED), "--keep", str(plan), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    for text in ("XYZ-1", "XXX", "moon", "FRA-inf-bn-1"):
        assert text in r.output
    assert not (tmp_path / "o").exists()


def test_replan_after_withdrawal_bundled(tmp_path):
    """The bundled plan kept after a nation leaves: the forced changes are that nation's pledges."""
    first = api.solve(BUNDLED, SolveOptions())
    (tmp_path / "plan.json").write_text(json.dumps(first.to_dict()))
    d = tmp_path / "inst"
    shutil.copytree(BUNDLED, d)
    inst0 = load_instance(d)
    gone = sorted({n for n, _ in first.nation_roles() if not inst0.nations.at[n, "enabler_only"]})[-1]
    spec = {"frameworks": [{"framework": f} for f in inst0.frameworks.index], "consent": []}
    leave(spec, d, gone)
    inst = load_instance(d)
    keep = read_plan(inst, tmp_path / "plan.json", penalty=1000.0)
    sol = api.solve(inst, SolveOptions(keep=keep))
    forced = {(n, r) for n, r in first.nation_roles() if n == gone}
    ps = sol.persistence
    assert ps["forced"] == len(forced)
    assert {(c["nation"], c["role"]) for c in ps["changed"] if c["forced"]} == forced
    assert ps["changes"] == len(first.nation_roles() ^ sol.nation_roles())
