"""Make the runs of a comparison: train, resume or reuse every (model, seed), then aggregate.

Each training is an ordinary run directory made by :func:`genlab.run.run_one`, exactly as
``genlab run`` makes it, under ``DIR/runs/<model>-s<seed>/``. A finished run whose ``config.json``
matches what would be trained is reused, an interrupted one is resumed, so an interrupted
comparison continues where it stopped when the same command is run again.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from genlab.comparison.aggregate import (
    NOT_METRICS,
    TRAINING_KEYS,
    Comparison,
    is_number,
    registered_metrics,
)
from genlab.comparison.plan import Plan
from genlab.errors import GenlabError
from genlab.run import load_run_model, run_identity, run_one
from genlab.run_dir import RunDir, atomic_write_json
from genlab.version import __version__


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

    @property
    def ok(self) -> bool:
        return self.state == "complete"


def expected_identity(plan: Plan, model: str, seed: int, data) -> dict:
    """The ``config.json`` values a reusable run must have: the run's identity, as
    :func:`genlab.run.run_identity` defines it, and what the comparison holds fixed."""
    spec, model_config = plan.run_config(model, seed).validate()
    batch_size = plan.batch_size or spec.default_batch_size
    return {
        **run_identity(spec, model_config, data, batch_size, seed, ema=plan.ema),
        "epochs": plan.run_epochs,
        "limit": plan.limit,
        "budget_minutes": plan.budget_minutes,
        "genlab": __version__,
        # Tracking leaves the training itself unchanged: asked for, it must be there.
        **({"track_fid": plan.track_fid} if plan.track_fid else {}),
    }


def config_differences(config: dict, expected: dict) -> list[str]:
    """Keys of ``expected`` that ``config`` (a run's config.json) does not match."""
    actual = {**config, "genlab": config.get("versions", {}).get("genlab")}
    normal = json.loads(json.dumps({k: actual.get(k) for k in expected}))
    wanted = json.loads(json.dumps(expected))
    return [k for k in expected if normal[k] != wanted[k]]


def reuse_decision(run_dir: Path, expected: dict, reuse: bool) -> tuple[str, str]:
    """``("reuse" | "resume" | "fresh", why)`` for the run directory of one (model, seed)."""
    run = RunDir(run_dir)
    if not (run / "config.json").exists():
        return "fresh", ""
    if not reuse:
        return "fresh", "--no-reuse"
    try:
        changed = config_differences(run.config, expected)
        state = run.status.get("state")
    except GenlabError as exc:
        return "fresh", str(exc)
    if changed:
        return "fresh", f"{', '.join(changed)} changed"
    if state in ("complete", "diverged"):
        return "reuse", state
    return "resume", state or "unknown state"


def collect(run_dir: Path, model: str, seed: int, reused=False, error=None) -> RunResult:
    """Read a run directory back: state, scalar metrics, training facts, config."""
    run = RunDir(run_dir)
    try:
        state = run.status.get("state", "missing")
        config = run.config if (run / "config.json").exists() else {}
        metrics = run.read_metrics() or {}
    except GenlabError as exc:
        state, config, metrics, error = "failed", {}, {}, error or str(exc)
    if error and state not in ("diverged", "failed"):
        state = "failed"
    if state != "complete" and not error:
        status = run.status
        where = f"at epoch {status.get('epoch')}, step {status.get('step')}"
        diverged = f"training diverged: {status.get('loss')} became non-finite {where}"
        error = status.get("error") or (diverged if state == "diverged" else f"state {state}")
    history = run.read_history()
    seconds = sum(row.get("seconds", 0.0) for row in history)
    images = sum(row.get("images_per_s", 0.0) * row.get("seconds", 0.0) for row in history)
    training = {
        "epochs": history[-1]["epoch"] if history else None,
        "train_seconds": history[-1].get("elapsed") if history else None,
        "images_per_s": round(images / seconds, 1) if seconds > 0 else None,
    }
    skip = NOT_METRICS | set(TRAINING_KEYS)
    registered = registered_metrics()
    scalars = {
        k: v
        for k, v in metrics.items()
        if k not in skip and (is_number(v) or (v is None and k in registered))
    }
    floors = metrics.get("reference") or {}
    floors = {k: v for k, v in floors.items() if k in scalars and is_number(v)}
    notes = [f"metric {k} failed: {e}" for k, e in (metrics.get("errors") or {}).items()]
    notes += list(metrics.get("notes") or [])
    return RunResult(
        model, seed, str(run_dir), state, reused, error, scalars, training, config, floors, notes
    )


def train_or_reuse(plan: Plan, model: str, seed: int, data, say, console=None) -> RunResult:
    """Make one run of the comparison; every failure is recorded, never raised (but Ctrl-C)."""
    run_dir = plan.run_dir(model, seed)
    decision, why = reuse_decision(run_dir, expected_identity(plan, model, seed, data), plan.reuse)
    if decision == "reuse":
        say(f"reused finished run {run_dir} ({why})")
        if plan.evaluate and why == "complete" and _needs_evaluation(run_dir, plan.eval_samples):
            return _evaluate_reused(plan, model, seed, run_dir, data, console)
        return collect(run_dir, model, seed, reused=True)
    if decision == "fresh" and run_dir.exists():
        if why:
            say(f"retraining {run_dir} ({why})")
        shutil.rmtree(run_dir)
    say(f"{'resuming' if decision == 'resume' else 'training'} -> {run_dir}")
    error = None
    try:
        _clear_session()
        run_one(plan.run_config(model, seed, resume=decision == "resume"), console=console)
    except KeyboardInterrupt:
        raise
    except GenlabError as exc:
        error = str(exc)
    except Exception as exc:  # one broken model must not stop the comparison
        error = f"unexpected {type(exc).__name__}: {exc}"
    result = collect(run_dir, model, seed, error=error)
    if error:
        say(f"[red]{result.state}:[/] {error}")
    return result


def _needs_evaluation(run_dir: Path, n: int) -> bool:
    """No ``metrics.json``, or one made from another number of samples."""
    metrics = RunDir(run_dir).read_metrics()
    return metrics is None or metrics.get("n") not in (None, n)


def _evaluate_reused(plan, model, seed, run_dir, data, console) -> RunResult:
    """A reused run without metrics for this ``--eval-n``: evaluate it as ``run_one`` would."""
    error = None
    try:
        from genlab.evaluation.suite import evaluate_run

        run, spec, net = load_run_model(run_dir)
        evaluate_run(run, model=net, spec=spec, data=data, n=plan.eval_samples, console=console)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        error = f"evaluation failed: {type(exc).__name__}: {exc}"
    result = collect(run_dir, model, seed, reused=True)
    result.notes += [error] if error else []
    return result


def _clear_session() -> None:
    import keras

    keras.backend.clear_session()


def run_comparison(plan: Plan, console=None) -> Comparison:
    """Train (or reuse) every model x seed, then aggregate; writes ``comparison.json``."""
    from genlab.data.loading import load

    data = load(plan.dataset, plan.data_dir, limit=plan.limit)  # fails early on missing data
    RunDir(plan.out).ensure_writable()
    pairs = [(m, s) for m in plan.models for s in plan.seeds]
    results = []
    for i, (model, seed) in enumerate(pairs, 1):
        prefix = f"[bold][{i}/{len(pairs)}][/] {model} seed {seed}: "

        def say(text, _prefix=prefix):
            if console is not None:
                console.print(_prefix + text, highlight=False, soft_wrap=True)

        results.append(train_or_reuse(plan, model, seed, data, say, console))
    comparison = Comparison(plan, results)
    atomic_write_json(plan.out / "comparison.json", comparison.to_json())
    return comparison
