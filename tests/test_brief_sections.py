"""The brief with the optional parts of solution.json (Plan B, thresholds, withdrawals, the
mission over time), rendered from fake but well-formed documents as the other features write
them: each part is shown with the document's numbers when present and skipped without it,
and page 1 still holds the whole headline when every part is there.
"""

from __future__ import annotations

import pytest
from test_brief import ARTIFACTS

from solver.app import api

# The optional parts of solution.json, as the other features write them (fake but well-formed).
FALLBACK = {"primary": "nato", "fallback": "coalition", "p_primary": 0.1989765, "p_fallback": 1.0,
            "expected_objective": 3310.25, "value": 3322.25, "changes_count": 12, "expected_money": 2750.75,
            "change_penalty": 1.0, "common": [["FRA", "land"], ["GBR", "land"]],
            "changes": [{"nation": "DEU", "role": "land", "in": "primary"},
                        {"nation": "AUS", "role": "backstop", "in": "fallback"}]}
THRESHOLDS = {"framework": "nato", "approval_floor": 0.0812, "successor": "coalition",
              "weight_range": [40.5, 212.25], "weight_successors": ["eu", "coalition"]}
ROBUST = {"k": 1, "from": ["POL", "USA"], "roles": ["land", "backstop"], "recourse": False,
          "worst_case": [{"role": "land", "withdrawn": ["POL"], "covered_after": 120.0, "requirement": 160.0}],
          "critical_nations": ["POL", "USA"], "coverage_probability": {"land": 0.64, "backstop": 0.9},
          "objective_k0": 2609.16, "price": 123.4, "price_money": 100.5}
MISSION = {"periods": 3, "period_label": "6 months",
           "sustainment": {"max_in_theatre_strength": 300.0, "max_in_theatre_units": 30, "assets_used": 75,
                           "ratio": 2.5}}


ABSENT = object()  # an extra key given this value is left out of the document


class _Doc:
    """A solution whose document carries extra keys (what the other features add)."""

    def __init__(self, sol, extra: dict):
        self._sol, self._extra = sol, extra

    def __getattr__(self, k):
        return getattr(self._sol, k)

    def to_dict(self) -> dict:
        doc = {**self._sol.to_dict(), **self._extra}
        return {k: v for k, v in doc.items() if v is not ABSENT}


@pytest.fixture(scope="module")
def parts(bundled):
    from solver.analysis import alternatives as alt
    from solver.analysis.conflicts import ExplainOptions
    from solver.analysis.explain import explain
    from solver.engine.session import SolveOptions
    from solver.io import load_instance

    inst = load_instance(bundled)
    options = SolveOptions()
    sol = api.solve(inst, options)
    ex = explain(inst, options, ExplainOptions(), ())
    alts = alt.k_best(inst, 2, "nation-role", None, options)
    schedule = [{"asset": r.asset, "nation": r.nation, "role": r.role, "period": t, "contribution": r.contribution,
                 "cost": r.cost} for r in sol.allocation.itertuples() for t in (1, 2, 3)
                if t != 3 or r.nation != "FRA"]
    return {"inst": inst, "options": options, "sol": sol, "ex": ex, "alts": alts, "bundled": bundled,
            "mission": {**MISSION, "schedule": schedule}}


def _render(parts, extra: dict, batch=None, **kw) -> str:
    from solver.present.brief import context, render

    sol = _Doc(parts["sol"], extra) if extra else parts["sol"]
    return render(context(sol, parts["ex"], parts["alts"], parts["inst"], parts["bundled"], parts["options"],
                          batch, **kw))


def _text(browser, html: str, selector: str) -> str:
    page = browser.new_page()
    try:
        page.set_content(html)
        el = page.query_selector(selector)
        return "" if el is None else " ".join(el.inner_text().split())
    finally:
        page.close()


def test_without_the_optional_parts_the_page_says_what_is_missing(parts, browser):
    # a document without them (every solve now carries robust: a document from elsewhere may not)
    html = _render(parts, {"robust": ABSENT})
    for sid in ('id="planb"', 'id="robust"', 'id="mission"'):
        assert sid not in html
    planb = _text(browser, html, "#fact-planb")
    assert "Next: Lead-nation coalition" in planb and "not a Plan B" in planb
    assert "Not assessed" in _text(browser, html, "#fact-risk")
    assert "Not priced" in _text(browser, html, "#fact-commitment")
    money = _text(browser, html, "#fact-money")
    assert f"{parts['sol'].terms['cost']:,.2f}" in money and "setup 40" in money


