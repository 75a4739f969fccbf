"""The layers hold: files -> Instance -> model -> solver adapter -> Solution -> writers.

Checked on the import graph (import-linter's contracts in pyproject.toml, and
grimp for what a contract cannot say), at run time in a fresh interpreter, and
on module sizes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.quick  # the inner loop: pytest -m quick

ROOT = Path(__file__).resolve().parents[1]
SOLVER_LIBRARIES = ("highspy", "pyomo.contrib.solver")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("solver", "models", include_external_packages=True, exclude_type_checking_imports=True,
                             cache_dir=None)  # nothing written into the checkout


def test_import_linter_contracts_are_kept():
    r = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "broken" not in r.stdout.split("Contracts:")[-1] or " 0 broken" in r.stdout


def test_only_the_adapter_imports_the_solver_libraries(graph):
    offenders = []
    for module in graph.modules:
        if not module.startswith(("solver", "models")) or module == "solver.engine.adapter":
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith(SOLVER_LIBRARIES):
                offenders.append((module, imported))
    assert offenders == []
    assert any(i.startswith("highspy") for i in graph.find_modules_directly_imported_by("solver.engine.adapter"))


def test_no_import_cycles(graph):
    internal = {m for m in graph.modules if m.startswith(("solver", "models"))}
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in internal} for m in internal}
    # a package's __init__ importing its own submodule is not a cycle of the code's layers
    cycles, state = [], {}

    def visit(m, path):
        state[m] = "open"
        for n in sorted(edges[m]):
            if state.get(n) == "open":
                cycles.append(path[path.index(n):] + [n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = "done"

    for m in sorted(internal):
        if m not in state:
            visit(m, [m])
    assert cycles == []


@pytest.mark.parametrize("modules, absent", [
    ("solver.io, solver.io.readers, solver.io.writers, solver.io.validate, solver.io.schema, solver.domain.instance, "
     "solver.domain.commitments", ("pyomo", "highspy")),
    ("solver.results.solution, solver.results.compare, solver.results.summary, solver.present.terminal, "
     "solver.present.brief", ("pyomo", "highspy")),
    ("models, models.eligibility", ("solver", "pyomo", "highspy")),
    ("solver", ("pyomo", "highspy")),
])
def test_importing_a_layer_leaves_the_lower_ones_unloaded(modules, absent):
    code = (f"import sys, importlib\nfor m in '{modules}'.split(', '): importlib.import_module(m)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {absent!r}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout


def test_the_file_layer_still_loads_an_instance_without_the_solver():
    code = ("import sys\nfrom solver.io import load_instance\ni = load_instance('instances/assurance-force')\n"
            "assert len(i.assets) > 100\nprint('pyomo' in sys.modules, 'highspy' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.stdout.strip() == "False False", r.stderr


FLOORS = ("app", "analysis", "engine", "present", "results", "io", "domain")


def test_every_module_lives_on_a_floor():
    """The folders are the architecture: no module outside the floors of the layers contract."""
    loose = sorted(p.name for p in (ROOT / "solver").glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert loose == []
    assert sorted(p.name for p in (ROOT / "solver").iterdir() if p.is_dir() and p.name != "__pycache__") == \
        sorted(FLOORS)


def test_adapter_reads_pyomo_private_maps_of_a_supported_version():
    """solver.engine.adapter reads the persistent interface's private column and row maps: pinned
    to the Pyomo minor release they are known in (pyproject.toml pins the same)."""
    import pyomo.environ as pyo
    from pyomo.version import version_info

    from solver.engine.adapter import HighsModel

    assert version_info[:2] == (6, 10), version_info
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 3))
    m.y = pyo.Var(bounds=(0, 3))
    m.c = pyo.Constraint(expr=m.x + 2 * m.y <= 4)
    m.o = pyo.Objective(expr=-m.x - m.y)
    h = HighsModel(m)
    assert sorted([h.col(m.x), h.col(m.y)]) == [0, 1] and h.row(m.c) == 0
    h.change_coefficient(m.c, m.y, 1.0)
    lp = h.lp_arrays()
    assert lp["a"][0, h.col(m.y)] == 1.0
    run = h.run(time_limit=10, mip_gap=0)
    assert run.status == "optimal" and run.objective == pytest.approx(-4.0)


def test_every_kind_of_commitment_is_declared_once_and_gated():
    """The registry is the one declaration: every kind has its gate row in the relaxable
    model, its lifting, and (for the kinds sweeps price) its scenario edit and name."""
    from models.relaxable import GATES
    from solver.analysis.whatif.sweeps import PRICED
    from solver.domain.commitments import COMMITMENT_KINDS, KINDS

    assert set(GATES) == set(KINDS) == set(COMMITMENT_KINDS)
    assert all(KINDS[k].edit is not None and KINDS[k].scenario is not None for k in PRICED)
