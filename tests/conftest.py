"""Shared fixtures: the bundled instance, random instances written to disk."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# A plain `pytest` writes nothing into the checkout: Hypothesis keeps its files in the temp folder.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "forcealloc-hypothesis"))

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "instances" / "assurance-force"
GAP_DIR = ROOT / "benchmarks" / "data" / "gap"  # OR-Library files and published optima


@pytest.fixture(scope="session")
def bundled() -> Path:
    return BUNDLED


@pytest.fixture(scope="session")
def scenario_file(bundled) -> Path:
    """The bundled instance's scenario file."""
    return bundled / "scenarios.yaml"


def pytest_configure(config):
    config.addinivalue_line("markers", "dask: starts a real Dask scheduler and workers on loopback")


def _batch(args: list[str], out: Path, columns: int) -> dict:
    env = {**os.environ, "COLUMNS": str(columns)}
    r = subprocess.run([sys.executable, "-m", "solver", "batch", *args, "--out", str(out), "--mip-gap", "0",
                        "--no-progress", "--workers", "2"], capture_output=True, text=True, env=env, timeout=900)
    return {"out": out, "stdout": r.stdout, "stderr": r.stderr, "returncode": r.returncode}


@pytest.fixture(scope="session")
def bundled_batch(tmp_path_factory) -> dict:
    """The bundled scenario file run once as a planner would (80 columns, two workers, exact
    gap): shared by the tests that read its summary, its files and its screen."""
    return _batch([str(BUNDLED), str(BUNDLED / "scenarios.yaml")], tmp_path_factory.mktemp("bundled") / "out", 80)


@pytest.fixture(scope="session")
def consent_batch(tmp_path_factory) -> dict:
    """The price of every political commitment of the bundled instance, run once."""
    return _batch([str(BUNDLED), "--sweep", "consent"], tmp_path_factory.mktemp("consent") / "out", 100)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download), shared by the
    brief's tests (tests/test_brief.py, tests/test_brief_sections.py)."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed (.ci/run installs it): apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=args)
        yield b
        b.close()
