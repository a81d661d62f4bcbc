"""A real two-node Ray cluster whose second node does not see the driver's disk.

The head and a second node are separate ``ray start`` processes on 127.0.0.1 (one CPU each,
their own ports and temp folders). Where the test runs as root, the second node starts in a
private mount namespace with an empty tmpfs over the folder that holds every ``--out``: a run
it wrote at the driver's path would be lost, as on a machine with its own disk. Each node has
its own scratch folder (``GENLAB_SCRATCH_DIR``). The tests prove: the same numbers as the
sequential path, every run delivered, a killed node's run resumed on the other node from its
checkpoint, and a bad ``--address`` failing within a minute. Only the processes started here
are stopped (their process groups), never with ``ray stop``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from genlab.run_dir import RunDir
from tests.executor_runs import MACHINE_KEYS, long_job

ray = pytest.importorskip("ray")

RAY = str(Path(sys.executable).with_name("ray"))
GENLAB = str(Path(sys.executable).with_name("genlab"))
#: Tiny comparison: two models, one seed, 512 images, one epoch, 200 samples per evaluation.
TINY = ["stacked_ae", "gan", "--seeds", "1", "--limit", "512", "--epochs", "1", "--eval-n", "200"]
#: Every process of this module: no token auth, no usage stats, one TensorFlow thread (what a
#: one-CPU run on the cluster gets, so the sequential reference computes the same numbers).
ENV = {
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
    "GENLAB_SYNC_SECONDS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


class _Ports:
    """Ports for this module's nodes: free now, never handed out twice, below the ephemeral range.

    Every port comes from 20000-32767, under the kernel's range for outgoing connections
    (32768-60999), so no connection a node opens can take a port meant for another of its
    components; a port or worker range given out once is never given out again, so a node's
    single ports cannot fall inside a worker range (Ray refuses to start when they overlap).
    """

    LOW, HIGH = 20000, 32767

    def __init__(self) -> None:
        self.taken: set[int] = set()
        self.random = random.Random()

    def run(self, n: int) -> list[int]:
        """``n`` free ports in a row."""
        for _ in range(200):
            base = self.random.randrange(self.LOW, self.HIGH - n)
            block = list(range(base, base + n))
            if not self.taken.intersection(block) and all(map(_port_free, block)):
                self.taken.update(block)
                return block
        raise RuntimeError(f"no {n} free ports in a row between {self.LOW} and {self.HIGH}")

    def single(self, n: int = 1) -> list[int]:
        return [self.run(1)[0] for _ in range(n)]


PORTS = _Ports()


def _node_args(ports: list[int], workers: list[int], temp: Path) -> list[str]:
    names = (
        "--node-manager-port",
        "--object-manager-port",
        "--dashboard-agent-listen-port",
        "--dashboard-agent-grpc-port",
        "--metrics-export-port",
        "--runtime-env-agent-port",
    )
    args = [a for name, port in zip(names, ports, strict=True) for a in (name, str(port))]
    args += ["--min-worker-port", str(workers[0]), "--max-worker-port", str(workers[-1])]
    return [*args, "--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--temp-dir", str(temp)]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _private_mount_works() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True
    )
    return probe.returncode == 0


class Cluster:
    def __init__(self, root: Path):
        self.root = root
        self.hidden = root / "driver-only"  # every --out lives here
        self.hidden.mkdir()
        self.storage = root / "storage"  # what both nodes see
        # Ray's socket paths must stay under 107 bytes: its temp folders live in a short path.
        self.temp = Path(tempfile.mkdtemp(prefix="glray-", dir="/tmp"))
        self.processes: list[subprocess.Popen] = []
        self.private = _private_mount_works()
        [self.port] = PORTS.single()
        self.address = f"127.0.0.1:{self.port}"

    def start_node(self, name: str, head: bool) -> subprocess.Popen:
        temp = self.temp / name
        command = [RAY, "start", "--block", *_node_args(PORTS.single(6), PORTS.run(41), temp)]
        if head:
            command += ["--head", "--port", str(self.port), "--include-dashboard", "false"]
            [client] = PORTS.single()
            command += ["--ray-client-server-port", str(client), "--disable-usage-stats"]
        else:
            command += ["--address", self.address]
        if not head and self.private:
            # A node with its own disk: an empty tmpfs over the driver's output folder.
            inner = f"mount -t tmpfs tmpfs {self.hidden} && exec " + " ".join(command)
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner]
        env = {**os.environ, **ENV, "GENLAB_SCRATCH_DIR": str(self.root / f"scratch-{name}")}
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 (open while the node runs)
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    made = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        made.start_node("head", head=True)
        deadline = time.monotonic() + 60
        while not _reachable(made.address):
            alive = made.processes[0].poll() is None
            log = (made.root / "head.log").read_text()[-2000:]
            assert alive and time.monotonic() < deadline, log
            time.sleep(0.2)
        made.worker = made.start_node("worker", head=False)
        ray.init(address=made.address, log_to_driver=False, logging_level="ERROR")
        made.head_node = ray.get_runtime_context().get_node_id()[:8]
        while len([n for n in ray.nodes() if n["Alive"]]) < 2:
            assert time.monotonic() < deadline + 30, (made.root / "worker.log").read_text()[-2000:]
            time.sleep(0.2)
        [made.worker_node] = [
            n["NodeID"][:8] for n in ray.nodes() if n["Alive"] and n["NodeID"][:8] != made.head_node
        ]
        yield made
    finally:
        with contextlib.suppress(Exception):
            ray.shutdown()
        for process in reversed(made.processes):
            made.stop(process)
        shutil.rmtree(made.temp, ignore_errors=True)
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def _reachable(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with contextlib.suppress(OSError), socket.create_connection((host, int(port)), timeout=1):
        return True
    return False


def _genlab(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GENLAB, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **ENV, **(env or {})},
    )


def _numbers(run_dir: Path) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    numbers = {k: v for k, v in metrics.items() if k not in MACHINE_KEYS}
    with np.load(run_dir / "model.npz") as npz:
        numbers["weights"] = {name: npz[name].tobytes() for name in npz.files}
    rows = RunDir(run_dir).read_history()
    numbers["losses"] = [{k: v for k, v in r.items() if "loss" in k} for r in rows]
    return numbers


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The same comparison in one process, one TensorFlow thread: the reference numbers. It
    starts before the cluster (the test asks for it first) and is awaited when needed."""
    out = tmp_path_factory.mktemp("sequential")
    process = subprocess.Popen(
        [GENLAB, "compare", *TINY, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **ENV},
    )

    def result() -> Path:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[-3000:]
        return out

    yield result
    if process.poll() is None:
        process.kill()
        process.wait()


