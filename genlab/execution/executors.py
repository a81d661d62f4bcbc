"""Where many runs execute: in this process, in local worker processes, or as Ray tasks.

A :class:`Job` is one run: a :class:`~genlab.config.RunConfig` with its ``out`` set, optionally
scored on the validation sample afterwards. :func:`execute` runs a job with
:func:`genlab.run.run_one`, exactly as ``genlab run`` would, and returns a plain dict; every
executor calls that same function, so a caller (a search, a comparison) cannot tell which
executor ran a job:

- :class:`InProcess`: one job at a time, here (the default);
- :class:`LocalProcesses`: ``--jobs N`` worker processes (``concurrent.futures`` with the spawn
  start method), each pinned to its share of the CPU cores or given one GPU;
- :class:`~genlab.execution.ray_executor.RayTasks`: ``--executor ray``, one Ray task per job
  on a local or remote cluster whose nodes need not share a disk.

:func:`genlab.execution.choose.make_executor` picks one from the command line.

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

from genlab.errors import GenlabError
from genlab.run_dir import FINISHED

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
    on_point: object = None  # see Request.on_point; only the in-process executor runs it


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


def _record_worker(run_dir: Path) -> dict:
    """Note which process runs this job (for people, and for tests that kill it): the record,
    with the attempt."""
    from genlab.run_dir import atomic_write_json, read_json

    path = _worker_file(run_dir)
    attempt = 1
    if path.exists():
        with contextlib.suppress(GenlabError, ValueError, TypeError):
            attempt = int(read_json(path).get("attempt", 0)) + 1
    record = {"pid": os.getpid(), "host": platform.node(), "attempt": attempt}
    record["started"] = time.time()
    atomic_write_json(path, record)
    return record


def execute(job: Job, console=None, started=None) -> dict:
    """Make one run: train it, resume an unfinished one, or evaluate a finished one that has
    no metrics for its ``--eval-n``; then score it on the validation sample if asked.

    Never raises for a run that fails or diverges: the run directory holds its state, and the
    result says what went wrong (``error``) or what was noted on the way (``notes``).
    ``started(record)`` is called with the worker record (pid, host, attempt) before the work.
    """
    for name, value in job.env.items():
        os.environ.setdefault(name, str(value))
    from genlab.run_dir import RunDir

    run_dir = Path(job.config.out)
    record = _record_worker(run_dir)
    attempt = record["attempt"]
    if started is not None:
        started(dict(record))
    run = RunDir(run_dir)
    state = run.status.get("state") if (run / "status.json").exists() else None
    error, notes = None, []
    if state not in FINISHED:
        resume = (run / "config.json").exists()
        error = _train(job.config, resume=resume, console=console, on_point=job.on_point)
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


def _train(config, resume: bool, console=None, on_point=None) -> str | None:
    """:func:`genlab.run.run_one`; the error text of a run that failed, else None."""
    try:
        import keras

        from genlab.run import run_one

        keras.backend.clear_session()
        run_one(dataclasses.replace(config, resume=resume), console=console, on_point=on_point)
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

    def wait(self, timeout: float | None = None) -> list[tuple[Job, dict]]:
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
    """Environment that gives a worker's run the thread-pool sizes of a run started here.

    TensorFlow's CPU kernels split their sums by the number of intra-op threads, and the
    inter-op pool decides which independent ops run side by side (a VAE's logged loss, the sum
    of its two terms, was seen to differ in its last bits with one inter-op thread instead of
    two). TensorFlow sizes both pools from the cores a process may use, so a worker pinned to
    fewer cores would get other, equally valid numbers. Workers are limited to their share of
    the cores by CPU affinity instead, and keep both pool sizes of this process: everything
    they record is bit-identical to the same runs made one after the other here.
    """
    threads = str(machine_threads())
    return {
        "TF_NUM_INTRAOP_THREADS": os.environ.get("TF_NUM_INTRAOP_THREADS") or threads,
        "TF_NUM_INTEROP_THREADS": os.environ.get("TF_NUM_INTEROP_THREADS") or threads,
    }


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
        self.say = lambda _text: None

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

    def wait(self, timeout: float | None = None) -> list[tuple[Job, dict]]:
        """Jobs finished since the last call (none when ``timeout`` seconds pass first)."""
        from concurrent.futures import FIRST_COMPLETED
        from concurrent.futures import wait as wait_futures
        from concurrent.futures.process import BrokenProcessPool

        done, _ = wait_futures(list(self._futures), timeout, return_when=FIRST_COMPLETED)
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
        self.say(
            f"{job.key}: its worker process died; starting it again from its last checkpoint "
            f"(attempt {tries + 1} of {self.retries + 1})"
        )
        self.submit(job)
        return []

    def attach(self, say) -> None:
        """Where genlab's own lines about restarted workers go (the pipeline's ``say``)."""
        self.say = say

    def running(self) -> list[Job]:
        return list(self._futures.values())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _lost(job: Job, error: str) -> dict:
    return {"key": job.key, "run_dir": str(job.config.out), "error": error}


def describe(executor) -> str:
    if hasattr(executor, "describe"):
        return executor.describe()
    slots = getattr(executor, "slots", 1)
    return executor.name if slots == 1 else f"{executor.name}, {slots} at a time"
