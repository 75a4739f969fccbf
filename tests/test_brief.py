"""The brief, opened in a real headless Chromium (Debian's package, driven by Playwright).

No request leaves the page, no console error, every picture renders with a box,
the printed PDF has the sections in order, the numbers in the tables are those
of solution.json and explanation.json, and a screenshot of the top of the page is
kept in test-artifacts/ to be looked at.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from solver.app import api
from solver.app.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SECTIONS = ["Why", "Who provides what", "The frameworks compared", "The next best allocations",
            "The force in theatre and the support behind it"]


@pytest.fixture(scope="session")
def browser():
    assert CHROMIUM, "Debian's chromium is needed (.ci/run installs it): apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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
    ARTIFACTS.mkdir(exist_ok=True)
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
    assert len(PdfReader(pdf).pages) >= len(SECTIONS)  # a page per section


def test_the_numbers_are_those_of_the_result_files(browser, briefs):
    out = briefs["bundled"].parent
    sol = json.loads((out / "solution" / "solution.json").read_text())
    ex = json.loads((out / "explanation" / "explanation.json").read_text())
    page, _, _ = _open(browser, briefs["bundled"], "numbers")
    try:
        headline = page.query_selector("#headline").inner_text()
        assert f"{sol['terms']['cost']:,.2f}" in headline and f"{sol['objective']:,.2f}" in headline
        assert f"{100 * sol['approval_probability']:.0f} %" in headline
        coverage = page.query_selector_all("#why table tbody tr")
        roles = {r["role"]: r for r in sol["roles"]}
        assert len(coverage) == len(roles)
        for tr in coverage:
            cells = [td.inner_text() for td in tr.query_selector_all("td")]
            r = roles[cells[0]]
            assert float(cells[2].replace(",", "")) == pytest.approx(r["required"])
            assert float(cells[3].replace(",", "")) == pytest.approx(r["covered"])
        rows = page.query_selector_all("#frameworks table tbody tr")
        by = {f["framework"]: f for f in ex["frameworks"]}
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