def test_every_run_delivered_with_the_sequential_numbers(sequential, cluster):
    out = cluster.hidden / "compare"
    started = time.monotonic()
    done = _genlab("compare", *TINY, "--executor", "ray", "--address", cluster.address,
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started < 120
    runs = json.loads((out / "comparison.json").read_text())["runs"]
    assert {r["state"] for r in runs} == {"complete"}
    # Both nodes made a run; the second one never wrote the driver's --out.
    nodes = {r["host"].rsplit(" ", 1)[-1] for r in runs}
    assert nodes == {cluster.head_node, cluster.worker_node}, runs
    assert (cluster.root / "scratch-worker").is_dir()
    reference_out = sequential()
    for run in ("stacked_ae-s0", "gan-s0"):
        ours, reference = _numbers(out / "runs" / run), _numbers(reference_out / "runs" / run)
        for name in reference:
            assert ours[name] == reference[name], f"{run}: {name} differs"
    assert "ray: 2 nodes; each run 1 CPU (1 TensorFlow thread)" in done.stderr
    assert f"node {cluster.worker_node}" in done.stderr  # the node of each run, as it ends


def test_killed_node_run_resumes_on_the_other_node_from_its_checkpoint(cluster):
    from genlab.execution.ray_executor import RayTasks, worker_key

    out = cluster.hidden / "killed"
    said: list[str] = []
    executor = RayTasks(storage=str(cluster.storage), root=out, device="cpu")
    executor.attach(said.append)
    jobs = [long_job(out, "a"), long_job(out, "b")]  # one per node
    for job in jobs:
        executor.submit(job)
    deadline = time.monotonic() + 120
    victim = first_row = None
    while victim is None:
        assert time.monotonic() < deadline, "no run reached its first checkpoint on the worker"
        for job in jobs:
            key = executor.key(job.config.out)
            record = json.loads(executor.storage.get(worker_key(key)) or b"{}")
            checkpoints = executor.storage.list(f"{key}/checkpoints")
            history = executor.storage.get(f"{key}/history.jsonl")
            if record.get("node") == cluster.worker_node and checkpoints and history:
                victim, first_row = job, history.decode().splitlines()[0]
                pid = record["pid"]
        time.sleep(0.1)
    # The whole node goes: its Ray processes and the worker process running the task.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    cluster.stop(cluster.worker)
    results = {}
    while executor.pending:
        results.update((job.key, result) for job, result in executor.wait())
    executor.close()
    assert all(r["error"] is None for r in results.values()), results
    result = results[victim.key]
    assert result["attempt"] == 2 and result["node"] == cluster.head_node, result
    assert result["resumed"] > 0  # started from what storage held, not from scratch
    rows = (Path(victim.config.out) / "history.jsonl").read_text().splitlines()
    assert [json.loads(r)["epoch"] for r in rows] == [1, 2, 3]
    assert rows[0] == first_row  # epoch 1 kept from the lost node: resumed, not restarted
    [line] = [line for line in said if line.startswith(f"{victim.key}: lost with its worker")]
    assert "from checkpoint ckpt-0003" not in line, said  # resumed before the last epoch
    assert RunDir(victim.config.out).outcome().ok


def test_a_bad_address_fails_within_a_minute(tmp_path):
    [port] = PORTS.single()
    started = time.monotonic()
    done = _genlab("compare", *TINY, "--executor", "ray", "--address", f"127.0.0.1:{port}",
                   "--out", str(tmp_path / "out"), timeout=90)  # fmt: skip
    assert done.returncode != 0
    assert time.monotonic() - started < 60
    assert f"no Ray cluster at 127.0.0.1:{port}" in done.stderr, done.stderr
    # A port that accepts connections but never answers as Ray does: the timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        done = _genlab("compare", *TINY, "--executor", "ray", "--address", address,
                       "--out", str(tmp_path / "out"), env={"GENLAB_RAY_CONNECT_TIMEOUT": "5"},
                       timeout=90)  # fmt: skip
    assert done.returncode != 0 and time.monotonic() - started < 60
    assert "did not answer within 5 s" in done.stderr, done.stderr