def test_money_is_the_documents_money(parts, browser):
    html = _render(parts, {"money": 1234.5})
    assert "1,234.50" in _text(browser, html, "#fact-money")


def test_plan_b_from_the_document_and_from_the_context(parts, browser):
    for html in (_render(parts, {"fallback": FALLBACK}), _render(parts, {}, fallback=FALLBACK)):
        tile = _text(browser, html, "#fact-planb")
        assert "Plan B: Lead-nation coalition" in tile
        assert "100 % chance of approval" in tile and "12 nation-role pledges change, 2 hold either way" in tile
        assert "2,750.75" in tile
        annex = _text(browser, html, "#planb")
        for needle in ["3,310.25", "3,322.25", "2,750.75", "20 %", "Germany", "Australia", "primary only",
                       "Plan B only", "Land brigades (western Ukraine)", "France"]:
            assert needle in annex, needle
    html = _render(parts, {"fallback": None, "fallback_reason": "fewer than two feasible frameworks"})
    assert "No Plan B" in _text(browser, html, "#fact-planb")
    assert "fewer than two feasible frameworks" in _text(browser, html, "#fact-planb")


def test_thresholds_on_page_one(parts, browser):
    tile = _text(browser, _render(parts, {"thresholds": THRESHOLDS}), "#fact-approval")
    assert "above 8.1 % (then: Lead-nation coalition)" in tile
    assert "weight (today 100): below 40.5: EU CSDP mission; above 212.25: Lead-nation coalition." in tile
    assert "above" not in _text(browser, _render(parts, {"thresholds": None}), "#fact-approval")


def test_withdrawals_on_page_one_and_in_their_annex(parts, browser):
    html = _render(parts, {"robust": ROBUST})
    tile = _text(browser, html, "#fact-risk")
    assert "Poland, United States" in tile and "64 %" in tile
    annex = _text(browser, html, "#robust")
    assert "from Poland, United States" in annex
    for needle in ["Poland", "120", "160", "100.50", "123.40", "2,609.16", "64 %", "90 %", "US backstop"]:
        assert needle in annex, needle
    assert "No critical nation" in _text(browser, _render(parts, {"robust": {**ROBUST, "critical_nations": []}}),
                                         "#fact-risk")


def test_with_every_part_page_one_still_holds_the_headline(parts, browser, tmp_path):
    from brief_pdf import page_texts, used_fractions

    html = _render(parts, {"money": 2380.2, "fallback": FALLBACK, "thresholds": THRESHOLDS, "robust": ROBUST,
                           "mission": parts["mission"]})
    path = tmp_path / "brief.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf = ARTIFACTS / "brief-every-part.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        page.close()
    texts = page_texts(pdf)
    for needle in ["Recommended:", "Plan B: Lead-nation coalition", "above 8.1 %", "2,380.20", "Poland, United States",
                   "DEAREST POLITICAL COMMITMENT", "COVERAGE AND PROOF", "illustrative",
                   "Everything after this page is annex"]:
        assert needle in texts[0], needle
    assert texts[1].startswith("Annex: Plan B")
    used = used_fractions(pdf)
    # every page but the last at least half used (the sections flow; the last holds what is left)
    assert all(u >= 0.5 for u in used[:-1]) and used[-1] > 0.1, [round(u, 2) for u in used]


def test_the_rotation_chart_and_its_numbers(parts, browser):
    html = _render(parts, {"mission": parts["mission"]})
    annex = _text(browser, html, "#mission")
    assert "3 periods of 6 months" in annex and "300" in annex and "2.50" in annex
    fra = [r for r in parts["mission"]["schedule"] if r["nation"] == "FRA"]
    per_period = {t: sum(r["contribution"] for r in fra if r["period"] == t) for t in (1, 2, 3)}
    assert per_period[3] == 0 and per_period[1] > 0
    assert f"France {per_period[1]:g} {per_period[2]:g} 0" in annex
    assert "<svg" in html[html.index('id="mission"'):]


