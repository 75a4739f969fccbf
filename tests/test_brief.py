"""The brief, opened in a real headless Chromium (Debian's package, driven by Playwright).

No request leaves the page, no console error, every picture renders with a box,
the printed PDF has the sections in order, the numbers in the tables are those
of solution.json and explanation.json, and a screenshot of the top of the page is
kept in $FORCEALLOC_TEST_ARTIFACTS (default: the temp folder's forcealloc-test-artifacts) to be looked at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from solver.app import api
from solver.app.cli import main

ROOT = Path(__file__).resolve().parents[1]
# Pages and screenshots to look at: in the temp folder (a plain pytest writes nothing into the
# checkout), or where FORCEALLOC_TEST_ARTIFACTS says.
ARTIFACTS = Path(os.environ.get("FORCEALLOC_TEST_ARTIFACTS", Path(tempfile.gettempdir()) / "forcealloc-test-artifacts"))
SECTIONS = ["Annex: why", "Who provides what", "The frameworks compared", "The next best allocations",
            "The force in theatre and the support behind it"]


@pytest.fixture(scope="module")
def briefs(bundled, tmp_path_factory, consent_batch, bundled_batch):
    """The bundled brief with the commitments' prices, with the what-ifs, and a generated one."""
    base = tmp_path_factory.mktemp("briefs")
    made = {"bundled": api.report(bundled, base / "bundled", consent_batch["out"], k=3),
            "whatif": api.report(bundled, base / "whatif", bundled_batch["out"], k=2)}
    generated = base / "S"
    api.generate(generated, "S", seed=2)
    made["generated"] = api.report(generated, base / "generated", k=2)
    return made


def _open(browser, path: Path, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console, requests = [], []
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: console.append(("error", str(e))))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"brief-{name}-top.png"))
    return page, console, requests


@pytest.mark.parametrize("name", ["bundled", "whatif", "generated"])
def test_the_page_is_offline_clean_and_every_picture_renders(browser, briefs, name):
    path = briefs[name]
    page, console, requests = _open(browser, path, name)
    try:
        assert [r for r in requests if r != path.as_uri()] == []
        assert [c for c in console if c[0] in ("error", "warning")] == []
        figures = page.query_selector_all("figure svg")
        assert len(figures) >= 4
        for svg in figures:
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50
        assert page.query_selector("h1").inner_text().startswith("Recommended:")
    finally:
        page.close()
    html = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 3 * 2**20
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_the_pdf_has_the_sections_in_order(browser, briefs):
    page, _, _ = _open(browser, briefs["bundled"], "print")
    try:
        pdf = ARTIFACTS / "brief-bundled.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        page.close()
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages)
    positions = [text.find(s) for s in [*SECTIONS, "What each political commitment is worth in objective", "Provenance"]]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)
    # the sections flow after page 1 (no page per section): fewer pages than the 10 of before,
    # though the Plan B annex (NATO's approval chance is below half) takes one of its own
    assert 2 <= len(PdfReader(pdf).pages) <= 9


def test_the_numbers_are_those_of_the_result_files(browser, briefs):
    out = briefs["bundled"].parent
    sol = json.loads((out / "solution" / "solution.json").read_text())
    ex = json.loads((out / "explanation" / "explanation.json").read_text())
    page, _, _ = _open(browser, briefs["bundled"], "numbers")
    try:
        headline = page.query_selector("#headline").inner_text()
        assert f"{sol['terms']['cost']:,.2f}" in headline and f"{sol['objective']:,.2f}" in headline
        assert f"{100 * sol['approval_probability']:.0f} %" in headline
        coverage = page.query_selector_all("#coverage tbody tr")
        roles = {r["name"]: r for r in sol["roles"]}  # role names, not codes
        assert len(coverage) == len(roles)
        for tr in coverage:
            cells = [td.inner_text() for td in tr.query_selector_all("td")]
            r = roles[cells[0]]
            assert float(cells[1].replace(",", "")) == pytest.approx(r["required"])
            assert float(cells[2].replace(",", "")) == pytest.approx(r["covered"])
        rows = page.query_selector_all("#frameworks table tbody tr")
        by = {f["name"]: f for f in ex["frameworks"]}
        for tr in rows:
            cells = [td.inner_text() for td in tr.query_selector_all("td")]
            f = by[cells[0]]
            assert cells[1] == f["status"]
            if f["objective"] is None:
                assert cells[2] == "-"
            else:
                assert float(cells[2].replace(",", "")) == pytest.approx(f["objective"], abs=0.006)
    finally:
        page.close()


