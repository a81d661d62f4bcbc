"""The one loop that makes runs: decide, execute, read back, with the same progress lines on
every executor.

For every :class:`Request`, :func:`make_runs`

1. decides ``reuse | resume | fresh`` (:func:`decide`) by comparing the run directory's
   ``config.json`` with the run's expected identity (:func:`expected_identity`, compared by
   :func:`genlab.run.identity_differences`, the one identity comparison);
2. hands what must be trained, resumed, or (a reused run without metrics for this ``--eval-n``)
   evaluated to an executor (:mod:`genlab.execution.executors`), at most ``executor.slots`` at a
   time, pulling requests only as slots free up (a search draws its next trial then);
3. reads every run back with :meth:`genlab.run_dir.RunDir.outcome`; a run the executor says it
   made but that is not on this machine's disk is a failed run that says so, never "missing".

While runs are in flight it prints one ``running:`` line every :data:`PROGRESS_SECONDS` (each
run's epoch, images/s and host), and executors that restart a lost run say so (``attach``).
Executors whose runs live in storage first bring a run here (``fetch``) and forget a run
started afresh (``discard``). Which executor ran a job changes nothing in the runs.
"""

from __future__ import annotations

import os
import platform
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from genlab.errors import GenlabError
from genlab.execution.executors import Job, needs_evaluation
from genlab.run_dir import FINISHED, Outcome, RunDir
from genlab.version import __version__

DECISIONS = ("reuse", "resume", "fresh")
#: Seconds between two ``running:`` lines while runs are in flight.
PROGRESS_SECONDS = float(os.environ.get("GENLAB_PROGRESS_SECONDS", "30"))


@dataclass
class Request:
    """One run a caller wants to have.

    Attributes:
        key: unique among the requests of one call; progress lines start with it.
        config: the run's :class:`~genlab.config.RunConfig`; ``config.out`` is its directory.
        reuse: reuse a finished run whose identity matches (False: ``--no-reuse``).
        identity: check the directory's identity before reusing or resuming it; False when
            the caller owns the directory's history (a search trial: resumed when unfinished).
        validation_n: score the finished run's FID on this many samples against the
            validation sample (:mod:`genlab.search.holdout`); 0 for none.
        label: words added to the "training" line (a trial's hyperparameters).
        on_point: called with every scheduled point of the run's quality curve; returning True
            stops the run there as ``pruned`` (a search's pruner). A function of this process:
            only the in-process executor runs it.
    """

    key: str
    config: object
    reuse: bool = True
    identity: bool = True
    validation_n: int = 0
    label: str = ""
    on_point: Callable | None = None


@dataclass
class Made:
    """A requested run, read back after the pipeline made (or reused) it."""

    key: str
    outcome: Outcome
    reused: bool = False
    notes: list = field(default_factory=list)
    attempt: int | None = None
    host: str | None = None

    @property
    def validation(self) -> dict | None:
        return self.outcome.validation


def expected_identity(config, data) -> dict:
    """The ``config.json`` values a reusable run must have: :func:`genlab.run.run_identity`
    plus what the options hold fixed (epochs, budget, limit, genlab's version, tracking)."""
    from genlab.run import config_identity

    spec, model_config = config.validate()
    batch_size = config.batch_size or spec.default_batch_size
    identity = config_identity(config, spec, model_config, data, batch_size)
    return {
        **identity,
        "epochs": config.epochs,
        "limit": config.limit,
        "budget_minutes": config.budget_minutes,
        "genlab": __version__,
        **({"images": config.images} if config.images else {}),
        # Tracking leaves the training itself unchanged: asked for, it must be there.
        **({"track_fid": config.track_fid} if config.track_fid else {}),
        **config.curve_record(),
    }


def decide(run_dir: Path, expected: dict | None, reuse: bool = True) -> tuple[str, str]:
    """``(decision, why)`` for one run directory: ``reuse`` a finished run that matches,
    ``resume`` an unfinished one that matches, else ``fresh``. ``expected`` None: the directory
    is trusted (reused when finished, resumed otherwise)."""
    from genlab.run import identity_differences

    run = RunDir(run_dir)
    if not (run / "config.json").exists():
        return "fresh", ""
    if not reuse:
        return "fresh", "--no-reuse"
    try:
        changed = identity_differences(run.config, expected) if expected is not None else []
        state = run.status.get("state")
    except GenlabError as exc:
        return "fresh", str(exc)
    if "backend" in changed:
        from genlab.run import backend_switch

        raise backend_switch(
            f"{run_dir} holds a run made",
            run.config,
            expected["backend"],
            " to reuse it, or another --out (it would be replaced)",
        )
    if changed:
        return "fresh", f"{', '.join(changed)} changed"
    if state in FINISHED:
        return "reuse", state
    return "resume", state or "unknown state"


