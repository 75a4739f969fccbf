"""Benchmark cases: how each instance is made and how it is solved.

Instances are materialised once into ``benchmarks/.cache`` (generated ones
deterministically from their seed) so every run measures the same files.
``quick`` cases run in CI on every change and are compared with
``baseline.json``; ``full`` and ``xl`` cases run on demand (``--full``,
``--xl``) and feed the scaling table in benchmarks/README.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from solver.engine.session import SolveOptions
from solver.io.gap import gap_tables, read_gap
from solver.io.generate import SIZES, GeneratorSpec, generate
from solver.io.writers import write_tables

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Generated instances are cached outside the tree (a plain `pytest` writes nothing into the
# checkout); FORCEALLOC_BENCH_CACHE moves the cache.
CACHE = Path(os.environ.get("FORCEALLOC_BENCH_CACHE", Path(tempfile.gettempdir()) / "forcealloc-bench-cache"))
GAP = HERE / "data" / "gap"


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # "bundled", "generate:<size>:<seed>", "gap:<file>:<k>:<sense>"
    tier: str = "quick"  # quick | full | xl
    options: SolveOptions = field(default_factory=SolveOptions)
    expected: float | None = None  # a published optimum (GAP)
    survive: int = 0  # MODEL.md v3 withdrawals: the plan survives any k of the hesitant nations leaving

    def path(self) -> Path:
        """The instance folder, made on first use."""
        if self.source == "bundled":
            return ROOT / "instances" / "assurance-force"
        if self.source == "mission":  # the bundled instance over six periods (MODEL.md v3 "Time")
            return ROOT / "instances" / "assurance-force-mission"
        dest = CACHE / self.source.replace(":", "-")
        if (dest / "instance.yaml").exists():
            return dest
        kind, *args = self.source.split(":")
        if kind == "generate":
            n, a, r = SIZES[args[0]]
            tables, settings = generate(GeneratorSpec(n, a, r, int(args[1])))
        else:
            file, k, sense = args
            problems = read_gap(GAP / file)
            tables, settings = gap_tables(problems[int(k) - 1], sense, f"{Path(file).name}-{k}")
        # written aside and renamed: a parallel test run may make the same case at once
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
        write_tables(tables, settings, tmp / "case")
        with contextlib.suppress(OSError):  # another worker made it first
            os.replace(tmp / "case", dest)
        shutil.rmtree(tmp, ignore_errors=True)
        return dest

    @property
    def assets(self) -> int:
        if self.source.startswith("generate"):
            return SIZES[self.source.split(":")[1]][1]
        return 0


NAIVE = SolveOptions(aggregate=False, warm_start=False)

CASES = [
    Case("bundled", "bundled"),
    Case("S", "generate:S:1"),
    Case("M", "generate:M:1"),
    Case("gap12-1", "gap:orlib/gap12.txt:1:max", expected=1451),
    Case("c05100", "gap:yagiura/c05100:1:min", expected=1931),
    Case("e05100", "gap:yagiura/e05100:1:min", expected=12681),
    Case("bundled-naive", "bundled", options=NAIVE),
    Case("bundled-k2", "bundled", survive=2),  # k-robust without recourse: one MILP (issue 20)
    Case("mission", "mission"),  # six periods, tours and dwells (issue 21)
    Case("S-naive", "generate:S:1", options=NAIVE),
    Case("S2", "generate:S:2", tier="full"),
    Case("S3", "generate:S:3", tier="full"),
    Case("M2", "generate:M:2", tier="full"),
    Case("M3", "generate:M:3", tier="full"),
    Case("M-naive", "generate:M:1", tier="full", options=SolveOptions(aggregate=False, warm_start=False, time_limit=1800)),
    Case("L", "generate:L:1", tier="full", options=SolveOptions(mip_gap=1e-3, time_limit=600)),
    Case("XL", "generate:XL:1", tier="xl", options=SolveOptions(time_limit=300)),
]
BY_NAME = {c.name: c for c in CASES}