@pytest.mark.quick
def test_codes_become_names():
    from solver.present.brief_facts import named_changes, rename_codes

    fw, nat, roles = {"nato": "NATO command", "coalition": "Lead-nation coalition"}, \
        {"AUS": "Australia", "DEU": "Germany"}, {"backstop": "US backstop", "land": "Land brigades"}
    line = "framework nato → coalition; join AUS; leave DEU; coverage backstop 50→0"
    assert rename_codes(line, fw, nat, roles) == ("framework NATO command → Lead-nation coalition; join Australia; "
                                                  "leave Germany; coverage US backstop 50→0")
    assert rename_codes("nato: role 'land' short (from DEU)", fw, nat, roles) == \
        "NATO command: role Land brigades short (from Germany)"
    ch = {"framework": {"from": "nato", "to": "coalition"}, "nations_join": ["AUS"], "nations_leave": ["DEU"],
          "roles": [{"role": "backstop", "before": 50.0, "after": 0.0, "nations": []}]}
    assert named_changes(ch, fw, nat, roles) == line.replace("nato", "NATO command").replace(
        "coalition", "Lead-nation coalition").replace("AUS", "Australia").replace("DEU", "Germany").replace(
        "backstop", "US backstop")


def test_framework_money_when_the_explanation_carries_it(parts, browser):
    """explanation.json's delta_money (money of each framework's plan minus the optimum's) is shown
    as money beside the objective, on page 1 and in the comparison table."""
    from dataclasses import replace

    from solver.present.brief import context, render

    frameworks = [{**f, "delta_money": None if f["delta"] is None else 463.8 * (f["delta"] > 0)}
                  for f in parts["ex"].frameworks]
    ex = replace(parts["ex"], frameworks=frameworks)
    html = render(context(_Doc(parts["sol"], {"money": 2380.2}), ex, parts["alts"], parts["inst"], parts["bundled"],
                          parts["options"]))
    headline = _text(browser, html, "#headline")
    coalition = next(f for f in parts["ex"].frameworks if f["framework"] == "coalition")
    assert f"Lead-nation coalition: objective {coalition['delta']:+,.2f} against the recommendation" in headline
    assert "money +463.80" in headline
    table = _text(browser, html, "#frameworks-table")
    assert "money vs best" in table and "2,844 463.80" in table  # 2,380.20 + 463.80


def test_thresholds_computed_from_the_comparison_hold_when_re_solved(parts, browser, tmp_path):
    """Without `thresholds` in the document, the brief computes them from the per-framework optima
    (MODEL.md's formulas). Checked by solving again: the chosen framework flips to the named
    successor just past each threshold and not before it."""
    import re
    import shutil

    import pandas as pd
    import yaml

    tile = _text(browser, _render(parts, {}), "#fact-approval")
    floor = float(re.search(r"approval chance is above ([\d.e-]+) % \(then: Lead-nation coalition\)", tile)[1]) / 100
    high = float(re.search(r"weight \(today 100\): above ([\d.]+): Lead-nation coalition", tile)[1])
    assert 0 < floor < parts["sol"].approval_probability and high > 100

    def framework(weight: float | None = None, factor: float | None = None) -> str:
        inst = tmp_path / f"w{weight}-f{factor}"
        shutil.copytree(parts["bundled"], inst)
        if weight is not None:
            y = yaml.safe_load((inst / "instance.yaml").read_text())
            y["objective"]["approval_risk"] = weight
            (inst / "instance.yaml").write_text(yaml.safe_dump(y))
        if factor is not None:  # scale Hungary's NATO approval so that NATO's chance is factor x the floor
            c = pd.read_csv(inst / "consent.csv", dtype=str, keep_default_na=False)
            row = (c["nation"] == "HUN") & (c["framework"] == "nato")
            p = float(c.loc[row, "approval_probability"].item())
            c.loc[row, "approval_probability"] = repr(p * factor * floor / parts["sol"].approval_probability)
            c.to_csv(inst / "consent.csv", index=False)
        return api.solve(inst).framework

    assert framework(weight=0.98 * high) == "nato" and framework(weight=1.02 * high) == "coalition"
    assert framework(factor=1.1) == "nato" and framework(factor=0.9) == "coalition"


def test_money_as_main_writes_it_and_plan_b_set_after_the_context(parts, browser):
    """solution.json's money may be a dict (asset, reserve, setup, total); a caller may put Plan B
    into the context after building it (ctx["fallback"]), and the page still leads with it."""
    from solver.present.brief import context, render

    money = {"asset": 2300.2, "reserve": 40.0, "setup": 40.0, "total": 2380.2}
    ctx = context(_Doc(parts["sol"], {"money": money}), parts["ex"], parts["alts"], parts["inst"],
                  parts["bundled"], parts["options"])
    ctx["fallback"], ctx["fallback_reason"] = FALLBACK, None
    html = render(ctx)
    tile = _text(browser, html, "#fact-money")
    assert "2,380.20" in tile and "setup 40, reserve 40" in tile
    assert "Plan B: Lead-nation coalition" in _text(browser, html, "#fact-planb")
    assert 'id="planb"' in html
