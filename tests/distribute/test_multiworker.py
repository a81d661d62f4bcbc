"""MultiWorkerMirroredStrategy: two local worker processes on 127.0.0.1, as on a cluster."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import numpy as np

from tests.conftest import run_cli
from tests.distribute.conftest import GLOBAL_BATCH, SMALL, assert_comparable, history

TIMEOUT_S = 240


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start_workers(out, count=2) -> list[subprocess.Popen]:
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(count)]}
    args = ["run", "dcgan", "--strategy", "multiworker", "--out", out, *SMALL]
    args += ["--batch-size", GLOBAL_BATCH // count]
    procs = []
    for index in range(count):
        tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(tf_config)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "genlab", *map(str, args)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return procs


def wait_all(procs) -> list[tuple[int, str]]:
    """(exit code, stderr) of every worker; all are killed if one hangs (collectives wait)."""
    results = []
    try:
        for proc in procs:
            _, err = proc.communicate(timeout=TIMEOUT_S)
            results.append((proc.returncode, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return results


def test_two_workers_train_in_sync_and_only_the_chief_writes_the_run(tmp_path, default_run):
    out = tmp_path / "mw"
    results = wait_all(start_workers(out))
    for index, (code, err) in enumerate(results):
        assert code == 0, f"worker {index}:\n{err[-3000:]}"
    assert "done: dcgan 2 epochs" in results[0][1]
    assert "done:" not in results[1][1]

    device = json.loads((out / "config.json").read_text())["device"]
    assert device["strategy"] == "multiworker" and device["replicas"] == 2
    assert device["task"] == "worker:0"
    assert json.loads((out / "status.json").read_text())["state"] == "complete"
    assert (out / "samples" / "epoch-0002.png").is_file()
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    rows = history(out)
    assert all(row["steps"] == 512 // GLOBAL_BATCH for row in rows)
    assert_comparable(rows, history(default_run))

    # The other worker checkpoints into its own folder (reading the state is a collective op),
    # without the chief's pictures or TensorBoard files.
    worker = out / "workers" / "worker-1"
    assert (worker / "checkpoints" / "ckpt-0002.npz").is_file()
    assert json.loads((worker / "config.json").read_text())["device"]["task"] == "worker:1"
    assert not (worker / "samples").exists() and not (worker / "tensorboard").exists()
    # Synchronous training: both workers end with exactly the same weights and optimizer state.
    with np.load(out / "model.npz") as chief, np.load(worker / "model.npz") as other:
        assert list(chief["__manifest__"]) == list(other["__manifest__"])
        for key in chief.files:
            np.testing.assert_array_equal(chief[key], other[key], err_msg=key)
    losses = [{k: v for k, v in row.items() if "loss" in k or "acc" in k} for row in rows]
    assert [{k: row[k] for k in losses[0]} for row in history(worker)] == losses


def test_time_budget_is_refused_with_several_workers(tmp_path):
    tf_config = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"index": 1}}
    result = run_cli(
        "run",
        "dcgan",
        "--strategy",
        "multiworker",
        "--budget-minutes",
        "1",
        "--out",
        tmp_path / "r",
        env={"TF_CONFIG": json.dumps(tf_config)},
    )
    assert result.returncode == 2
    assert "--budget-minutes cannot be used with --strategy multiworker" in result.stderr
    assert not (tmp_path / "r").exists()