def make_runs(
    requests: Iterable[Request],
    executor,
    *,
    say: Callable[[str], None] | None = None,
    total: int | None = None,
    on_done: Callable[[Request, Made], None] | None = None,
) -> dict[str, Made]:
    """Make every requested run (see the module docstring); results by request key.

    ``requests`` is consumed lazily, one request whenever the executor has a free slot;
    ``on_done(request, made)`` is called as each run is read back, in finishing order.
    ``total`` (when the number of requests is known) numbers the progress lines.
    Never raises for a run that fails: its outcome says so. Ctrl-C stops the executor.
    """
    say = say or (lambda _text: None)
    if hasattr(executor, "attach"):
        executor.attach(say)
    loads: dict = {}
    source = iter(requests)
    pending: dict[str, tuple[Request, bool]] = {}
    made: dict[str, Made] = {}
    counter = [0]

    def prefix(request: Request) -> str:
        counter[0] += 1
        count = f"[bold][{counter[0]}/{total}][/] " if total else ""
        return f"{count}{request.key}: "

    def finish(request: Request, result: dict | None, reused: bool) -> None:
        error = (result or {}).get("error")
        delivered = (Path(request.config.out) / "status.json").exists()
        if result is not None and not error and not delivered:
            error = (
                f"{result.get('host') or 'the worker'} reported this run made, but "
                f"{request.config.out} holds no run here (was it written on another machine's "
                "disk? see docs/distributed.md)"
            )
        result = result or {}
        outcome = RunDir(request.config.out).outcome(error=error)
        item = Made(request.key, outcome, reused, list(result.get("notes") or []))
        item.attempt, item.host = result.get("attempt"), result.get("host")
        made[request.key] = item
        if not reused or not outcome.ok:
            say(outcome_line(request, item))
        if on_done is not None:
            on_done(request, item)

    try:
        while True:
            while executor.pending < executor.slots:
                request = next(source, None)
                if request is None:
                    break
                job, reused = _plan_job(request, loads, say, prefix(request), executor)
                if job is None:  # reused as it is
                    finish(request, None, reused=True)
                    continue
                pending[request.key] = (request, reused)
                executor.submit(job)
            if not executor.pending:
                break
            finished = executor.wait(timeout=PROGRESS_SECONDS if executor.slots > 1 else None)
            if not finished and hasattr(executor, "running"):
                say(running_line(executor.running(), getattr(executor, "progress", None)))
            for job, result in finished:
                request, reused = pending.pop(job.key)
                finish(request, result, reused)
    finally:
        executor.close()
    return made


def _plan_job(
    request: Request, loads: dict, say, prefix: str, executor=None
) -> tuple[Job | None, bool]:
    """Decide for one request: ``(job to submit or None, reused)``; no job for a run that is
    reused as it is."""
    config = request.config
    run_dir = Path(config.out)
    if hasattr(executor, "fetch"):
        executor.fetch(run_dir)
    expected = None
    if request.identity and (run_dir / "config.json").exists():
        expected = expected_identity(config, _data(config, loads))
    decision, why = decide(run_dir, expected, request.reuse)
    job = Job(request.key, config, validation_n=request.validation_n, on_point=request.on_point)
    if decision == "reuse":
        say(f"{prefix}reused finished run {run_dir} ({why})")
        evaluate = why == "complete" and needs_evaluation(run_dir, config)
        return (job if evaluate or request.validation_n else None), True
    if decision == "fresh" and run_dir.exists():
        if why:
            say(f"{prefix}retraining {run_dir} ({why})")
        shutil.rmtree(run_dir)
    if decision == "fresh" and hasattr(executor, "discard"):
        executor.discard(run_dir)
    verb = "resuming" if decision == "resume" else "training"
    say(f"{prefix}{verb} -> {run_dir}{request.label}")
    return job, False


def _data(config, loads: dict):
    """The run's data (for its identity), loaded once per (dataset, folder, limit)."""
    from genlab.data.loading import load

    key = (config.dataset, config.data_dir, config.limit)
    if key not in loads:
        loads[key] = load(config.dataset, config.data_dir, limit=config.limit)
    return loads[key]


def outcome_line(request: Request, made: Made) -> str:
    """``vae seed 0: complete`` / ``… validation FID 31.20`` / ``… failed: why``."""
    outcome = made.outcome
    retried = f" (attempt {made.attempt})" if made.attempt and made.attempt > 1 else ""
    if made.host and made.host != platform.node():
        retried = f" on {made.host}{retried}"
    fid = (outcome.validation or {}).get("fid") if request.validation_n else None
    if outcome.ok and fid is not None:
        return f"{request.key}: validation FID {fid:.2f}{retried}"
    if outcome.ok:
        return f"{request.key}: complete{retried}"
    return f"{request.key}: [red]{outcome.state}:[/] {outcome.error}{retried}"


def running_line(jobs: list[Job], progress=None) -> str:
    """``running: vae seed 0 epoch 2/5 812 img/s on HOST; …`` from what each run's history,
    quality curve and worker record say so far: ``progress(job) -> (rows, record, points)``,
    or the run directory here. Before its first epoch ends, a run shows the images seen at its
    last curve point (``dcgan seed 0 epoch 1/3 16,384 images``)."""
    from genlab.execution.executors import worker_record

    parts = []
    for job in jobs:
        if progress is not None:
            rows, record, points = progress(job)
        else:
            run = RunDir(job.config.out)
            rows, points = run.read_history(), run.read_curve()
            record = worker_record(Path(job.config.out))
        where = record.get("host", "")
        where += f" node {record['node']}" if record.get("node") else ""
        text = job.key
        epochs = f"/{job.config.epochs}" if job.config.epochs else ""
        if rows:
            text += f" epoch {rows[-1].get('epoch')}{epochs}"
            speed = rows[-1].get("images_per_s")
            text += f" {speed:.0f} img/s" if speed else ""
        elif points:
            text += f" epoch 1{epochs} {points[-1]['images']:,} images"
        else:
            text += " starting"
        parts.append(text + (f" on {where}" if where else ""))
    return "running: " + "; ".join(parts) if parts else "running: waiting for a worker"
