"""Write benchmarks/README.md from the latest run and the scaling curve.

    pytest benchmarks --full            # writes benchmarks/results/latest.json
    python -m benchmarks.scale --report # writes benchmarks/scaling.json and scaling.png
    python -m benchmarks.report         # writes benchmarks/README.md
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import highspy

HERE = Path(__file__).resolve().parent


def _f(v, digits=2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def cases_table(cases: dict) -> list[str]:
    rows = ["| case | status | objective | gap | wall s | HiGHS s | overhead s | variables | constraints | nonzeros | nodes | LP iterations | measured (UTC) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, c in cases.items():
        if "wall_s" not in c:
            continue
        gap = "-" if c.get("gap") is None else f"{100 * c['gap']:.3f} %"
        rows.append(f"| {name} | {c['status']} | {_f(c['objective'])} | {gap} | {_f(c['wall_s'])} | {_f(c['highs_s'])} | "
                    f"{_f(c['overhead_s'])} | {_f(c['variables'])} | {_f(c['constraints'])} | {_f(c['nonzeros'])} | "
                    f"{_f(c['nodes'])} | {_f(c['lp_iterations'])} | {c.get('measured', '-')} |")
    return rows


def families_table(cases: dict) -> list[str]:
    """Per family and seed: forcealloc and the naive model in one run (benchmarks/test_families.py)."""
    rows = ["| family | instance | to 1 % s | to 0.1 % s | primal integral | naive to 1 % s | naive to 0.1 % s | "
            "naive primal integral | ratio (0.1 %) | same optimum |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, c in cases.items():
        seeds = c.get("seeds") or ({name.removeprefix("family-"): c} if "ours" in c else {})
        for label, r in seeds.items():
            a, b = r["ours"], r["naive"]
            rows.append(f"| {name.removeprefix('family-')} | {label} | {_f(a['to_1pct_s'])} | {_f(a['to_0.1pct_s'])} | "
                        f"{_f(a['primal_integral'])} | {_f(b['to_1pct_s'])} | {_f(b['to_0.1pct_s'])} | "
                        f"{_f(b['primal_integral'])} | {_f(r['ratio'])} | {r['same_optimum']} |")
        if "summary" in c:
            sm = c["summary"]
            rows.append(f"| **{name.removeprefix('family-')}** | geometric mean / worst ({sm['worst']}) | | | | | | | "
                        f"**{_f(sm['geomean'])}** / {_f(sm['worst_ratio'])} | |")
    return rows


def main() -> None:
    latest = json.loads((HERE / "results" / "latest.json").read_text())
    scaling = json.loads((HERE / "scaling.json").read_text()) if (HERE / "scaling.json").exists() else []
    cases, ratios = latest["cases"], latest["ratios"]
    out = ["# Benchmarks", "",
           "Measured with pytest-benchmark on the project's 2-core machine "
           f"(Python {platform.python_version()}, HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}."
           f"{highspy.HIGHS_VERSION_PATCH}, one HiGHS thread, seed 0). Times are from one run on a shared, noisy "
           "machine: compare ratios measured in the same run, not absolute seconds across runs. Node and LP "
           "iteration counts are deterministic.", "",
           "How to run: `pytest benchmarks` (the quick subset CI runs and gates against `baseline.json`), "
           "`pytest benchmarks --full --xl` (everything), `python -m benchmarks.scale --report` (the curve below), "
           "`python -m benchmarks.report` (this page). `pytest benchmarks --update-baseline` rewrites the baseline.",
           "", "## End to end (load, validate, build, solve, write)", ""]
    out += cases_table(cases)
    out += ["", "`overhead` is everything but HiGHS's own run: loading, validation, eligibility and aggregation, "
            "building, translation into HiGHS, the greedy start and writing all result files.", ""]
    families = {k: v for k, v in cases.items() if k.startswith("family-")}
    if families:
        out += ["## Families forcealloc was not tuned on", "",
                "Each instance solved end to end by forcealloc and by the naive per-asset model "
                "(benchmarks/naive.py) in the same run, to 0.1 %, 200 s each at most (a time that never reached "
                "0.1 % counts as the limit). The primal integral is the area under the primal gap over the run "
                "(seconds; 1 before the first allocation). Ratio = naive / forcealloc time to 0.1 %.", ""]
        out += families_table(families) + [""]
    extra = {k: v for k, v in cases.items() if "wall_s" not in v and not k.startswith("family-")}
    if extra:
        out += ["## Alternatives and batches", "", "| measurement | figures |", "|---|---|"]
        for k, v in extra.items():
            figures = ", ".join(f"{a} {_f(b, 3)}" for a, b in v.items() if a != "tier")
            out.append(f"| {k} | {figures} |")
        out.append("")
    if ratios:
        out += ["## Ratios (each measured within one run; those with a limit are gated: the quick ones in CI, the M one by `--full`)", "", "| ratio | value | limit | what |", "|---|---:|---:|---|"]
        for k, r in ratios.items():
            limit = (f"<= {r['ceiling']}" if "ceiling" in r else f">= {r['floor']}" if "floor" in r
                     else "reported")
            out.append(f"| {k} | {r['value']:.2f} | {limit} | {r['what']} |")
        out.append("")
    if scaling:
        out += ["## Scaling: time and memory against assets", "",
                "Each size in a fresh process (`python -m benchmarks.scale --report`); S and M to HiGHS's default "
                "gap, L to 0.1 % (600 s limit), XL with a 240 s limit.", "",
                "| size | assets | status | gap | wall s | HiGHS s | overhead s | peak memory MB | variables |",
                "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
        for r in scaling:
            gap = "-" if r.get("gap") is None else f"{100 * r['gap']:.3f} %"
            out.append(f"| {r['case']} | {r['assets']:,} | {r['status']} | {gap} | {_f(r['wall_s'])} | {_f(r['highs_s'])} | "
                       f"{_f(r['overhead_s'])} | {_f(r['peak_rss_mb'], 0)} | {_f(r['variables'])} |")
        out += ["", "![time and memory against assets](scaling.png)", ""]
    notes = HERE / "NOTES.md"
    if notes.exists():
        out += [notes.read_text()]
    (HERE / "README.md").write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