def test_report_from_the_command_line(bundled, tmp_path):
    from click.testing import CliRunner

    r = CliRunner().invoke(main, ["report", str(bundled), "--out", str(tmp_path / "o"), "--k", "2"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "brief.html").exists() and (tmp_path / "o" / "solution" / "solution.json").exists()
    r = CliRunner().invoke(main, ["report", str(bundled), "--out", str(tmp_path / "p"), "--batch",
                                  str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "--batch" in r.output and not (tmp_path / "p").exists()


def test_names_cannot_inject_markup(bundled, tmp_path, browser):
    """A nation named like a script shows as text in the page (the template escapes)."""
    inst = tmp_path / "inst"
    shutil.copytree(bundled, inst)
    text = (inst / "nations.csv").read_text().replace("France,", "<script>alert(1)</script>,", 1)
    (inst / "nations.csv").write_text(text)
    path = api.report(inst, tmp_path / "o", k=2)
    assert "<script>alert(1)</script>" not in path.read_text()
    page, console, _ = _open(browser, path, "escape")
    page.close()
    assert console == []


# --- page 1, print, labels, what-ifs and the optional parts of the solution document ---------

def test_page_one_alone_holds_the_headline_and_no_page_is_half_blank(browser, briefs, consent_batch):
    """The headline (recommendation, approval, Plan B, money, risk, dearest commitment, the
    illustrative note) is on printed page 1 and nowhere after; every page is at least half used."""
    from brief_pdf import page_texts, used_fractions

    out = briefs["bundled"].parent
    sol = json.loads((out / "solution" / "solution.json").read_text())
    page, _, _ = _open(browser, briefs["bundled"], "page1")
    try:
        pdf = ARTIFACTS / "brief-bundled-page1.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        page.close()
    texts = page_texts(pdf)
    first = " ".join(texts[0].split())
    money = sol["money"]["total"]
    # the dearest commitment, read from the consent sweep's own summary: the largest saving
    prices = pd.read_csv(consent_batch["out"] / "summary.csv")
    prices = prices[prices["scenario"].str.match(r"^(veto|vetoes|refusal|caveat|link|budget|share):")]
    dearest = prices.loc[(-prices["delta_objective"]).idxmax(), "description"]
    for needle in ["Recommended: NATO command and control", f"{100 * sol['approval_probability']:.0f} %",
                   "IF IT IS NOT APPROVED", f"{money:,.2f}", "WHAT IS AT RISK", "DEAREST POLITICAL COMMITMENT",
                   " ".join(dearest.split()), "illustrative"]:
        assert needle in first, needle
    assert "Everything after this page is annex" in first
    assert all("Recommended:" not in t and "DEAREST POLITICAL" not in t for t in texts[1:])
    # the objective is shown once, as an objective, never as the cost of the force
    assert "with political risk" not in first and f"objective {sol['objective']:,.2f}" in first
    used = used_fractions(pdf)
    assert len(used) <= 9, used  # 10 pages before; the Plan B annex (approval below half) takes one
    # every page but the last at least half used (the sections flow; the last holds what is left)
    assert all(u >= 0.5 for u in used[:-1]) and used[-1] > 0.1, [round(u, 2) for u in used]


def _svg_words(svg: str) -> list[str]:
    """The words drawn in an SVG, without the bracketed severity line under each what-if."""
    import html as htmllib

    texts = [re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)]
    joined = htmllib.unescape(" ".join(texts))
    return re.sub(r"\[[^\]]*\]", " ", joined).split()


CHART_WORDS = set(["What-ifs,", "most", "severe", "first", "money", "change", "roles", "short", "nations", "leaving", "The", "price", "of", "each", "political", "commitment", "objective", "saved", "if", "the", "were", "lifted"])


def test_labels_are_never_cut_inside_a_word(briefs, bundled_batch, consent_batch):
    """Every word drawn in the what-if and commitment charts is a whole word of a description."""
    import pandas as pd

    for name, batch in (("whatif", bundled_batch), ("bundled", consent_batch)):
        summary = pd.read_csv(batch["out"] / "summary.csv")
        vocab = set(CHART_WORDS)
        for text in list(summary["description"].astype(str)) + list(summary["scenario"].astype(str)):
            vocab |= set(text.split()) | {w + ":" for w in text.split()}
        page = briefs[name].read_text(encoding="utf-8")
        section = "whatif" if name == "whatif" else "prices"
        svg = page[page.index(f'<section id="{section}">'):]
        svg = svg[:svg.index("</svg>")]
        words = _svg_words(svg)
        assert len(words) > 20
        number = re.compile(r"^([-+−]?[\d,.]+|…)$")
        bad = [w for w in words if w not in vocab and not number.match(w)]
        assert bad == [], bad[:10]


def test_wrap_breaks_between_words_only():
    from solver.present.brief_charts import wrap

    text = "The US backstop also reaches a lead-nation coalition, by a bilateral arrangement."
    out = wrap(text, 20, 2)
    assert len(out.split("\n")) == 2 and out.endswith("…")
    assert all(w in text.split() for w in out.replace("…", "").split())
    assert wrap("short", 20, 2) == "short"


@pytest.mark.quick
def test_a_vetoed_framework_is_a_blocked_label_at_zero():
    from solver.present import charts

    rows = [{"framework": "nato", "name": "NATO command", "status": "optimal", "objective": 100.0, "delta": 0.0,
             "approval_probability": 0.2, "why_not": ""},
            {"framework": "un", "name": "UN mission", "status": "vetoed", "objective": None, "delta": None,
             "approval_probability": 0.9, "why_not": "vetoed by China"}]
    svg, table = charts.frameworks(rows)
    assert "blocked: vetoed" in svg and "0 % (vetoed)" in svg and "90 %" not in svg
    assert table.loc[table["framework"] == "UN mission", "approval probability"].item() == 0.0
    # the vetoed row draws no bar: as many shapes as with NATO alone (a feasible UN row adds two)
    def shapes(svg_text):
        return len(re.findall(r'<g id="patch_\d+">', svg_text))

    assert shapes(svg) == shapes(charts.frameworks(rows[:1])[0])
    feasible = {**rows[1], "status": "optimal", "objective": 120.0, "delta": 20.0}
    assert shapes(charts.frameworks([rows[0], feasible])[0]) == shapes(svg) + 2


def test_the_vetoed_framework_in_the_page(browser, briefs):
    page, _, _ = _open(browser, briefs["bundled"], "vetoed")
    try:
        for tr in page.query_selector_all("#frameworks-table tbody tr"):
            cells = [td.inner_text() for td in tr.query_selector_all("td")]
            if cells[1] == "vetoed":
                assert cells[-2] == "0 %"
        assert "0 % (vetoed)" in page.query_selector("#frameworks svg").inner_html()
    finally:
        page.close()


@pytest.mark.quick
def test_what_ifs_rank_by_money_shortfall_and_nations_together():
    import pandas as pd

    from solver.present.brief_facts import whatif_impacts

    summary = pd.DataFrame([
        {"scenario": "base", "description": "as given", "status": "optimal", "framework": "nato", "delta_cost": None,
         "delta_shortfall": None, "delta_objective": None, "nations_leave": None, "nations_join": None,
         "roles_short": None},
        {"scenario": "dear", "description": "The land requirement grows by half", "status": "optimal",
         "framework": "nato", "delta_cost": 452.4, "delta_shortfall": 0.0, "delta_objective": 452.4,
         "nations_leave": None, "nations_join": "HRV", "roles_short": None},
        {"scenario": "nous", "description": "Washington withdraws its emergency support", "status": "optimal",
         "framework": "nato", "delta_cost": 53.2, "delta_shortfall": 700.0, "delta_objective": 728.2,
         "nations_leave": "DEU;EST;FIN;LTU;LVA;POL;ROU", "nations_join": "DNK", "roles_short":
         "air_defence 20; backstop 50"},
        {"scenario": "hun", "description": "Hungary blocks NATO consensus on command", "status": "optimal",
         "framework": "coalition", "delta_cost": 463.8, "delta_shortfall": 0.0, "delta_objective": 934.8,
         "nations_leave": "DEU", "nations_join": None, "roles_short": None},
        {"scenario": "tur", "description": "Turkiye keeps its ships out of the mission", "status": "optimal",
         "framework": "nato", "delta_cost": 3.2, "delta_shortfall": 0.0, "delta_objective": 3.2,
         "nations_leave": "TUR", "nations_join": None, "roles_short": None},
        {"scenario": "veto:CHN:un", "description": "China's veto", "status": "optimal", "framework": "nato",
         "delta_cost": 0.0, "delta_shortfall": 0.0, "delta_objective": 0.0, "nations_leave": None,
         "nations_join": None, "roles_short": None},
    ])
    df = whatif_impacts(summary, 2380.2, "nato", {"coalition": "Lead-nation coalition"},
                        {"air_defence": "Air defence", "backstop": "US backstop"})
    assert list(df["scenario"]) == ["nous", "hun", "dear", "tur"]  # commitments are priced apart
    assert list(df["severity"]) == ["severe", "severe", "major", "moderate"]
    nous = df.iloc[0]
    assert nous["nations leaving"] == 7 and nous["roles short"] == 2 and nous["money change"] == 53.2
    assert nous["roles short (strength)"] == "Air defence 20; US backstop 50"
    assert df.iloc[1]["framework"] == "→ Lead-nation coalition"


def test_the_bundled_what_ifs_put_the_us_withdrawal_above_dearer_but_harmless_ones(briefs):
    page = briefs["whatif"].read_text(encoding="utf-8")
    table = page[page.index('<section id="whatif">'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    order = [re.sub(r"\s+", " ", m) for m in re.findall(r"<tr><td>(.*?)</td>", table, flags=re.S)]
    us = next(i for i, t in enumerate(order) if "Washington" in t)
    land = next(i for i, t in enumerate(order) if t.startswith("The land requirement grows by half"))
    assert us < land
    assert "→ Lead-nation coalition" in table  # the framework switch is shown
