"""Interrupted runs: kill -9 at several points, Ctrl-C, divergence, corrupt checkpoints.

The interruptions happen to a real ``genlab`` process; the resumes and the reference run go
through the CLI in this process. Resume must end with exactly the weights of an uninterrupted
run (same seed, CPU), with a continuous history and no corrupt file.

A kill -9 leaves the run directory exactly as it is at that instant. So one process serves
every kill point: at each earlier point it is stopped (SIGSTOP), its directory copied (what a
kill there would leave) and continued (SIGCONT); at the last point it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from genlab.engine.checkpoint import list_checkpoints
from genlab.run_dir import RunDir
from tests.conftest import default_sigint, run_cli

ARGS = [
    "run",
    "dcgan",
    "--dataset",
    "fashion",
    "--epochs",
    "3",
    "--limit",
    "768",
    "--batch-size",
    "64",
    "--set",
    "width=16",
    "--seed",
    "11",
    "--no-eval",
]


def _start(out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "genlab", *ARGS, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )


def _wait_for(proc, condition, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError(f"genlab exited early ({proc.returncode}): {proc.stderr.read()}")
        time.sleep(0.02)
    raise AssertionError("timed out waiting for the run")


def _weights(out: Path) -> dict[str, np.ndarray]:
    with np.load(out / "model.npz", allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    result = run_cli(*ARGS, "--out", out)
    assert result.returncode == 0, result.stderr
    _assert_complete_files(out)
    return out


def _assert_complete_files(out: Path, leftovers: frozenset[Path] = frozenset()) -> None:
    """No temporary file but the ``leftovers`` a killed process wrote (a resumed run ignores
    them), and every checkpoint, array and JSON file reads in full."""
    assert set(out.rglob("*.tmp")) <= leftovers, sorted(set(out.rglob("*.tmp")) - leftovers)
    for path in out.rglob("*.npz"):
        with np.load(path, allow_pickle=False) as data:
            for key in data.files:
                data[key]  # noqa: B018 - reads (and CRC-checks) the array
    for path in out.rglob("*.json"):
        json.loads(path.read_text())
    for line in (out / "history.jsonl").read_text().splitlines():
        json.loads(line)


def _resume(out: Path, reference: Path) -> subprocess.CompletedProcess:
    """``--resume`` in ``out``, then the checks against the uninterrupted ``reference``."""
    leftovers = frozenset(out.rglob("*.tmp"))
    result = run_cli(*ARGS, "--out", out, "--resume")
    assert result.returncode == 0, result.stderr
    _assert_same_as_reference(out, reference, leftovers)
    return result


def _assert_same_as_reference(out: Path, reference: Path, leftovers: frozenset[Path]):
    run = RunDir(out)
    assert run.status["state"] == "complete"
    assert [r["epoch"] for r in run.read_history()] == [1, 2, 3]
    ref, got = _weights(reference), _weights(out)
    assert ref.keys() == got.keys()
    for key in ref:
        np.testing.assert_array_equal(ref[key], got[key], err_msg=key)
    ref_hist = RunDir(reference).read_history()
    for a, b in zip(ref_hist, run.read_history(), strict=True):
        assert a["d_loss"] == b["d_loss"] and a["g_loss"] == b["g_loss"]
    _assert_complete_files(out, leftovers)


KILL_POINTS = {
    "before-first-checkpoint": lambda out: (out / "status.json").exists(),
    "mid-epoch-2": lambda out: (out / "checkpoints" / "ckpt-0001.npz").exists(),
    "mid-epoch-3": lambda out: (out / "checkpoints" / "ckpt-0002.npz").exists(),
    "during-finish": lambda out: (out / "checkpoints" / "ckpt-0003.npz").exists(),
}


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> dict[str, Path]:
    """The run directory a kill -9 leaves at each of :data:`KILL_POINTS`, from one process."""
    root = tmp_path_factory.mktemp("killed")
    out = root / "run"
    proc = _start(out)
    left = {}
    try:
        *earlier, last = KILL_POINTS
        for point in earlier:
            _wait_for(proc, lambda point=point: KILL_POINTS[point](out))
            proc.send_signal(signal.SIGSTOP)
            _wait_until_stopped(proc.pid)
            try:
                left[point] = Path(shutil.copytree(out, root / point, symlinks=True))
            finally:
                proc.send_signal(signal.SIGCONT)
        _wait_for(proc, lambda: KILL_POINTS[last](out))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        left[last] = out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return left


def _wait_until_stopped(pid: int, timeout: float = 10) -> None:
    """Until every thread of ``pid`` has stopped: from then on its files do not change."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = []
        for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
            with contextlib.suppress(OSError):  # a thread that just ended
                states.append(stat.read_text().rpartition(")")[2].split()[0])
        if states and all(state in "tT" for state in states):
            return
        time.sleep(0.005)
    raise AssertionError(f"process {pid} did not stop")


def _after_kill(killed: dict[str, Path], point: str, tmp_path: Path) -> Path:
    """A copy of the directory a kill at ``point`` left, for one test to change."""
    out = Path(shutil.copytree(killed[point], tmp_path / "run", symlinks=True))
    assert RunDir(out).status["state"] == "running", "a killed run must never look complete"
    return out


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_9_then_resume_matches_uninterrupted_run(tmp_path, killed, reference, point):
    _resume(_after_kill(killed, point, tmp_path), reference)


def test_kill_during_checkpoint_write_leaves_no_corrupt_checkpoint(tmp_path, killed, reference):
    """A write cut off mid-way leaves only a temporary file; resume ignores it."""
    out = _after_kill(killed, "mid-epoch-3", tmp_path)
    partial = out / "checkpoints" / ".ckpt-0003.npz.abc123.tmp"
    partial.write_bytes((out / "checkpoints" / "ckpt-0002.npz").read_bytes()[:1000])
    _resume(out, reference)


def test_corrupt_newest_checkpoint_falls_back(tmp_path, killed, reference):
    out = _after_kill(killed, "mid-epoch-3", tmp_path)
    newest = out / "checkpoints" / "ckpt-0002.npz"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    result = _resume(out, reference)
    assert "ckpt-0002.npz is unreadable" in result.stderr


def test_ctrl_c_exits_cleanly_with_resume_hint(tmp_path, reference):
    out = tmp_path / "run"
    proc = _start(out)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    # Off a terminal genlab prints a line per step here (12 steps an epoch): press Ctrl-C once
    # epoch 2 has done two steps, so the interrupt lands mid-epoch however fast the machine is.
    _wait_for(proc, lambda: any(re.search(r"epoch 2/3 step ([2-9]|1[01])/12", x) for x in lines))
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    stderr = "".join(lines)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert RunDir(out).status["state"] == "interrupted"
    saved = [p.name for p in list_checkpoints(out / "checkpoints")]
    assert saved[-1].startswith("ckpt-0001-"), f"expected a mid-epoch-2 checkpoint: {saved}"
    _resume(out, reference)


def test_divergence_stops_with_one_line_and_keeps_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    args = [a if a != "width=16" else "width=16" for a in ARGS]
    result = run_cli(*args, "--set", "lr=1e30", "--out", out)
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "diverged" in lines[0] and "epoch 1, step" in lines[0]
    assert "Traceback" not in result.stderr
    status = RunDir(out).status
    assert status["state"] == "diverged" and status["epoch"] == 1


def test_full_disk_or_unwritable_output_is_a_clear_error(tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/genlab-run")  # not creatable, even for root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "run"
    result = run_cli(*ARGS, "--out", target)
    assert result.returncode != 0
    assert "cannot write to run directory" in result.stderr and "Traceback" not in result.stderr
