"""Scenario files are checked against the instance before anything is solved.

Every typo is reported at once, with the file, the line of the change and the
value that is wrong; the batch exits 2 and writes nothing.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from solver.analysis.whatif.changes import check_scenarios
from solver.analysis.whatif.scenarios import Scenario, name_issues, read_scenarios
from solver.app.cli import main
from solver.domain.errors import ScenarioError
from solver.io import read_raw

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick

TYPOS = """\
scenarios:
  - name: unknown-nation
    changes:
      - set: {table: consent, key: [HUNN, nato], column: approval, value: veto}
  - name: unknown-framework
    changes:
      - set: {table: consent, key: [HUN, natoo], column: approval, value: veto}
  - name: bad-value
    changes:
      - set: {table: consent, key: [HUN, nato], column: approval, value: vetoo}
  - name: withdraw-nobody
    changes:
      - withdraw: XYZ
  - name: misspelt-where
    changes:
      - remove: {table: assets, where: {capabilty: us_backstop}}
  - name: where-matches-nothing
    changes:
      - remove: {table: assets, where: {capability: us_backstopp}}
  - name: unknown-role
    changes:
      - set: {table: roles, key: lnd, column: requirement, value: 10}
  - name: share-out-of-range
    changes:
      - set: {table: nations, key: FRA, column: max_share, value: 3}
  - name: not-a-number
    changes:
      - set: {table: roles, key: land, column: requirement, value: lots}
  - name: key-column
    changes:
      - set: {table: nations, key: FRA, column: nation, value: FRX}
  - name: scale-nothing
    changes:
      - scale: {table: roles, column: requirement, factor: 2, where: {role: nowhere}}
  - name: bad-weight
    changes:
      - objective: {approval_risk: -1}
  - name: bad-time-limit
    changes:
      - solver: {time_limit: -5}
  - name: added-asset-of-nobody
    changes:
      - add: {table: assets, rows: [{asset: X-1, nation: NOWHERE, capability: inf_bn, strength: 10}]}
  - name: unknown-nation-reference
    changes:
      - set: {table: assets, key: FRA-mcm, column: nation, value: FRANCE}
"""

# (scenario, line of its change, the value that must be named)
EXPECTED = [
    ("unknown-nation", 4, "HUNN"), ("unknown-framework", 7, "natoo"), ("bad-value", 10, "vetoo"),
    ("withdraw-nobody", 13, "XYZ"), ("misspelt-where", 16, "capabilty"), ("where-matches-nothing", 19, "us_backstopp"),
    ("unknown-role", 22, "lnd"), ("share-out-of-range", 25, "3"), ("not-a-number", 28, "lots"),
    ("key-column", 31, "nation"), ("scale-nothing", 34, "nowhere"), ("bad-weight", 37, "-1"),
    ("bad-time-limit", 40, "-5"), ("added-asset-of-nobody", 41, "NOWHERE"), ("unknown-nation-reference", 46, "FRANCE"),
]


@pytest.fixture
def typos(tmp_path):
    f = tmp_path / "typos.yaml"
    f.write_text(TYPOS)
    return f


def test_every_typo_is_named_with_file_line_and_value(bundled, typos):
    scenarios, _ = read_scenarios(typos)
    issues = check_scenarios(read_raw(bundled), scenarios)
    text = [str(i) for i in issues]
    for name, line, value in EXPECTED:
        hits = [t for t in text if f"scenario '{name}'" in t]
        assert hits, (name, text)
        assert any("typos.yaml" in t and f"line {line}" in t and value in t for t in hits), (name, hits)
    assert len({i.source for i in issues}) >= len(EXPECTED)


def test_cli_exits_2_and_writes_nothing(bundled, typos, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(bundled), str(typos), "--out", str(out), "--no-progress"])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "nothing was solved" in r.output
    for name, _, value in EXPECTED:
        assert name in r.output and value in r.output, name
    assert not out.exists()


def test_a_consent_row_is_created_only_for_known_keys(bundled):
    raw = read_raw(bundled)
    ok = Scenario("ok", [{"set": {"table": "consent", "key": ["POL", "eu"], "column": "approval", "value": "veto"}}],
                  source="s.yaml", lines=[3])
    assert check_scenarios(raw, [ok]) == []
    bad = Scenario("bad", [{"set": {"table": "consent", "key": ["POL", "nowhere"], "column": "approval",
                                    "value": "veto"}}], source="s.yaml", lines=[3])
    (issue,) = check_scenarios(raw, [bad])
    assert issue.value == "nowhere" and "framework" in issue.message


@pytest.mark.parametrize("names", [["a/b", "a_b"], ["A", "a"], ["x", "x"]])
def test_names_that_would_share_a_folder_are_refused(names):
    issues = name_issues([Scenario(n, [], source="s.yaml", line=i + 2) for i, n in enumerate(names)])
    assert len(issues) == 1 and "distinct" in issues[0].message


@pytest.mark.parametrize("name", ["", "  ", "x" * 300, "a\x07b", "base"])
def test_unsafe_names_are_refused(name):
    assert name_issues([Scenario(name, [], source="s.yaml", line=2)])


def test_dot_dot_stays_inside_the_output_folder(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: '..'\n    changes:\n      - objective: {approval_risk: 0}\n")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(bundled), str(f), "--out", str(out), "--no-progress",
                                  "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert (out / "scenarios" / "__" / "solution.json").exists()
    assert not (out / "solution.json").exists()


def test_read_scenarios_reports_folder_clashes_with_lines(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: a/b\n    changes: []\n  - name: a_b\n    changes: []\n")
    with pytest.raises(ScenarioError) as exc:
        read_scenarios(f)
    (issue,) = exc.value.issues
    assert "line 4" in str(issue) and "a/b" in issue.message and "a_b" in issue.message


@pytest.mark.parametrize("factor", ["0:inf:1", "0:1:1e-9", "nan:1:0.1", "1:0:0.1", "a:b:c"])
def test_bad_factor_ranges_are_refused_before_solving(bundled, tmp_path, factor):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(bundled), "--sweep", "requirement", "--factor", factor,
                                  "--out", str(out), "--no-progress"])
    assert r.exit_code == 2, r.output
    assert "--factor" in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_max_scenarios_raises_the_cap_on_purpose(bundled, tmp_path):
    args = ["batch", str(bundled), "--sweep", "requirement", "--factor", "0:2:0.001", "--out", str(tmp_path / "o")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "1,000" in r.output
    r = CliRunner().invoke(main, [*args[:-2], "--factor", "0:1:0.5", "--max-scenarios", "2",
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--max-scenarios" in r.output
