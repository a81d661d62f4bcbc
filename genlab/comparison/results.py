"""One (model, seed) run of a comparison as the aggregation reads it: state, scalar metrics,
training facts, real-data floors, notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.comparison.aggregate import NOT_METRICS, TRAINING_KEYS, is_number, registered_metrics


@dataclass
class RunResult:
    """One (model, seed) run as read back from its run directory."""

    model: str
    seed: int
    run_dir: str
    state: str
    reused: bool = False
    error: str | None = None
    metrics: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    floors: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    #: Where the run was made: the worker's host name (and Ray node id), from its record.
    host: str | None = None
    #: The quality curve: FID (and KID, precision, recall) at log-spaced images seen.
    curve: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state == "complete"


def run_result(model: str, seed: int, outcome, reused: bool = False, notes=()) -> RunResult:
    """A :class:`RunResult` from a run's :class:`~genlab.run_dir.Outcome`: the scalar metrics
    (and registered metrics that did not apply, as None), the floors of those metrics, the
    training facts, and the notes of the evaluation."""
    metrics = outcome.metrics or {}
    skip = NOT_METRICS | set(TRAINING_KEYS)
    registered = registered_metrics()
    scalars = {
        k: v
        for k, v in metrics.items()
        if k not in skip and (is_number(v) or (v is None and k in registered))
    }
    floors = metrics.get("reference") or {}
    floors = {k: v for k, v in floors.items() if k in scalars and is_number(v)}
    training = {
        "epochs": outcome.epochs,
        "train_seconds": outcome.train_seconds,
        "images_per_s": outcome.images_per_s,
    }
    found = [f"metric {k} failed: {e}" for k, e in (metrics.get("errors") or {}).items()]
    found += list(metrics.get("notes") or [])
    return RunResult(
        model,
        seed,
        outcome.path,
        outcome.state,
        reused,
        outcome.error,
        scalars,
        training,
        outcome.config,
        floors,
        [*found, *notes],
        _host(outcome.path),
        outcome.curve,
    )


def _host(run_dir) -> str | None:
    """``HOST`` or ``HOST node ID`` of the process that last ran ``run_dir``."""
    from genlab.execution.executors import worker_record

    record = worker_record(run_dir)
    if not record.get("host"):
        return None
    return record["host"] + (f" node {record['node']}" if record.get("node") else "")


def read_run(run_dir, model: str, seed: int) -> RunResult:
    """The :class:`RunResult` of a run directory, read as a comparison reads it."""
    from genlab.run_dir import RunDir

    return run_result(model, seed, RunDir(run_dir).outcome())
