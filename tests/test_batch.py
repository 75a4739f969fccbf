"""What-if batches: scenario files, sweeps, local pool, Dask, faults and restarts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from highs_lp import dense_lp

from solver import SolveOptions, solve, sweeps
from solver.changes import apply_changes
from solver.cli import main
from solver.io import load_instance, read_raw
from solver.io.writers import write_tables
from solver.scenarios import Scenario, ScenarioError, read_scenarios

FORCEALLOC = [sys.executable, "-m", "solver"]
COMPARE = ["scenario", "status", "objective", "cost", "shortfall", "approval_risk", "enabler_dependence",
           "framework", "nations", "nation_list", "total_shortfall", "delta_objective", "delta_cost",
           "delta_shortfall", "nations_join", "nations_leave", "roles_short", "error"]


def _summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "summary.csv").sort_values("scenario").reset_index(drop=True)


def _cli(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*FORCEALLOC, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def scenario_file(bundled) -> Path:
    return bundled / "scenarios.yaml"


def test_scenario_file_errors_are_named_with_line(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "scenarios:\n"
        "  - name: a\n"
        "    changes:\n"
        "      - explode: {table: assets}\n"          # line 4: unknown kind
        "  - name: b\n"
        "    extends: nowhere\n"                      # line 5: unknown extends
        "    changes:\n"
        "      - set: {table: roles, key: land, column: strenght, value: 3}\n"  # line 8: unknown column
        "  - name: a\n"                               # line 9: duplicate
        "    changes: []\n")
    with pytest.raises(ScenarioError) as exc:
        read_scenarios(bad)
    text = [str(i) for i in exc.value.issues]
    assert any("line 4" in t and "explode" in t for t in text)
    assert any("line 5" in t and "nowhere" in t for t in text)
    assert any("line 8" in t and "strenght" in t for t in text)
    assert any("line 9" in t and "unique" in t for t in text)
    r = CliRunner().invoke(main, ["batch", "instances/assurance-force", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_bundled_scenarios_answer_the_questions(bundled_batch):
    out = bundled_batch["out"]
    assert bundled_batch["returncode"] == 0, bundled_batch["stdout"] + bundled_batch["stderr"]
    s = _summary(out).set_index("scenario")
    assert set(s.index) >= {"base", "no-us-backstop", "hungary-blocks-nato", "italy-pulls-out", "land-plus-half"}
    assert s.at["hungary-blocks-nato", "framework"] != "nato"  # a veto closes NATO
    assert s.at["land-plus-half", "delta_objective"] > 0
    assert s.at["no-us-backstop", "delta_objective"] > 0
    assert (out / "summary.parquet").exists()
    assert pd.read_parquet(out / "summary.parquet").shape[0] == len(s)
    for name in s.index:
        assert (out / "scenarios" / name.replace(":", "_") / "solution.json").exists()


def test_summary_equals_single_solves(bundled_batch, scenario_file, tmp_path):
    """Every scenario's result (two workers, persistent and rebuilt models) is what a fresh
    solve of its modified instance, written to files and read back, gives."""
    summary = _summary(bundled_batch["out"]).set_index("scenario")
    raw = read_raw(scenario_file.parent)
    scenarios, _ = read_scenarios(scenario_file)
    for sc in [Scenario("base", []), *scenarios]:
        changed = apply_changes(raw, sc)
        inst_dir = tmp_path / "single" / sc.name
        tables = {k: v.drop(columns="_row") for k, v in changed.tables.items()}
        write_tables(tables, changed.settings, inst_dir)
        doc = solve(inst_dir, SolveOptions(mip_gap=0)).to_dict()
        row = summary.loc[sc.name]
        assert row["status"] == doc["status"], sc.name
        assert row["objective"] == pytest.approx(doc["objective"], abs=1e-6), sc.name
        assert row["framework"] == doc["framework"], sc.name
        assert row["nation_list"] == ";".join(sorted(n["nation"] for n in doc["nations"])), sc.name


def test_withdrawal_semantics(bundled):
    raw = read_raw(bundled)
    changed = apply_changes(raw, Scenario("w", [{"withdraw": "GBR"}]))
    t = changed.tables
    assert not (t["assets"]["nation"] == "GBR").any()
    assert not t["suitability"]["asset"].str.startswith("GBR-").any()
    assert not (t["links"]["nation"] == "GBR").any()
    assert (t["links"]["target"] == "GBR").any()  # NLD still requires GBR: it can no longer take part
    assert (t["nations"]["nation"] == "GBR").any()  # GBR keeps its vote
    names = [s.name for s in sweeps.sweep_withdrawal(load_instance(bundled)).scenarios]
    assert "withdrawal:GBR" in names and "withdrawal:RUS" not in names


def test_consent_sweep_prices_equal_single_solves(consent_batch, bundled, tmp_path):
    assert consent_batch["returncode"] == 0, consent_batch["stderr"]
    assert "Price of each political commitment" in consent_batch["stdout"]
    s = _summary(consent_batch["out"]).set_index("scenario")
    raw = read_raw(bundled)
    base = solve(bundled, SolveOptions(mip_gap=0)).objective
    lifted = sweeps.generate("consent", load_instance(bundled)).scenarios
    assert len(lifted) == len(s) - 1
    for sc in lifted[:: max(1, len(lifted) // 8)]:  # a spread sample, each a fresh solve from files
        changed = apply_changes(raw, sc)
        d = tmp_path / "single" / sc.name.replace(":", "_")
        write_tables({k: v.drop(columns="_row") for k, v in changed.tables.items()}, changed.settings, d)
        one = solve(d, SolveOptions(mip_gap=0))
        if one.objective is None:
            assert pd.isna(s.at[sc.name, "objective"])
        else:
            assert s.at[sc.name, "delta_objective"] == pytest.approx(one.objective - base, abs=1e-6)


def test_requirement_and_veto_sweeps(bundled, tmp_path):
    out = tmp_path / "out"
    r = _cli("batch", bundled, "--sweep", "requirement", "--factor", "0.5:1.25:0.25", "--sweep", "veto",
             "--out", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    s = _summary(out).set_index("scenario")
    assert {"requirement:x0.5", "requirement:x0.75", "requirement:x1", "requirement:x1.25"} <= set(s.index)
    assert s.at["requirement:x0.5", "objective"] < s.at["requirement:x0.75", "objective"] < s.at["base", "objective"]
    assert s.at["requirement:x1", "objective"] == pytest.approx(s.at["base", "objective"])
    assert s.at["requirement:x1.25", "status"] == "infeasible" or s.at["requirement:x1.25", "delta_objective"] > 0
    vetoes = [n for n in s.index if n.startswith("veto:")]
    assert vetoes == ["veto:nato"]  # one row: any NATO member's veto has the same effect
    assert "any one of" in s.at["veto:nato", "description"]
    assert s.at["veto:nato", "framework"] != "nato"


def test_failing_scenario_is_recorded_and_batch_goes_on(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n"
                 "  - name: ok\n    changes:\n      - set: {table: roles, key: land, column: requirement, value: 100}\n"
                 "  - name: impossible\n    changes:\n      - set: {table: roles, key: land, column: requirement, value: 5000}\n")
    out = tmp_path / "out"
    r = _cli("batch", bundled, f, "--out", out, "--no-progress")
    assert r.returncode == 0
    s = _summary(out).set_index("scenario")
    assert s.at["ok", "status"] == "optimal"
    assert s.at["impossible", "status"] == "infeasible"
    doc = json.loads((out / "scenarios" / "impossible" / "solution.json").read_text())
    assert any("land" in line for line in doc["diagnosis"])


def _slow_batch(tmp_path, n=16) -> tuple[Path, Path]:
    """A batch whose scenarios each take a moment: generated S instance, requirement sweep."""
    inst = tmp_path / "S"
    assert _cli("generate", "--size", "S", "--seed", "3", inst).returncode == 0
    f = tmp_path / "s.yaml"
    lines = ["scenarios:"]
    for i in range(n):
        lines += [f"  - name: s{i:02d}", "    changes:",
                  f"      - scale: {{table: roles, column: requirement, factor: {0.6 + 0.02 * i:.2f}}}",
                  f"      - set: {{table: nations, key: N{i % 10 + 3:03d}, column: budget, value: 1}}"]  # structural: rebuild
    f.write_text("\n".join(lines) + "\n")
    return inst, f


def _kill_one_worker_midway(args: list, out: Path, find_workers, after: int):
    """Start `forcealloc ARGS`, kill one worker process once `after` results are on
    disk, wait for the batch to end; returns (process, stderr)."""
    p = subprocess.Popen([*FORCEALLOC, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.time() + 180
    while time.time() < deadline and killed is None:
        done = len(list((out / "state").glob("*.json"))) if (out / "state").exists() else 0
        workers = find_workers(p) if done >= after else []
        if workers:
            workers[0].kill()
            killed = workers[0].pid
        time.sleep(0.05)
    _, stderr = p.communicate(timeout=600)
    assert killed is not None, "no worker process to kill"
    return p, stderr


def test_killing_a_worker_loses_no_scenario(tmp_path):
    import psutil

    inst, f = _slow_batch(tmp_path)
    out = tmp_path / "out"

    def pool_workers(p):
        return [c for c in psutil.Process(p.pid).children(recursive=True)
                if "spawn_main" in " ".join(c.cmdline()) and "resource_tracker" not in " ".join(c.cmdline())]

    p, stderr = _kill_one_worker_midway(["batch", inst, f, "--out", out, "--workers", "2", "--no-progress"],
                                        out, pool_workers, after=3)
    assert p.returncode in (0, 5), stderr
    s = _summary(out)
    assert len(s) == 17 and s["status"].isin(["optimal", "feasible", "infeasible"]).all(), s[["scenario", "status", "error"]]
    assert "retrying once" in stderr


def test_interrupt_keeps_results_and_rerun_finishes_the_rest(tmp_path):
    # 40 scenarios of about 0.3 s: the interrupt has a window of some 10 s to land in,
    # even when a loaded machine starves this polling loop for seconds
    inst, f = _slow_batch(tmp_path, n=40)
    out = tmp_path / "out"
    p = subprocess.Popen([*FORCEALLOC, "batch", inst, f, "--out", out, "--workers", "1", "--no-progress"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if (out / "state").exists() and len(list((out / "state").glob("*.json"))) >= 4:
            break
        time.sleep(0.05)
    assert p.poll() is None, "the batch ended before it could be interrupted"
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stderr
    first = _summary(out)
    assert 4 <= len(first) < 41
    r = _cli("batch", inst, f, "--out", out, "--workers", "2", "--no-progress")
    assert r.returncode in (0, 5), r.stderr
    assert f"({len(first)} already done" in r.stdout
    assert len(_summary(out)) == 41


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_cluster(workers: int = 2) -> tuple[str, list[subprocess.Popen]]:
    """A real scheduler and single-threaded workers on loopback, as docs/whatif.md starts them."""
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    bindir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    time.sleep(1.0)
    for _ in range(workers):
        procs.append(subprocess.Popen([str(bindir / "dask"), "worker", addr, "--nthreads", "1", "--no-dashboard"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from dask.distributed import Client

    with Client(addr, timeout=60) as c:
        if workers:
            c.wait_for_workers(workers, timeout=60)
    return addr, procs


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


@pytest.fixture(scope="module")
def dask_cluster():
    addr, procs = _start_cluster(2)
    yield addr
    _stop(procs)


@pytest.mark.dask
def test_dask_cluster_gives_the_local_summary(dask_cluster, scenario_file, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "dask"
    r1 = _cli("batch", scenario_file.parent, scenario_file, "--out", local, "--mip-gap", "0", "--no-progress")
    r2 = _cli("batch", scenario_file.parent, scenario_file, "--out", remote, "--mip-gap", "0", "--no-progress",
              "--scheduler", dask_cluster)
    assert r1.returncode == r2.returncode, r2.stderr
    a, b = _summary(local)[COMPARE], _summary(remote)[COMPARE]
    pd.testing.assert_frame_equal(a, b)


def test_rerun_after_partial_output_dir_is_safe(bundled, tmp_path):
    out = tmp_path / "out"
    shutil.rmtree(out, ignore_errors=True)
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: a\n    changes:\n      - objective: {approval_risk: 0}\n")
    assert _cli("batch", bundled, f, "--out", out, "--no-progress").returncode == 0
    (out / "summary.csv").unlink()
    r = _cli("batch", bundled, f, "--out", out, "--no-progress")
    assert r.returncode == 0 and "(2 already done" in r.stdout
    assert len(_summary(out)) == 2


@pytest.mark.parametrize("change", [
    {"scale": {"table": "roles", "column": "requirement", "factor": 0.4, "where": {"role": "isr"}}},
    {"scale": {"table": "roles", "column": "requirement", "factor": 1.3}},
    {"set": {"table": "roles", "key": "land", "column": "capacity", "value": 170}},
    {"set": {"table": "nations", "key": "CZE", "column": "budget", "value": 40}},
    {"set": {"table": "nations", "key": "POL", "column": "max_share", "value": 0.1}},
    {"set": {"table": "consent", "key": ["HUN", "nato"], "column": "approval", "value": "veto"}},
    {"set": {"table": "consent", "key": ["USA", "nato"], "column": "approval_probability", "value": 0.3}},
    {"set": {"table": "frameworks", "key": "eu", "column": "setup_cost", "value": 5}},
    {"set": {"table": "roles", "key": "backstop", "column": "shortfall_penalty", "value": 100}},
    {"objective": {"approval_risk": 0, "enabler_dependence": 3}},
    {"settings": {"min_coalition_nations": 20}},
])
def test_retargeted_model_is_the_freshly_built_model(bundled, change):
    """A persistent what-if leaves HiGHS holding exactly the model a fresh build would give."""
    import numpy as np

    from solver.changes import parametric_instance
    from solver.session import Session
    from solver.validate import validate

    raw = read_raw(bundled)
    base = validate(raw.copy())
    sc = Scenario("x", [change])
    assert sc.parametric
    inst = parametric_instance(base, sc)
    s = Session(base)
    s.solve()
    assert s.retarget(inst)
    fresh = Session(inst)
    a, b = dense_lp(s), dense_lp(fresh)
    for k in a:
        assert np.allclose(a[k], b[k]), k
    assert s.solve().objective == pytest.approx(fresh.solve().objective)
    assert s.retarget(base)  # and back
    assert np.allclose(dense_lp(s)["a"], dense_lp(Session(base))["a"])


@pytest.mark.dask
def test_dask_worker_death_loses_no_scenario(dask_cluster, tmp_path):
    """A Dask worker process killed mid-batch: the nanny restarts it, the scheduler reruns its task."""
    import psutil

    inst, f = _slow_batch(tmp_path, n=16)
    out = tmp_path / "out"

    def dask_workers(p):  # the nanny's spawned worker processes
        return [c for c in psutil.process_iter(["cmdline"])
                if "spawn_main" in " ".join(c.info["cmdline"] or []) and c.pid != p.pid
                and any("dask" in " ".join(a.cmdline()) for a in c.parents()[:1])]

    p, stderr = _kill_one_worker_midway(["batch", inst, f, "--out", out, "--no-progress", "--scheduler", dask_cluster],
                                        out, dask_workers, after=2)
    assert p.returncode in (0, 5), stderr
    s = _summary(out)
    assert len(s) == 17
    assert s["status"].isin(["optimal", "feasible", "infeasible"]).all(), s[["scenario", "status", "error"]]


def test_run_batch_refuses_repeated_scenario_names(bundled, tmp_path):
    """Two scenarios of one name would write one folder; the API refuses them, as the file loader does."""
    from solver.batch import run_batch
    from solver.scenarios import Scenario, base_digest

    raw = read_raw(bundled)
    twice = [Scenario("x", [{"objective": {"cost": 2.0}}]), Scenario("x", [{"objective": {"cost": 3.0}}])]
    for scenarios in (twice, [Scenario("base", [])]):
        with pytest.raises(ScenarioError, match="distinct|other than 'base'"):
            run_batch(raw, base_digest(raw), scenarios, tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()


def test_cli_refuses_a_file_scenario_named_like_a_sweep_scenario(bundled, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - name: withdrawal:FRA\n    changes:\n      - withdraw: FRA\n")
    r = _cli("batch", bundled, f, "--sweep", "withdrawal", "--out", tmp_path / "out", "--no-progress")
    assert r.returncode == 2, r.stderr
    assert "repeat" in r.stderr and "withdrawal:FRA" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "summary.csv").exists()


def _veto_sweep_on(scheduler: str, instance: Path, out: Path) -> subprocess.CompletedProcess:
    """`forcealloc batch --sweep veto` on a scheduler, giving up on it after 2 s, not Dask's 30."""
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    return subprocess.run([*FORCEALLOC, "batch", str(instance), "--sweep", "veto", "--out", str(out), "--no-progress",
                           "--scheduler", scheduler], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.dask
def test_unreachable_scheduler_is_named_and_nothing_is_written(bundled, tmp_path):
    out = tmp_path / "out"
    addr = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    r = _veto_sweep_on(addr, bundled, out)
    assert r.returncode == 6, r.stderr
    assert f"cannot reach the Dask scheduler at {addr}" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (out / "summary.csv").exists() and not list(out.glob("state/*.json"))


@pytest.mark.dask
def test_scheduler_lost_midway_keeps_finished_and_rerun_finishes(tmp_path):
    """The scheduler dies mid-batch: what finished is kept, the rest is not recorded as
    failed (not the scenarios' fault), and the same command run locally finishes it."""
    inst, f = _slow_batch(tmp_path, n=16)
    out = tmp_path / "out"
    addr, procs = _start_cluster(2)
    try:
        p = subprocess.Popen([*FORCEALLOC, "batch", str(inst), str(f), "--out", str(out), "--no-progress",
                              "--scheduler", addr], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 180
        while time.time() < deadline and len(list(out.glob("state/*.json"))) < 2:
            time.sleep(0.05)
        procs[0].kill()  # the scheduler
        _, stderr = p.communicate(timeout=300)
    finally:
        _stop(procs)
    assert p.returncode == 6, stderr
    assert "lost the Dask scheduler" in stderr and "Traceback" not in stderr
    kept = len(list(out.glob("state/*.json")))
    assert 2 <= kept < 17
    s = _summary(out)
    assert len(s) == kept and (s["status"] != "error").all(), s["error"].tolist()
    r = _cli("batch", inst, f, "--out", out, "--no-progress")
    assert r.returncode in (0, 5), r.stderr
    assert f"({kept} already done" in r.stdout
    assert len(_summary(out)) == 17


@pytest.mark.dask
def test_scheduler_without_workers_is_named(bundled, tmp_path):
    addr, procs = _start_cluster(0)
    try:
        r = _veto_sweep_on(addr, bundled, tmp_path / "o")
    finally:
        _stop(procs)
    assert r.returncode == 6, r.stderr
    assert f"the Dask scheduler at {addr} has no workers" in r.stderr and "Traceback" not in r.stderr
