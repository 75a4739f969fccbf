"""Shared fixtures: the bundled instance, random instances written to disk."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "instances" / "assurance-force"
GAP_DIR = ROOT / "benchmarks" / "data" / "gap"  # OR-Library files and published optima


@pytest.fixture(scope="session")
def bundled() -> Path:
    return BUNDLED


def pytest_configure(config):
    config.addinivalue_line("markers", "dask: starts a real Dask scheduler and workers on loopback")
