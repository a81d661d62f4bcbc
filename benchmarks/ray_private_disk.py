"""A Ray cluster whose second node has its own disk, tried as a user would, with a transcript.

Starts a head and a second node as separate ``ray start`` processes on 127.0.0.1 (one CPU
each). The second node runs in a private mount namespace with an empty tmpfs over the folder
that holds every ``--out`` (needs root and ``unshare``): whatever it wrote at the driver's
paths would be lost, as on a machine with its own disk. Then, with ``genlab`` commands only:

1. ``genlab compare gan vae`` on the cluster, and the same comparison sequentially (one
   TensorFlow thread, what a one-CPU task gets): every run delivered, the same numbers;
2. a longer comparison during which the second node is killed (kill -9 of its process group)
   once its run has a checkpoint: the run resumes on the head from that checkpoint;
3. a bad ``--address``: a non-zero exit within a minute and one clear line.

Writes the commands, what they printed, exit codes and times to
``benchmarks/results/ray-private-disk.txt``. Only the processes started here are stopped::

    python benchmarks/ray_private_disk.py [--port 26379]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "GENLAB_PROGRESS_SECONDS": "5",
}
SMALL = ["gan", "vae", "--seeds", "1", "--limit", "1024", "--epochs", "2", "--eval-n", "500"]
LONG = ["dcgan", "gan", "--seeds", "1", "--limit", "2048", "--epochs", "3", "--no-eval"]
#: metrics.json keys that time or size the machine, not the model
MACHINE = {"eval_seconds", "images_per_s", "train_seconds", "peak_rss_mb", "peak_memory_mb"}
MACHINE |= {"sample_ms_per_image"}

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STEP = re.compile(r"epoch \d+/\d+ step (\d+)/(\d+)")

log: list[str] = []


def say(text: str = "") -> None:
    text = ANSI.sub("", text)
    print(text, flush=True)
    log.append(text)


def node(root: Path, name: str, port: int, first_worker_port: int, head: bool):
    """``ray start --block`` for one node in its own session (so its process group is ours)."""
    command = [str(BIN / "ray"), "start", "--block", "--num-cpus", "1"]
    command += ["--node-ip-address", "127.0.0.1", "--temp-dir", str(root / "ray" / name)]
    command += ["--min-worker-port", str(first_worker_port)]
    command += ["--max-worker-port", str(first_worker_port + 99)]
    command += ["--dashboard-agent-listen-port", str(first_worker_port + 100)]
    if head:
        command += ["--head", "--port", str(port), "--include-dashboard", "false"]
    else:
        command += ["--address", f"127.0.0.1:{port}", "--resources", '{"second_node": 1}']
        # Its own disk: an empty tmpfs over the folder that holds the driver's --out.
        inner = f"mount -t tmpfs tmpfs {root / 'driver'} && exec {shlex.join(command)}"
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner]
    env = {**ENV, "GENLAB_SCRATCH_DIR": str(root / f"scratch-{name}")}
    say(f"$ {'' if head else 'GENLAB_SCRATCH_DIR=… '}{shlex.join(command)}")
    out = open(root / f"{name}.log", "wb")  # noqa: SIM115 (open while the node runs)
    return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def node_id(resource: str, address: str, timeout: float = 60) -> str:
    """The (short) id of the node holding ``resource``, once it has joined."""
    import ray

    ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for n in ray.nodes():
                if n["Alive"] and resource in n["Resources"]:
                    return n["NodeID"][:8]
            time.sleep(0.5)
    finally:
        ray.shutdown()
    raise SystemExit(f"the node with {resource} did not join within {timeout:.0f} s")


def genlab(*args, watch=None):
    """Run ``genlab ARGS``, print its output as it comes; ``watch(line)`` sees every line."""
    say(f"$ genlab {shlex.join(map(str, args))}")
    started = time.monotonic()
    process = subprocess.Popen([str(BIN / "genlab"), *map(str, args)], env=ENV, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    for line in process.stdout:
        step = STEP.search(line)
        if not step or step[1] == step[2]:  # one line per epoch, not per step
            say("  " + line.rstrip())
        if watch:
            watch(line)
    process.wait()
    seconds = time.monotonic() - started
    say(f"  [exit {process.returncode} after {seconds:.1f} s]")
    return process.returncode, seconds


def numbers(run: Path) -> dict:
    metrics = json.loads((run / "metrics.json").read_text())
    kept = {k: v for k, v in metrics.items() if k not in MACHINE}
    with np.load(run / "model.npz") as npz:
        kept["weights"] = {k: npz[k].tobytes() for k in npz.files}
    rows = [json.loads(r) for r in (run / "history.jsonl").read_text().splitlines()]
    kept["losses"] = [{k: v for k, v in r.items() if "loss" in k} for r in rows]
    return kept


def stop(process) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=26379)
    args = parser.parse_args()
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        sys.exit("needs root and unshare (the second node's private disk is a mount namespace)")
    root = Path(tempfile.mkdtemp(prefix="glray-", dir="/tmp"))  # Ray's socket paths are short
    (root / "driver").mkdir()
    address = f"127.0.0.1:{args.port}"
    nodes = [node(root, "head", args.port, 21000, head=True)]
    try:
        deadline = time.monotonic() + 60
        while not reachable(args.port):
            if time.monotonic() > deadline or nodes[0].poll() is not None:
                sys.exit("the head did not start: " + (root / "head.log").read_text()[-2000:])
            time.sleep(0.2)
        nodes.append(node(root, "second", args.port, 22000, head=False))
        second = node_id("second_node", address)
        say(f"# second node: {second}")
        say()
        say("# 1. every run delivered, the same numbers as the sequential path")
        ray_out, seq_out = root / "driver" / "ray", root / "driver" / "sequential"
        genlab("compare", *SMALL, "--executor", "ray", "--address", address, "--out", ray_out)
        genlab("compare", *SMALL, "--out", seq_out)
        for run in sorted(p.parent.name for p in (seq_out / "runs").glob("*/metrics.json")):
            ours, reference = numbers(ray_out / "runs" / run), numbers(seq_out / "runs" / run)
            same = [k for k in reference if ours.get(k) == reference[k]]
            differ = [k for k in reference if ours.get(k) != reference[k]]
            say(f"  {run}: {len(same)} values identical (weights, losses, metrics); "
                f"differ: {differ or 'none'}")  # fmt: skip
        hosts = json.loads((ray_out / "comparison.json").read_text())["runs"]
        say("  made on: " + ", ".join(f"{r['model']}-s{r['seed']} {r['host']}" for r in hosts))
        say()
        say("# 2. the second node killed mid-run: its run resumes on the head from a checkpoint")
        long_out = root / "driver" / "killed"
        killed = threading.Event()

        def kill_second_node(line: str) -> None:
            # "running:" lines say where each run is; kill once the second node's has a checkpoint.
            if killed.is_set() or not line.startswith("running:"):
                return
            for part in line[len("running:") :].split(";"):
                model = part.split()[0] if part.strip() else ""
                checkpoints = sorted(long_out.glob(f"runs/{model}-s0/checkpoints/ckpt-*.npz"))
                if f"node {second}" in part and checkpoints:
                    killed.set()
                    stop(nodes[1])
                    say(f"  >>> kill -9 of every process of the second node ({model} seed 0 "
                        f"runs there; the driver holds {checkpoints[-1].name})")  # fmt: skip
                    return

        genlab("compare", *LONG, "--executor", "ray", "--address", address, "--out", long_out,
               watch=kill_second_node)  # fmt: skip
        say()
        say("# 3. a bad address")
        genlab("compare", *SMALL, "--executor", "ray", "--address", "127.0.0.1:1",
               "--out", root / "driver" / "bad")  # fmt: skip
    finally:
        for process in reversed(nodes):
            stop(process)
        shutil.rmtree(root, ignore_errors=True)
    path = Path(__file__).parent / "results" / "ray-private-disk.txt"
    path.write_text("\n".join(log) + "\n")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
