"""``--executor ray``: every run a Ray task on a cluster whose nodes share no disk.

What travels where:

- **to each task**: the :class:`~genlab.execution.executors.Job` (its ``RunConfig``), where to
  deliver the run (a :class:`~genlab.execution.storage.Storage`), the driver's genlab and
  plugin versions; through Ray's ``runtime_env``: the driver's ``GENLAB_*`` settings (not
  ``GENLAB_SCRATCH_DIR``, which is each node's own) and the TensorFlow thread counts of the
  run's size (:class:`Sizing`).
- **on the node**: the task checks the versions, makes the run in node-local scratch
  (:func:`~genlab.execution.storage.scratch_root`), starting from what storage already holds
  of it (a run lost with its node resumes from its last checkpoint), and mirrors the run
  directory to storage as it is written (:class:`~genlab.execution.storage.Mirror`).
- **back to the driver**: with ``--storage``, the run directory is copied from storage to the
  driver's ``--out`` when the task ends; without, a Ray actor on the driver's node writes
  every file at the driver's ``--out`` as the task sends it. Either way the task returns the
  manifest of what it wrote (size and SHA-256 of every file) and the driver checks its copy
  against it: a run that did not arrive intact is a failed run that says so.

Ray's own task retries are off: genlab starts a task whose worker or node was lost again
itself (``retries`` times), and says so in one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import platform
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import GenlabError, UsageError
from genlab.execution.executors import DEFAULT_RETRIES, Job, execute, machine_threads
from genlab.execution.storage import (
    Mirror,
    PathStorage,
    Storage,
    check_manifest,
    fetch_tree,
    manifest,
    open_storage,
    scratch_root,
)

#: Seconds to wait for a cluster at ``--address`` before giving up.
CONNECT_TIMEOUT = float(os.environ.get("GENLAB_RAY_CONNECT_TIMEOUT", "45"))
#: Driver settings that are not sent to the workers (they describe one machine).
LOCAL_SETTINGS = ("GENLAB_SCRATCH_DIR",)


def import_ray():
    from genlab.dependencies import require

    return require("ray")


# -- connecting -------------------------------------------------------------------------------
def connect(ray, address: str | None, timeout: float = CONNECT_TIMEOUT) -> None:
    """Join the cluster at ``address`` (or start a local one), failing within ``timeout``
    seconds with one clear line when nobody answers."""
    if ray.is_initialized():
        return
    if address and address != "auto" and "://" not in address:
        host, _, port = address.rpartition(":")
        if not port.isdigit() or not host:
            raise UsageError(f"--address must be HOST:PORT (the head's port), got {address!r}")
        try:
            socket.create_connection((host, int(port)), timeout=min(10.0, timeout)).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise UsageError(
                f"no Ray cluster at {address} ({reason}); start one there with "
                f"'ray start --head --port {port}', or fix --address"
            ) from None
    done, failure = threading.Event(), []

    def init():
        try:
            options = {} if address else {"include_dashboard": False}
            ray.init(address=address, log_to_driver=False, logging_level="ERROR", **options)
        except Exception as exc:
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=init, name="ray.init", daemon=True).start()
    if not done.wait(timeout):
        raise UsageError(
            f"the Ray cluster at {address} did not answer within {timeout:.0f} s (is it a Ray "
            "head's port, and do the driver and the cluster run the same Ray version?)"
        )
    if failure:
        exc = failure[0]
        where = f" at {address}" if address else ""
        raise UsageError(f"cannot join the Ray cluster{where}: {type(exc).__name__}: {exc}")


# -- sizing -----------------------------------------------------------------------------------
@dataclass
class Sizing:
    """What one run asks of a node: CPUs (= TensorFlow's intra- and inter-op threads), memory
    (bytes), GPUs; and how many runs are in flight at once (``slots``)."""

    cpus: int
    memory: int
    gpus: float
    slots: int
    nodes: int

    def threads_env(self) -> dict:
        threads = str(self.cpus)
        return {"TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads}

    def describe(self) -> str:
        gpus = f", {self.gpus:g} GPU" if self.gpus else ""
        memory = self.memory / 2**30
        threads = f"{self.cpus} TensorFlow thread{'s' if self.cpus > 1 else ''}"
        return (
            f"{self.nodes} node{'s' if self.nodes != 1 else ''}; each run {self.cpus} CPU "
            f"({threads}), {memory:.1f} GiB memory{gpus}; {self.slots} at a time"
        )


def plan_sizing(
    nodes: list[dict],
    device: str = "auto",
    jobs: int | None = None,
    cpus: int | None = None,
    memory_gb: float | None = None,
    gpus: float | None = None,
    driver_threads: int | None = None,
) -> Sizing:
    """One run's request from the cluster's alive ``nodes`` (``ray.nodes()``).

    By default a run gets as many CPUs as a run started on the driver uses threads (so the
    numbers match the sequential path), at most what the largest node has; memory in
    proportion to its CPUs on the node that has least per CPU; one GPU on a GPU cluster
    (a share of one when ``jobs`` exceeds the GPUs).
    """
    alive = [n.get("Resources", {}) for n in nodes if n.get("Alive", True)]
    alive = [r for r in alive if r.get("CPU", 0) >= 1] or [{"CPU": 1, "memory": 2**31}]
    total_gpus = sum(r.get("GPU", 0) for r in alive) if device != "cpu" else 0
    largest = int(max(r.get("CPU", 1) for r in alive))
    if gpus is None:
        gpus = 0.0 if not total_gpus else (total_gpus / jobs if jobs and jobs > total_gpus else 1.0)
    if cpus is None:
        wanted = driver_threads or machine_threads()
        if gpus:
            per_gpu = min(int(r["CPU"] // max(r.get("GPU", 0), 1)) for r in alive if r.get("GPU"))
            wanted = min(wanted, max(per_gpu, 1))
        cpus = max(1, min(wanted, largest))
    elif cpus > largest:
        raise UsageError(f"--cpus-per-run {cpus}: the largest node has {largest} CPUs")
    fitting = [r for r in alive if r.get("CPU", 0) >= cpus]
    if memory_gb is None:
        memory = int(min(r.get("memory", 2**31) * cpus / r["CPU"] for r in fitting))
    else:
        memory = int(memory_gb * 2**30)
        if memory > max(r.get("memory", 0) for r in fitting):
            raise UsageError(f"--memory-per-run {memory_gb:g}: no node has that much memory")
    if jobs:
        slots = jobs
    elif gpus:
        slots = max(1, int(total_gpus // gpus))
    else:
        slots = max(1, sum(int(r["CPU"] // cpus) for r in alive))
    return Sizing(cpus, memory, float(gpus), slots, len(alive))


# -- versions ---------------------------------------------------------------------------------
def versions() -> dict:
    """genlab's version and every plugin's (name -> version) in this process."""
    from genlab.plugins import get_plugin_manager
    from genlab.version import __version__

    infos = get_plugin_manager().infos
    return {"genlab": __version__, "plugins": {n: i.version for n, i in sorted(infos.items())}}


def version_mismatch(driver: dict, here: dict) -> str | None:
    """One line saying how this node's genlab and plugins differ from the driver's."""
    diffs = []
    if driver["genlab"] != here["genlab"]:
        diffs.append(f"genlab {here['genlab']} (driver: {driver['genlab']})")
    theirs, ours = driver["plugins"], here["plugins"]
    for name in sorted(set(theirs) | set(ours)):
        if theirs.get(name) != ours.get(name):
            mine = ours.get(name, "missing")
            diffs.append(f"plugin {name} {mine} (driver: {theirs.get(name, 'not installed')})")
    if not diffs:
        return None
    return "runs " + ", ".join(diffs) + ": install the same versions on every node"


# -- storage through the driver ---------------------------------------------------------------
class DriverDisk:
    """The driver's own disk, as a Ray actor placed on the driver's node (keys are absolute
    paths there): where tasks deliver runs when there is no ``--storage``."""

    def __init__(self):
        self.disk = PathStorage("/")

    def put(self, key: str, data: bytes) -> None:
        self.disk.put(key, data)

    def get(self, key: str) -> bytes | None:
        return self.disk.get(key)

    def list(self, prefix: str) -> dict[str, int]:
        return self.disk.list(prefix)

    def delete(self, key: str) -> None:
        self.disk.delete(key)


class ActorStorage(Storage):
    """A :class:`DriverDisk` actor seen from a task (or the driver) as storage."""

    def __init__(self, actor, where: str = "the driver's disk"):
        self.actor = actor
        self.where = where

    def _call(self, method: str, *args):
        import ray

        return ray.get(getattr(self.actor, method).remote(*args))

    def put(self, key: str, data: bytes) -> None:
        self._call("put", key, data)

    def get(self, key: str) -> bytes | None:
        return self._call("get", key)

    def list(self, prefix: str) -> dict[str, int]:
        return self._call("list", prefix)

    def delete(self, key: str) -> None:
        self._call("delete", key)


def worker_key(key: str) -> str:
    """Storage key of the record of who runs the run at ``key`` (``.workers/NAME.json``)."""
    parent, _, name = key.rstrip("/").rpartition("/")
    return f"{parent}/.workers/{name}.json"


# -- the task ---------------------------------------------------------------------------------
def run_on_node(job: Job, storage: Storage, key: str, driver_versions: dict) -> dict:
    """A Ray task: make ``job``'s run in this node's scratch, mirrored to ``storage[key]``.

    Returns :func:`~genlab.execution.executors.execute`'s result with ``run_dir`` the driver's
    path, ``host``/``node`` where it ran, ``resumed`` (files taken from storage) and
    ``manifest`` (every file delivered, for the driver to check).
    """
    import ray

    node = ray.get_runtime_context().get_node_id()[:8]
    host = f"{platform.node()} node {node}"
    driver_out = str(job.config.out)
    base = {"key": job.key, "run_dir": driver_out, "notes": [], "host": host, "node": node}
    problem = version_mismatch(driver_versions, versions())
    if problem:
        return {**base, "error": f"{host} {problem}", "attempt": None}
    token = uuid.uuid4().hex[:12]
    scratch = scratch_root() / token
    local = scratch / Path(driver_out).name

    def owner() -> bool:
        """Still this attempt's run? A node given up for lost may still be running it."""
        current = storage.get(worker_key(key))
        return current is None or json.loads(current).get("token") == token

    mirror = Mirror(local, storage, key, owner)
    try:
        resumed = mirror.pull()
        record = storage.get(worker_key(key))
        if record is not None:
            (scratch / ".workers").mkdir(parents=True, exist_ok=True)
            (scratch / ".workers" / f"{local.name}.json").write_bytes(record)

        def started(entry: dict) -> None:
            entry = {**entry, "host": platform.node(), "node": node, "token": token}
            storage.put(worker_key(key), json.dumps(entry, indent=2).encode())

        mirror.start()
        try:
            config = dataclasses.replace(job.config, out=str(local))
            result = execute(dataclasses.replace(job, config=config), started=started)
        finally:
            mirror.finish()
        result.update(base, error=result.get("error"), notes=result.get("notes", []))
        result.update(resumed=resumed, manifest=manifest(local))
        return result
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


# -- the executor -----------------------------------------------------------------------------
class RayTasks:
    """``--executor ray``: every job a Ray task (:func:`run_on_node`) on a local or remote
    cluster; runs delivered through ``storage`` (a path or URI every node reaches) or, without
    one, back to this machine through a Ray actor. See the module docstring."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        jobs: int | None = None,
        device: str = "auto",
        retries: int = DEFAULT_RETRIES,
        storage: str | None = None,
        root: str | Path | None = None,
        cpus_per_run: int | None = None,
        memory_per_run: float | None = None,
        gpus_per_run: float | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ):
        ray = import_ray()
        self.ray = ray
        self.storage_arg = storage
        self.storage = open_storage(storage) if storage else None
        self.root = Path(root).resolve() if root else None
        connect(ray, address, connect_timeout)
        self.sizing = plan_sizing(
            ray.nodes(), device, jobs, cpus_per_run, memory_per_run, gpus_per_run,
            driver_threads=_driver_threads(),
        )  # fmt: skip
        self.slots = self.sizing.slots
        self.retries = retries
        if self.storage is None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            here = ray.get_runtime_context().get_node_id()
            actor = ray.remote(num_cpus=0, max_concurrency=8)(DriverDisk).options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)
            )
            self.storage = ActorStorage(actor.remote())
        options = {
            "num_cpus": self.sizing.cpus,
            "memory": self.sizing.memory,
            "max_retries": 0,  # genlab retries lost tasks itself, and says so
            "runtime_env": {"env_vars": self.travelling_env()},
        }
        if self.sizing.gpus:
            options["num_gpus"] = self.sizing.gpus
        self._remote = ray.remote(run_on_node).options(**options)
        self._versions = versions()
        self._refs: dict = {}
        self._attempts: dict[str, int] = {}
        self.say = lambda _text: None

    def travelling_env(self) -> dict:
        """``GENLAB_*`` of this process (not the node-local ones) and the thread counts."""
        env = {
            k: v for k, v in os.environ.items()
            if k.startswith("GENLAB_") and k not in LOCAL_SETTINGS
        }  # fmt: skip
        env.update(self.sizing.threads_env())
        if self.sizing.gpus:
            env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        else:
            env["CUDA_VISIBLE_DEVICES"] = ""
        return env

    def describe(self) -> str:
        where = self.storage_arg or "the driver's --out through Ray"
        return f"ray: {self.sizing.describe()}; runs delivered to {where}"

    def attach(self, say) -> None:
        """Where genlab's own lines about retries go (the pipeline's ``say``)."""
        self.say = say

    # -- where a run lives in storage --------------------------------------------------------
    def key(self, run_dir: str | Path) -> str:
        path = Path(run_dir).resolve()
        if self.storage_arg is None:
            return str(path)  # the driver's disk: the same absolute path
        # Under the driver's absolute path: two comparisons sharing a storage never collide.
        return path.as_posix().lstrip("/")

    def fetch(self, run_dir: str | Path) -> None:
        """Before the pipeline decides: bring storage's copy of a run here when this machine's
        copy is missing or says something else (a run continued from another driver)."""
        if self.storage_arg is None:
            return
        key = self.key(run_dir)
        theirs = self.storage.get(f"{key}/status.json")
        if theirs is None:
            return
        status = Path(run_dir) / "status.json"
        if status.exists() and status.read_bytes() == theirs:
            return
        fetch_tree(self.storage, key, Path(run_dir))
        self._fetch_record(key, Path(run_dir))

    def discard(self, run_dir: str | Path) -> None:
        """The pipeline starts this run afresh: forget storage's copy too."""
        if self.storage_arg is not None:
            key = self.key(run_dir)
            self.storage.delete_tree(key)
            self.storage.delete(worker_key(key))

    def _fetch_record(self, key: str, run_dir: Path) -> None:
        from genlab.run_dir import atomic_write_bytes

        record = self.storage.get(worker_key(key))
        if record is not None:
            atomic_write_bytes(run_dir.parent / ".workers" / f"{run_dir.name}.json", record)

    # -- jobs --------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return len(self._refs)

    def submit(self, job: Job) -> None:
        # Other nodes do not share this working directory: absolute paths only.
        paths = {"out": str(Path(job.config.out).resolve())}
        if job.config.data_dir:
            paths["data_dir"] = str(Path(job.config.data_dir).resolve())
        config = dataclasses.replace(job.config, **paths)
        job = dataclasses.replace(job, config=config)
        key = self.key(config.out)
        self._refs[self._remote.remote(job, self.storage, key, self._versions)] = job

    def wait(self, timeout: float | None = None) -> list[tuple[Job, dict]]:
        ready, _ = self.ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        finished = []
        for ref in ready:
            job = self._refs.pop(ref)
            try:
                result = self.ray.get(ref)
            except self.ray.exceptions.RayTaskError as exc:  # a bug in genlab, not a lost node
                finished.append((job, _failed(job, f"the Ray task raised {exc.cause!r}")))
                continue
            except self.ray.exceptions.RayError as exc:  # worker or node lost
                retry = self._retry(job, exc)
                if retry is not None:
                    finished.append((job, retry))
                continue
            finished.append((job, self._deliver(job, result)))
        return finished

    def _retry(self, job: Job, exc) -> dict | None:
        tries = self._attempts.get(job.key, 0) + 1
        self._attempts[job.key] = tries
        key = self.key(job.config.out)
        record = {}
        with contextlib.suppress(Exception):
            record = json.loads(self.storage.get(worker_key(key)) or b"{}")
        where = f" on {record['host']} node {record.get('node')}" if record.get("host") else ""
        why = type(exc).__name__
        if tries > self.retries:
            return _failed(job, f"its Ray worker{where} was lost {tries} times ({why})")
        checkpoints = [n for n in self.storage.list(f"{key}/checkpoints") if n.endswith(".npz")]
        start = f"from checkpoint {max(checkpoints)}" if checkpoints else "from the start"
        self.say(
            f"{job.key}: lost with its worker{where} ({why}); retrying on another node {start} "
            f"(attempt {tries + 1} of {self.retries + 1})"
        )
        self.submit(job)
        return None

    def _deliver(self, job: Job, result: dict) -> dict:
        """Bring the run directory here (from ``--storage``) and check it against the task's
        manifest; a run that did not arrive intact is failed, with what is wrong."""
        expected = result.pop("manifest", None)
        if expected is None:  # refused before it started (versions)
            return result
        run_dir = Path(job.config.out)
        key = self.key(run_dir)
        try:
            if self.storage_arg is not None:
                fetch_tree(self.storage, key, run_dir)
                self._fetch_record(key, run_dir)
            problem = check_manifest(run_dir, expected)
        except (OSError, GenlabError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            where = self.storage_arg or "this machine"
            result["error"] = (
                f"the run made on {result.get('host')} did not arrive intact in {run_dir} "
                f"(through {where}): {problem}"
            )
        return result

    def running(self) -> list[Job]:
        return list(self._refs.values())

    def progress(self, job: Job) -> tuple[list[dict], dict, list[dict]]:
        """The run's history and curve so far and its worker record, as storage holds them."""
        key = self.key(job.config.out)
        rows, record, points = [], {}, []
        with contextlib.suppress(Exception):
            rows, points = (self._lines(f"{key}/{name}") for name in ("history", "curve"))
            record = json.loads(self.storage.get(worker_key(key)) or b"{}")
        return rows, record, points

    def _lines(self, key: str) -> list[dict]:
        from genlab.run_dir import json_lines

        return json_lines((self.storage.get(f"{key}.jsonl") or b"").decode())

    def close(self) -> None:
        for ref in self._refs:
            self.ray.cancel(ref, force=True)
        self._refs.clear()


def _driver_threads() -> int:
    configured = os.environ.get("TF_NUM_INTRAOP_THREADS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else machine_threads()


def _failed(job: Job, error: str) -> dict:
    return {"key": job.key, "run_dir": str(job.config.out), "error": error}
