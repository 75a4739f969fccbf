"""MODEL.md version 2 on instances small enough to solve by hand.

Each case is built so that version 1's reading gives a different answer, and
its expected optimum is worked out in the docstring, not by forcealloc.
"""

from __future__ import annotations

import pytest
import yaml

from solver import SolveOptions, Status, check, load_instance, solve
from solver.analysis.whatif.changes import parametric_instance
from solver.analysis.whatif.scenarios import Scenario

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick

EXACT = SolveOptions(mip_gap=0)


def _write(dest, tables: dict[str, str], settings: dict | None = None):
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (dest / f"{name}.csv").write_text(text.strip() + "\n")
    (dest / "instance.yaml").write_text(yaml.safe_dump(settings or {"name": dest.name}))
    return dest


def test_enabler_share_of_one_sets_no_cap(tmp_path):
    """Backstop requirement 40; the US (enabler-only) offers one package of 50 at cost 10, a
    European nation a 40 package at cost 100. Version 1 capped enablers at 1.0 x 40 < 50, so
    it paid 100; version 2 sets no cap: the US package covers the role, objective 10."""
    path = _write(tmp_path / "i", {
        "nations": "nation,enabler_only,in_theatre\nUSA,yes,no\nFRA,no,yes",
        "frameworks": "framework,enablers_reach\nnato,yes",
        "roles": "role,requirement,in_theatre,enabler\nbackstop,40,no,yes",
        "assets": "asset,nation,capability,strength,cost\nus,USA,bs,50,10\nfr,FRA,bs,40,100",
        "capabilities": "capability,role\nbs,backstop",
    })
    sol = solve(path, EXACT)
    assert sol.status == Status.OPTIMAL and sol.objective == pytest.approx(10)
    # a share below 1 still caps: 0.5 x 40 = 20 < 50, so the European package is needed
    roles = path / "roles.csv"
    roles.write_text("role,requirement,in_theatre,enabler,max_enabler_share\nbackstop,40,no,yes,0.5\n")
    assert solve(path, EXACT).objective == pytest.approx(100)


def test_burden_share_counts_against_the_required_strength(tmp_path):
    """Requirement 100; A must deploy a 60-strength unit and may carry at most half the force.
    Against the required strength (version 2) A may give 50 < 60: infeasible, and the reason
    names A's burden share. Version 1 (against what is delivered) let the optimiser buy 60 of
    B's units to dilute A to a half."""
    path = _write(tmp_path / "i", {
        "nations": "nation,max_share\nA,0.5\nB,",
        "frameworks": "framework\nf",
        "roles": "role,requirement\nr,100",
        "assets": "asset,nation,capability,strength,cost,must_deploy\n"
                  "a,A,c,60,0,yes\n" + "".join(f"b{i},B,c,10,5,no\n" for i in range(10)),
        "capabilities": "capability,role\nc,r",
    })
    sol = solve(path, EXACT)
    assert sol.status == Status.INFEASIBLE
    assert any("burden share" in line and "A" in line for line in sol.diagnosis), sol.diagnosis
    # with a share of 0.6, A's 60 fits (0.6 x 100): B covers the remaining 40 with 4 units
    (path / "nations.csv").write_text("nation,max_share\nA,0.6\nB,\n")
    sol = solve(path, EXACT)
    assert sol.status == Status.OPTIMAL and sol.objective == pytest.approx(20)
    assert sol.roles.set_index("role").at["r", "covered"] == pytest.approx(100)  # nothing bought to dilute


def test_a_share_of_one_sets_no_cap(tmp_path):
    """One nation, share 1 (the default): it may carry the whole force, and more than the
    requirement when its units' sizes force it (version 1 capped it at what was delivered)."""
    path = _write(tmp_path / "i", {
        "nations": "nation\nA",
        "frameworks": "framework\nf",
        "roles": "role,requirement\nr,15",
        "assets": "asset,nation,capability,strength,cost\na1,A,c,10,3\na2,A,c,10,3",
        "capabilities": "capability,role\nc,r",
    })
    sol = solve(path, EXACT)
    assert sol.status == Status.OPTIMAL and sol.objective == pytest.approx(6)


