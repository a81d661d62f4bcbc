"""One run function, several executors: the same runs give the same numbers in local worker
processes as in this process, and a worker killed mid-run is replaced and its run resumed, not
restarted. The Ray executor is proved the same way on a real two-node cluster
(tests/execution/test_ray_cluster.py)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from genlab.config import RunConfig
from genlab.execution.executors import InProcess, LocalProcesses
from genlab.execution.pipeline import Request, make_runs
from genlab.run_dir import RunDir
from tests.executor_runs import MACHINE_KEYS, long_job

#: Tiny runs: 512 real images, one epoch, 200 samples per evaluation.
SMALL = dict(dataset="fashion", epochs=1, limit=512, batch_size=64, eval_samples=200, grids=False)


def _requests(root: Path) -> list[Request]:
    return [
        Request(
            f"{m}-s{s}",
            RunConfig(m, seed=s, out=str(root / f"{m}-s{s}"), **SMALL),
            validation_n=200,
        )  # fmt: skip
        for m, s in (("stacked_ae", 0), ("vae", 1))
    ]


def _numbers(run_dir: Path) -> dict:
    """What must be identical between executors: metrics, validation FID, final weights and
    optimizer state, the loss trackers and every recorded loss."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    numbers = {k: v for k, v in metrics.items() if k not in MACHINE_KEYS}
    numbers["validation"] = json.loads((run_dir / "validation.json").read_text())["fid"]
    with np.load(run_dir / "model.npz") as npz:
        paths = [str(p) for p in npz["__manifest__"]]
        # Every variable bit for bit, the loss trackers' running sums included (they differed
        # in the last bit until workers kept this process's inter-op pool size too).
        numbers["weights"] = {p: npz[f"v{i:05d}"].tobytes() for i, p in enumerate(paths)}
    history = RunDir(run_dir).read_history()
    numbers["losses"] = [{k: v for k, v in row.items() if "loss" in k} for row in history]
    return numbers


def _assert_same_runs(results: dict, root: Path, reference: dict) -> None:
    assert {k: r.outcome.state for k, r in results.items()} == {k: "complete" for k in reference}
    for key, numbers in reference.items():
        other = _numbers(root / key)
        assert other.keys() == numbers.keys()
        for name in numbers:
            assert other[name] == numbers[name], f"{key}: {name} differs"


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The jobs run one after the other in this process: the reference numbers."""
    root = tmp_path_factory.mktemp("sequential")
    results = make_runs(_requests(root), InProcess())
    assert all(r.outcome.ok for r in results.values()), results
    numbers = {key: _numbers(root / key) for key in results}
    assert numbers["vae-s1"]["fid"] > 0 and numbers["stacked_ae-s0"]["validation"] > 0
    return numbers


def test_local_processes_match_the_sequential_path(sequential, tmp_path):
    executor = LocalProcesses(2, device="cpu")
    results = make_runs(_requests(tmp_path), executor)
    _assert_same_runs(results, tmp_path, sequential)
    pids = {json.loads((tmp_path / ".workers" / f"{k}.json").read_text())["pid"] for k in results}
    assert os.getpid() not in pids  # made in worker processes, not here


# -- lost workers -----------------------------------------------------------------------------
def _kill_after_first_epoch(run_dir: Path, timeout: float = 300) -> str:
    """SIGKILL the process running ``run_dir`` once its first epoch is saved; that epoch's row."""
    worker = run_dir.parent / ".workers" / f"{run_dir.name}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = run_dir / "history.jsonl"
        if worker.exists() and list((run_dir / "checkpoints").glob("ckpt-*.npz")):
            rows = history.read_text().splitlines() if history.exists() else []
            if rows:
                os.kill(json.loads(worker.read_text())["pid"], signal.SIGKILL)
                return rows[0]
        time.sleep(0.05)
    raise AssertionError(f"{run_dir} never finished an epoch")


def _assert_resumed(result: dict, run_dir: Path, first_row: str) -> None:
    assert result["error"] is None and RunDir(run_dir).outcome().ok, result
    assert result["attempt"] == 2
    rows = (run_dir / "history.jsonl").read_text().splitlines()
    assert [json.loads(r)["epoch"] for r in rows] == [1, 2, 3]
    # Epoch 1 was kept from the killed attempt: a restart from scratch would have rewritten it.
    assert rows[0] == first_row


def test_killed_local_worker_is_replaced_and_its_run_resumed(tmp_path):
    executor = LocalProcesses(2, device="cpu")
    job = long_job(tmp_path)
    executor.submit(job)
    first_row = _kill_after_first_epoch(Path(job.config.out))
    finished = []
    while executor.pending:
        finished += executor.wait()
    executor.close()
    _assert_resumed(finished[0][1], Path(job.config.out), first_row)
