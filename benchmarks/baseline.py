"""Compare a benchmark run with the committed baseline; write the baseline on purpose.

Gated (machine-independent): model size and the deterministic search counters
(B&B nodes and LP iterations, which threads=1 and a fixed seed make the same on
every machine) may not grow beyond a margin, and each ratio measured within one
run may not fall below its floor. Times are reported beside the baseline's,
never gated: the machines are shared and noisy.
"""

from __future__ import annotations

import json
from pathlib import Path

BASELINE = Path(__file__).resolve().parent / "baseline.json"
SIZE_MARGIN = 0.05  # variables, constraints, nonzeros: +5 %
SEARCH_MARGIN = 0.25  # nodes, LP iterations: +25 %
SEARCH_SLACK = {"nodes": 20, "lp_iterations": 1000}  # absolute room for tiny counts
COUNTERS = ("variables", "constraints", "nonzeros", "nodes", "lp_iterations")
TIMES = ("wall_s", "highs_s", "overhead_s")


def versions() -> dict[str, str]:
    """The solver libraries whose releases change B&B counters (not our code)."""
    from importlib.metadata import version  # noqa: PLC0415

    return {"highspy": version("highspy"), "pyomo": version("pyomo")}


def load() -> dict | None:
    return json.loads(BASELINE.read_text()) if BASELINE.exists() else None


def save(cases: dict[str, dict], ratios: dict[str, dict]) -> None:
    doc = {
        "note": "Written by `pytest benchmarks --update-baseline` (or `forcealloc bench --update-baseline`).",
        "margins": {"size": SIZE_MARGIN, "search": SEARCH_MARGIN, "search_slack": SEARCH_SLACK},
        "versions": versions(),
        "cases": {k: {m: v.get(m) for m in (*COUNTERS, *TIMES, "status", "objective")} for k, v in sorted(cases.items())},
        "ratios": ratios,
    }
    BASELINE.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")


def compare(cases: dict[str, dict], ratios: dict[str, dict], baseline: dict) -> tuple[list[str], list[str]]:
    """Printable rows and the list of failures."""
    rows, failures = [], []
    same = baseline.get("versions") == versions()
    if not same:  # a new HiGHS or Pyomo release searches differently: a code change did not
        rows.append(f"solver libraries {versions()} differ from the baseline's {baseline.get('versions')}: "
                    "B&B nodes and LP iterations are reported, not gated (model size and ratios still are)")
    rows.append(f"{'case':<16}{'metric':<15}{'baseline':>14}{'now':>14}  verdict")
    for name, now in sorted(cases.items()):
        base = baseline.get("cases", {}).get(name)
        if base is None:
            rows.append(f"{name:<16}{'(new case)':<15}")
            continue
        for m in COUNTERS:
            b, v = base.get(m), now.get(m)
            if b is None or v is None:
                continue
            size = m in ("variables", "constraints", "nonzeros")
            margin = SIZE_MARGIN if size else SEARCH_MARGIN
            limit = b * (1 + margin) + SEARCH_SLACK.get(m, 0)
            ok = v <= limit
            gated = size or same
            rows.append(f"{name:<16}{m:<15}{b:>14,}{v:>14,}  "
                        f"{('ok' if ok else 'REGRESSION') if gated else '(reported: other solver release)'}")
            if gated and not ok:
                failures.append(f"{name}: {m} {v:,} > {limit:,.0f} (baseline {b:,} + {margin:.0%})")
        for m in TIMES:
            b, v = base.get(m), now.get(m)
            if b is not None and v is not None:
                rows.append(f"{name:<16}{m:<15}{b:>14.3f}{v:>14.3f}  (reported)")
    for name, r in sorted(ratios.items()):
        if "ceiling" not in r and "floor" not in r:
            rows.append(f"{'ratio':<16}{name:<15}{'-':>14}{r['value']:>14.2f}  (reported)")
            continue
        if "ceiling" in r:
            ok, limit, word = r["value"] <= r["ceiling"], r["ceiling"], "ABOVE CEILING"
        else:
            ok, limit, word = r["value"] >= r["floor"], r["floor"], "BELOW FLOOR"
        rows.append(f"{'ratio':<16}{name:<15}{limit:>14.2f}{r['value']:>14.2f}  {'ok' if ok else word}")
        if not ok:
            failures.append(f"ratio {name} = {r['value']:.2f} {word.lower()} {limit:.2f} ({r['what']})")
    return rows, failures