def test_a_role_not_active_under_the_framework_takes_no_asset(tmp_path):
    """X must deploy and can only fill `hq`, a role active under `lead` alone (setup 5); `open`
    has no setup cost. Version 1 chose `open` and parked X in the inactive role (objective
    1 + 0); version 2 must choose `lead`: objective 5 + 1 (Y covers `land` in both)."""
    path = _write(tmp_path / "i", {
        "nations": "nation\nA",
        "frameworks": "framework,setup_cost\nopen,0\nlead,5",
        "roles": "role,requirement,frameworks\nhq,0,lead\nland,10,all",
        "assets": "asset,nation,capability,strength,cost,must_deploy\nx,A,hq_unit,10,0,yes\ny,A,bn,10,1,no",
        "capabilities": "capability,role\nhq_unit,hq\nbn,land",
    })
    sol = solve(path, EXACT)
    assert sol.status == Status.OPTIMAL
    assert sol.framework == "lead" and sol.objective == pytest.approx(6)
    assert set(sol.allocation["role"]) == {"hq", "land"}


def test_repeated_links_and_caveats_are_warnings(tmp_path):
    """Both tables are sets: a repeated row warns and counts once (version 1 refused it)."""
    path = _write(tmp_path / "i", {
        "nations": "nation\nA\nB",
        "frameworks": "framework\nf",
        "roles": "role,requirement\nr,10\ns,0",
        "assets": "asset,nation,capability,strength,cost\na,A,c,10,1\nb,B,c,10,2",
        "capabilities": "capability,role\nc,r\nc,s",
        "caveats": "nation,role\nA,s\nA,s",
        "links": "nation,kind,target\nB,requires_nation,A\nB,requires_nation,A",
    })
    inst, warnings = check(path)
    assert len(inst.caveats) == 1 and len(inst.links) == 1
    texts = [str(w) for w in warnings]
    assert any("caveats.csv, row 3" in t and "repeats row 2" in t for t in texts), texts
    assert any("links.csv, row 3" in t and "repeats row 2" in t for t in texts), texts
    assert solve(path, EXACT).objective == pytest.approx(1)


# --------------------------------------------------------------------------- the bundled what-ifs
def _what_if(bundled, *changes) -> object:
    return solve(parametric_instance(load_instance(bundled), Scenario("x", list(changes))), EXACT)


def test_a_lower_backstop_requirement_costs_no_more(bundled):
    at50 = solve(bundled, EXACT)
    at40 = _what_if(bundled, {"set": {"table": "roles", "key": "backstop", "column": "requirement", "value": 40}})
    assert at40.status == Status.OPTIMAL and at40.objective <= at50.objective + 1e-6


@pytest.mark.parametrize("factor", [0.5, 0.75])
def test_lower_requirements_keep_the_backstop_and_its_nations(bundled, factor):
    base = solve(bundled, EXACT)
    low = _what_if(bundled, {"scale": {"table": "roles", "column": "requirement", "factor": factor}})
    assert low.objective < base.objective
    roles = low.roles.set_index("role")
    # the single 50 package covers 25 or 37.5 (version 1 capped it at the requirement and left
    # the backstop uncovered, which kept the seven nations that join only with it out)
    assert roles.at["backstop", "covered"] == 50 and roles.at["backstop", "shortfall"] == 0
    assert (roles["shortfall"] == 0).all()
    assert "POL" in set(low.nations["nation"])  # joins only with the backstop covered


def test_france_at_five_percent_is_infeasible_with_the_reason(bundled):
    sol = _what_if(bundled, {"set": {"table": "nations", "key": "FRA", "column": "max_share", "value": 0.05}})
    assert sol.status == Status.INFEASIBLE
    assert any("France must deploy" in line and "burden share" in line for line in sol.diagnosis), sol.diagnosis
