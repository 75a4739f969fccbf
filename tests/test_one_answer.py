"""One solve, one answer: solve, explain, alternatives and the brief agree on the optimum in
every objective mode, because they share one re-solve path (Session.optimise)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from solver.analysis.alternatives import k_best, per_framework
from solver.app import api
from solver.engine.session import SolveOptions
from solver.io import load_instance

EXACT = SolveOptions(mip_gap=0)


def _with(bundled, tmp_path, **objective):
    d = tmp_path / "inst"
    shutil.copytree(bundled, d)
    doc = yaml.safe_load((d / "instance.yaml").read_text())
    doc["objective"].update(objective)
    (d / "instance.yaml").write_text(yaml.safe_dump(doc))
    return d


@pytest.fixture(scope="module", params=["weighted", "lexicographic"])
def mode(request, bundled, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "weighted":
        return load_instance(bundled)
    # approval risk first: a framework approved with certainty (risk 0) must win if it can
    return load_instance(_with(bundled, tmp, lexicographic=["approval_risk", "shortfall", "cost"]))


def test_solve_explain_alternatives_agree(mode):
    sol = api.solve(mode, EXACT)
    assert sol.status.has_solution
    ex = api.explain(mode, EXACT)
    assert (ex.optimum.framework, ex.optimum.objective) == (sol.framework, pytest.approx(sol.objective, abs=1e-6))
    first = k_best(mode, 2, options=EXACT).alternatives[0].solution
    assert (first.framework, first.objective) == (sol.framework, pytest.approx(sol.objective, abs=1e-6))
    best_fw = per_framework(mode, EXACT).alternatives[0].solution
    assert best_fw.framework == sol.framework
    if mode.settings.lexicographic:
        # independent reason: the coalition needs nobody's approval (risk 0); under "approval
        # risk first" no framework with a positive risk can beat it
        assert sol.terms["approval_risk"] == pytest.approx(0.0, abs=1e-9)
        assert "under the priorities" in " ".join(ex.why) or all(
            r["framework"] == sol.framework or r["status"] != "optimal" for r in ex.frameworks)
        assert not any("higher (money" in line and "-" in line.split("higher")[0] for line in ex.why)


def test_the_brief_reports_the_same_answer(mode, tmp_path):
    sol = api.solve(mode, EXACT)
    api.report(mode, tmp_path / "brief", k=2, options=EXACT)
    doc = json.loads((tmp_path / "brief" / "solution" / "solution.json").read_text())
    assert doc["framework"] == sol.framework and doc["objective"] == pytest.approx(sol.objective, abs=1e-6)


def test_a_held_framework_and_a_forced_nation_agree(bundled):
    """--framework and explain's answer for that framework are one re-solve: the same objective."""
    inst = load_instance(bundled)
    ex = api.explain(inst, EXACT)
    for row in ex.frameworks:
        if row["status"] != "optimal" or row["objective"] is None:
            continue
        held = api.solve(inst, EXACT, framework=row["framework"], with_thresholds=False)
        assert held.objective == pytest.approx(row["objective"], abs=1e-6), row["framework"]
