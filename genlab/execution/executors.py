"""Where many runs execute: in this process, in local worker processes, or as Ray tasks.

A :class:`Job` is one run: a :class:`~genlab.config.RunConfig` with its ``out`` set, optionally
scored on the validation sample afterwards. :func:`execute` runs a job with
:func:`genlab.run.run_one`, exactly as ``genlab run`` would, and returns a plain dict; every
executor calls that same function, so a caller (a search, a comparison) cannot tell which
executor ran a job:

- :class:`InProcess`: one job at a time, here (the default);
- :class:`LocalProcesses`: ``--jobs N`` worker processes (``concurrent.futures`` with the spawn
  start method), each pinned to its share of the CPU cores or given one GPU;
- :class:`RayTasks`: ``--executor ray``, one Ray task per job on a local or remote cluster.

A job whose run directory holds an unfinished run resumes it, so a job retried after its worker
was lost continues from the last checkpoint instead of starting over.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from genlab.errors import GenlabError, UsageError

EXECUTORS = ("local", "ray")
#: How many times a job whose worker died is started again.
DEFAULT_RETRIES = 2


@dataclass
class Job:
    """One run to make.

    Attributes:
        key: a name unique among the jobs of one call (``vae-s0``, ``trial-003``).
        config: the run's :class:`~genlab.config.RunConfig`; ``config.out`` is its run directory.
        validation_n: score the finished run's FID on this many samples against the validation
            sample (:mod:`genlab.search.holdout`); 0 for no score.
        env: environment variables set in the worker before TensorFlow starts.
    """

    key: str
    config: object
    validation_n: int = 0
    env: dict = field(default_factory=dict)


def _worker_file(run_dir: Path) -> Path:
    return run_dir.parent / ".workers" / f"{run_dir.name}.json"


def worker_record(run_dir: Path) -> dict:
    """Which process last ran this run (``pid``, ``host``, ``attempt``); empty if none did."""
    from genlab.run_dir import read_json

    path = _worker_file(Path(run_dir))
    try:
        return read_json(path) if path.exists() else {}
    except GenlabError:
        return {}


def _record_worker(run_dir: Path) -> int:
    """Note which process runs this job (for people, and for tests that kill it); the attempt."""
    from genlab.run_dir import atomic_write_json, read_json

    path = _worker_file(run_dir)
    attempt = 1
    if path.exists():
        with contextlib.suppress(GenlabError, ValueError, TypeError):
            attempt = int(read_json(path).get("attempt", 0)) + 1
    record = {"pid": os.getpid(), "host": platform.node(), "attempt": attempt}
    atomic_write_json(path, {**record, "started": time.time()})
    return attempt


def execute(job: Job, console=None) -> dict:
    """Make one run: train it, resume an unfinished one, or evaluate a finished one that has
    no metrics for its ``--eval-n``; then score it on the validation sample if asked.

    Never raises for a run that fails or diverges: the run directory holds its state, and the
    result says what went wrong (``error``) or what was noted on the way (``notes``).
    """
    for name, value in job.env.items():
        os.environ.setdefault(name, str(value))
    from genlab.run_dir import RunDir

    run_dir = Path(job.config.out)
    attempt = _record_worker(run_dir)
    run = RunDir(run_dir)
    state = run.status.get("state") if (run / "status.json").exists() else None
    error, notes = None, []
    if state not in ("complete", "diverged"):
        error = _train(job.config, resume=(run / "config.json").exists(), console=console)
    elif state == "complete" and needs_evaluation(run_dir, job.config):
        notes += _evaluate_finished(run_dir, job.config, console)
    if error and not (run / "status.json").exists():  # refused before it started
        run.set_status("failed", error=error)
    result = {"key": job.key, "run_dir": str(run_dir), "error": error, "notes": notes}
    result.update(attempt=attempt, host=platform.node())
    state = run.status.get("state")
    if job.validation_n and state == "complete" and not error:
        try:
            from genlab.search.holdout import validation_fid

            validation_fid(run_dir, job.validation_n, job.config.data_dir)
        except Exception as exc:
            result["error"] = f"validation FID failed: {exc}"
    return result


def needs_evaluation(run_dir: Path, config) -> bool:
    """A complete run asked to be evaluated that has no ``metrics.json`` for this ``--eval-n``."""
    from genlab.run_dir import RunDir

    if not config.evaluate:
        return False
    metrics = RunDir(run_dir).read_metrics()
    return metrics is None or metrics.get("n") not in (None, config.eval_samples)


def _train(config, resume: bool, console=None) -> str | None:
    """:func:`genlab.run.run_one`; the error text of a run that failed, else None."""
    try:
        import keras

        from genlab.run import run_one

        keras.backend.clear_session()
        run_one(dataclasses.replace(config, resume=resume), console=console)
    except GenlabError as exc:
        return str(exc)
    except Exception as exc:  # one broken run must not stop the others
        return f"unexpected {type(exc).__name__}: {exc}"
    return None


def _evaluate_finished(run_dir: Path, config, console=None) -> list[str]:
    """Evaluate a finished run as ``run_one`` would have (a reused run asked for another
    ``--eval-n``); a failure is a note, the run stays complete."""
    try:
        from genlab.data.loading import reload_run_data
        from genlab.evaluation.suite import evaluate_run
        from genlab.run import load_run_model

        run, spec, model = load_run_model(run_dir)
        data, full = reload_run_data(run.config, config.data_dir)
        n = config.eval_samples
        evaluate_run(run, model=model, spec=spec, data=data, n=n, reference_splits=full,
                     console=console)  # fmt: skip
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return [f"evaluation failed: {type(exc).__name__}: {exc}"]
    return []


# -- executors --------------------------------------------------------------------------------
class InProcess:
    """Jobs one after the other in this process (with the run's own progress bar)."""

    name = "in-process"
    slots = 1

    def __init__(self, console=None):
        self.console = console
        self._queue: list[Job] = []

    @property
    def pending(self) -> int:
        return len(self._queue)

    def submit(self, job: Job) -> None:
        self._queue.append(job)

    def wait(self) -> list[tuple[Job, dict]]:
        job = self._queue.pop(0)
        return [(job, execute(job, self.console))]

    def close(self) -> None:
        self._queue.clear()


def visible_gpus() -> list[str]:
    """GPU ids this machine offers (``CUDA_VISIBLE_DEVICES`` if set), without importing TF."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [g for g in listed.replace(" ", "").split(",") if g and g != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        text = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(text.splitlines()) if line.startswith("GPU ")]


def machine_threads() -> int:
    """The CPU thread-pool size TensorFlow gives a run started here: one per usable core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def same_numerics_env() -> dict:
    """Environment that gives a worker's run the thread-pool size of a run started here.

    TensorFlow's CPU kernels split their sums by the number of threads, so a run with another
    pool size gives other (equally valid) numbers. Workers are limited to their share of the
    cores by CPU affinity instead, and keep this pool size: their results are bit-identical to
    the same runs made one after the other in this process.
    """
    threads = os.environ.get("TF_NUM_INTRAOP_THREADS") or str(machine_threads())
    return {"TF_NUM_INTRAOP_THREADS": threads}


def core_shares(jobs: int) -> list[list[int]]:
    """The cores of this machine dealt out to ``jobs`` workers (round robin if fewer cores)."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not cores:
        return [[] for _ in range(jobs)]
    if jobs >= len(cores):
        return [[cores[i % len(cores)]] for i in range(jobs)]
    return [cores[i::jobs] for i in range(jobs)]


def _init_worker(slots, gpus: list[str], shares: list[list[int]], env: dict) -> None:
    """Runs first in each worker process: its GPU, or its share of the CPU cores."""
    slot = slots.get()
    os.environ.update(env)
    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
        os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # GPUs may be shared
        return
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    if shares[slot] and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, shares[slot])


class LocalProcesses:
    """``--jobs N``: N worker processes on this machine, each running one job at a time.

    On a machine with GPUs (and ``--device`` not ``cpu``) worker *i* sees GPU *i mod #GPUs*, so
    ``--jobs`` equal to the number of GPUs is one run per GPU and more jobs share them; without
    GPUs each worker is pinned to its share of the cores (see :func:`same_numerics_env`). A
    worker that dies (killed, out of memory) is replaced and its job started again (it resumes
    from its last checkpoint), at most ``retries`` times.
    """

    name = "local processes"

    def __init__(self, jobs: int, device: str = "auto", retries: int = DEFAULT_RETRIES):
        self.slots = jobs
        self.retries = retries
        self.gpus = [] if device == "cpu" else visible_gpus()
        self._futures: dict = {}
        self._attempts: dict[str, int] = {}
        self._pool = None

    def _start_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        slots = context.Queue()
        for i in range(self.slots):
            slots.put(i)
        self._pool = ProcessPoolExecutor(
            self.slots,
            mp_context=context,
            initializer=_init_worker,
            initargs=(slots, self.gpus, core_shares(self.slots), same_numerics_env()),
        )

    @property
    def pending(self) -> int:
        return len(self._futures)

    def submit(self, job: Job) -> None:
        if self._pool is None:
            self._start_pool()
        self._futures[self._pool.submit(execute, job)] = job

    def wait(self) -> list[tuple[Job, dict]]:
        from concurrent.futures import FIRST_COMPLETED
        from concurrent.futures import wait as wait_futures
        from concurrent.futures.process import BrokenProcessPool

        done, _ = wait_futures(list(self._futures), return_when=FIRST_COMPLETED)
        finished, lost = [], []
        for future in done:
            job = self._futures.pop(future)
            try:
                finished.append((job, future.result()))
            except BrokenProcessPool:
                lost.append(job)
        if lost:
            # A dead worker breaks the whole pool: every job still in it is started again.
            lost += list(self._futures.values())
            self._futures.clear()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            for job in lost:
                finished += self._retry(job)
        return finished

    def _retry(self, job: Job) -> list[tuple[Job, dict]]:
        tries = self._attempts.get(job.key, 0) + 1
        self._attempts[job.key] = tries
        if tries > self.retries:
            error = f"its worker process died {tries} times"
            return [(job, _lost(job, error))]
        self.submit(job)
        return []

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _lost(job: Job, error: str) -> dict:
    return {"key": job.key, "run_dir": str(job.config.out), "error": error}


class RayTasks:
    """``--executor ray``: every job a Ray task calling :func:`execute`.

    ``address`` joins a running cluster (``ray start --head`` on one machine, ``ray start
    --address HEAD:6379`` on the others); without it Ray starts a local instance. Run
    directories must be on a path every node sees. A task whose worker is lost is retried by
    Ray (``max_retries``) and resumes its run; results are collected as tasks finish.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        jobs: int | None = None,
        device: str = "auto",
        retries: int = DEFAULT_RETRIES,
    ):
        try:
            import ray
        except ImportError:
            raise UsageError(
                "--executor ray needs Ray: pip install 'genlab[ray]' (on every node)"
            ) from None
        self.ray = ray
        if not ray.is_initialized():
            local = {} if address else {"include_dashboard": False}
            ray.init(address=address, log_to_driver=False, **local)
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0)) if device != "cpu" else 0
        cpus = int(resources.get("CPU", 1))
        self.slots = jobs or (gpus or cpus)
        options = {"max_retries": retries, "retry_exceptions": False}
        if gpus:
            options["num_gpus"] = max(gpus / self.slots, 0.01) if self.slots > gpus else 1
            options["num_cpus"] = 1
        else:
            options["num_cpus"] = max(1, cpus // self.slots)
        self._remote = ray.remote(**options)(execute)
        self._refs: dict = {}

    @property
    def pending(self) -> int:
        return len(self._refs)

    def submit(self, job: Job) -> None:
        env = same_numerics_env()
        # Other nodes do not share this working directory: absolute paths only.
        paths = {"out": str(Path(job.config.out).resolve())}
        if job.config.data_dir:
            paths["data_dir"] = str(Path(job.config.data_dir).resolve())
        config = dataclasses.replace(job.config, **paths)
        job = dataclasses.replace(job, config=config, env={**env, **job.env})
        self._refs[self._remote.remote(job)] = job

    def wait(self) -> list[tuple[Job, dict]]:
        ready, _ = self.ray.wait(list(self._refs), num_returns=1)
        finished = []
        for ref in ready:
            job = self._refs.pop(ref)
            try:
                finished.append((job, self.ray.get(ref)))
            except Exception as exc:  # the task's retries are used up
                finished.append((job, _lost(job, f"Ray task failed: {type(exc).__name__}")))
        return finished

    def close(self) -> None:
        for ref in self._refs:
            self.ray.cancel(ref, force=True)
        self._refs.clear()


def make_executor(
    executor: str = "local",
    jobs: int = 1,
    address: str | None = None,
    device: str = "auto",
    retries: int = DEFAULT_RETRIES,
    console=None,
):
    """The executor the command line asked for (``--executor``, ``--jobs``, ``--address``);
    ``console`` shows the progress bar of runs made in this process."""
    if executor not in EXECUTORS:
        raise UsageError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"--jobs must be a positive integer, got {jobs}")
    if address and executor != "ray":
        raise UsageError("--address needs --executor ray")
    if executor == "ray":
        return RayTasks(address, jobs if jobs > 1 else None, device, retries)
    if jobs == 1:
        return InProcess(console)
    return LocalProcesses(jobs, device, retries)


def describe(executor) -> str:
    slots = getattr(executor, "slots", 1)
    return executor.name if slots == 1 else f"{executor.name}, {slots} at a time"
