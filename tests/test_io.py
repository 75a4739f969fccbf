"""Files are written atomically and read back to the same instance."""

from __future__ import annotations

import pandas as pd
import pytest

from solver import load_instance, solve
from solver.io import writers
from solver.io.writers import instance_tables, write_instance, write_solution

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick


def test_failed_write_leaves_nothing_behind(bundled, tmp_path, monkeypatch):
    sol = solve(bundled)
    out = tmp_path / "out"

    def broken(*a, **k):  # the disk fills up while the workbook is written
        raise OSError("No space left on device")

    monkeypatch.setattr(writers, "write_workbook", broken)
    with pytest.raises(OSError):
        write_solution(sol, out)
    assert list(out.iterdir()) == []  # no solution.json or CSV without the rest


def test_failed_write_keeps_previous_results(bundled, tmp_path, monkeypatch):
    sol = solve(bundled)
    out = tmp_path / "out"
    write_solution(sol, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, "json_text", boom)
    with pytest.raises(KeyboardInterrupt):
        write_solution(sol, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize("fmt", ["folder", "xlsx"])
def test_instance_round_trip(bundled, tmp_path, fmt):
    inst = load_instance(bundled)
    dest = tmp_path / ("copy.xlsx" if fmt == "xlsx" else "copy")
    write_instance(inst, dest)
    again = load_instance(dest)
    a, sa = instance_tables(inst)
    b, sb = instance_tables(again)
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), check_dtype=False)
    assert sa == sb


def test_bundled_workbook_matches_folder(bundled):
    a, sa = instance_tables(load_instance(bundled))
    b, sb = instance_tables(load_instance(bundled.parent / "assurance-force.xlsx"))
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), check_dtype=False)
    assert sa == sb
