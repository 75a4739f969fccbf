"""Batch faults: a worker killed, an interrupt, a Dask scheduler lost, unreachable or without
workers — finished scenarios kept, the rest run again, nothing lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from batch_support import COMPARE, FORCEALLOC, _cli, _summary


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


def _after_finished(p: subprocess.Popen, n: int) -> list[str]:
    """Read the batch's stderr (--no-progress: a line per finished scenario) until ``n``
    scenarios have finished: an event, not a poll. Returns the lines read."""
    lines, done = [], 0
    for line in p.stderr:
        lines.append(line)
        done += line.startswith("finished ")
        if done >= n:
            break
    return lines


def _kill_one_worker_midway(args: list, out: Path, find_workers, after: int):
    """Start `forcealloc ARGS`, kill one worker process once `after` scenarios have
    finished, wait for the batch to end; returns (process, stderr)."""
    p = subprocess.Popen([*FORCEALLOC, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    head = _after_finished(p, after)
    workers = find_workers(p)
    assert workers, "no worker process to kill"
    workers[0].kill()
    _, stderr = p.communicate(timeout=600)
    return p, "".join(head) + stderr


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
    _after_finished(p, 4)
    assert p.poll() is None, "the batch ended before it could be interrupted"
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stderr
    first = _summary(out)
    assert 4 <= len(first) < 41
    r = _cli("batch", inst, f, "--out", out, "--workers", "2", "--no-progress")
    assert r.returncode in (0, 5), r.stderr
    assert f"({len(first)} already done" in " ".join(r.stdout.split())  # the path may wrap the line
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
        head = _after_finished(p, 2)
        procs[0].kill()  # the scheduler
        _, stderr = p.communicate(timeout=300)
        stderr = "".join(head) + stderr
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
    assert f"({kept} already done" in " ".join(r.stdout.split())  # the path may wrap the line
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
