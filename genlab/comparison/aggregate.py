"""Many runs -> one fair comparison: same data, same budget and same seeds for every model.

Each training is an ordinary run directory made by :func:`genlab.pipeline.run_one`, exactly as
``genlab run`` makes it, under ``DIR/runs/<model>-s<seed>/``. A finished run whose ``config.json``
matches what would be trained is reused, an interrupted one is resumed, so an interrupted
comparison continues where it stopped when the same command is run again.

Metrics are treated generically: every numeric top-level key of a run's ``metrics.json`` (and
every registered metric, null meaning "does not apply") becomes a row, aggregated over seeds as
mean and sample standard deviation.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import shutil
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from genlab import __version__
from genlab.errors import GenlabError, UsageError
from genlab.runs import RunDir, atomic_write_json

DEFAULT_SEEDS = 3
DEFAULT_EPOCHS = 5
#: With only ``--budget-minutes``, the clock ends training; this only caps the epoch count.
BUDGET_EPOCH_CAP = 10_000

#: Directions of metric keys the metric registry does not know by name (one registered metric may
#: store several keys). Keys in neither set are shown but never highlighted.
HIGHER_IS_BETTER = frozenset(
    {"precision", "recall", "density", "coverage", "classifier_score", "inception_score"}
    | {"classes_covered", "psnr", "ssim", "elbo", "images_per_s"}
)
LOWER_IS_BETTER = frozenset({"fid", "kid", "mse", "nll", "bits_per_dim"})
#: Keys of ``metrics.json`` that describe the evaluation itself rather than measure the model.
NOT_METRICS = frozenset({"n", "seed", "test_images", "eval_seconds", "iw_k", "iw_images"})
#: Per-run training facts read from history.jsonl, aggregated next to the metrics.
TRAINING_KEYS = ("epochs", "train_seconds", "images_per_s")
#: Plan options that every run of the comparison gets unchanged.
_SHARED_OPTIONS = ("dataset", "batch_size", "limit", "data_dir", "device", "strategy", "evaluate")
_SHARED_OPTIONS += ("eval_samples", "budget_minutes", "track_fid")


@dataclass
class Plan:
    """What a comparison trains: every model x every seed, on the same data and budget."""

    models: list[str]
    seeds: list[int]
    out: Path
    dataset: str = "fashion"
    epochs: int | None = None
    budget_minutes: float | None = None
    limit: int | None = None
    batch_size: int | None = None
    evaluate: bool = True
    eval_samples: int = 10_000
    data_dir: str | None = None
    device: str = "auto"
    strategy: str = "default"
    reuse: bool = True
    track_fid: int = 0
    command: str = ""

    @property
    def run_epochs(self) -> int:
        return self.epochs or (BUDGET_EPOCH_CAP if self.budget_minutes else DEFAULT_EPOCHS)

    def run_dir(self, model: str, seed: int) -> Path:
        return self.out / "runs" / f"{model}-s{seed}"

    def run_config(self, model: str, seed: int, resume: bool = False):
        """The :class:`RunConfig` of one run: what ``genlab run`` would get for it."""
        from genlab.specs import RunConfig

        shared = {k: getattr(self, k) for k in _SHARED_OPTIONS}
        out = str(self.run_dir(model, seed))
        return RunConfig(model, seed=seed, out=out, resume=resume, epochs=self.run_epochs, **shared)

    def budget_text(self) -> str:
        if self.budget_minutes:
            cap = f" (at most {self.epochs} epochs)" if self.epochs else ""
            return f"{self.budget_minutes:g} min of training per run{cap}"
        return f"{self.run_epochs} epoch{'s' if self.run_epochs > 1 else ''} per run"


def make_plan(
    models: list[str],
    *,
    all_models: bool = False,
    seeds: int = DEFAULT_SEEDS,
    out: str | Path | None = None,
    **options,
) -> Plan:
    """Check every name and option before anything is trained; canonical model names."""
    from genlab.data.loading import is_folder_argument
    from genlab.engine.device import DEVICES, STRATEGIES
    from genlab.registry import get_dataset, get_registries

    registry = get_registries().models
    if all_models and models:
        raise UsageError("pass model names or --all, not both")
    names = [s.name for s in registry] if all_models else [registry.get(m).name for m in models]
    if not names:
        raise UsageError("name at least one model (see 'genlab list'), or pass --all")
    names = list(dict.fromkeys(names))
    if not isinstance(seeds, int) or seeds < 1:
        raise UsageError(f"--seeds must be a positive integer, got {seeds}")
    if options.get("track_fid", 0) < 0:
        raise UsageError(
            f"--track-fid must be a number of samples (>= 0), got {options['track_fid']}"
        )
    for key in ("epochs", "limit", "batch_size", "eval_samples"):
        value = options.get(key)
        if value is not None and value < 1:
            flag = "--eval-n" if key == "eval_samples" else "--" + key.replace("_", "-")
            raise UsageError(f"{flag} must be a positive integer, got {value}")
    budget = options.get("budget_minutes")
    if budget is not None and not budget > 0:
        raise UsageError(f"--budget-minutes must be positive, got {budget}")
    if options.get("strategy", "default") not in STRATEGIES:
        raise UsageError(
            f"--strategy must be one of {', '.join(STRATEGIES)}, got {options['strategy']!r}"
        )
    if options.get("device", "auto") not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {options['device']!r}")
    dataset = options.get("dataset", "fashion")
    if not is_folder_argument(dataset):
        options["dataset"] = get_dataset(dataset).name
    if out is None:
        label = "all" if all_models else "-".join(names)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("comparisons") / f"{label}-{Path(options['dataset']).name}-{stamp}"
    return Plan(models=names, seeds=list(range(seeds)), out=Path(out), **options)


# -- runs -------------------------------------------------------------------------------------
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
    """The ``config.json`` values a reusable run must have (what makes two runs the same)."""
    from genlab.config import make_model_config
    from genlab.registry import get_model

    spec = get_model(model)
    return {
        "model": spec.name,
        "hparams": dataclasses.asdict(make_model_config(spec, {})),
        "dataset": data.name,
        "image_shape": list(data.image_shape),
        "train_images": int(len(data.splits.train_images)),
        "batch_size": plan.batch_size or spec.default_batch_size,
        "seed": seed,
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
    registered = _registered_metrics()
    scalars = {
        k: v
        for k, v in metrics.items()
        if k not in skip and (_is_number(v) or (v is None and k in registered))
    }
    floors = metrics.get("reference") or {}
    floors = {k: v for k, v in floors.items() if k in scalars and _is_number(v)}
    notes = [f"metric {k} failed: {e}" for k, e in (metrics.get("errors") or {}).items()]
    notes += list(metrics.get("notes") or [])
    return RunResult(
        model, seed, str(run_dir), state, reused, error, scalars, training, config, floors, notes
    )


def _registered_metrics():
    from genlab.registry import get_registries

    return get_registries().metrics.specs


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def train_or_reuse(plan: Plan, model: str, seed: int, data, say, console=None) -> RunResult:
    """Make one run of the comparison; every failure is recorded, never raised (but Ctrl-C)."""
    from genlab.pipeline import run_one

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
        from genlab.pipeline import load_run_model

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


# -- aggregation ------------------------------------------------------------------------------
def summarize(values) -> dict:
    """Mean, sample standard deviation (n-1) and count of the finite numbers in ``values``.

    ``std`` is None with fewer than two values; ``mean`` is None with none (n/a).
    """
    finite = [float(v) for v in values if _is_number(v) and math.isfinite(v)]
    n = len(finite)
    return {
        "mean": statistics.fmean(finite) if n else None,
        "std": statistics.stdev(finite) if n > 1 else None,
        "n": n,
    }


def metric_direction(key: str) -> bool | None:
    """True if higher is better, False if lower is, None if unknown (never highlighted)."""
    spec = _registered_metrics().get(key)
    if spec is not None:
        return spec.higher_is_better
    if key in HIGHER_IS_BETTER or key in LOWER_IS_BETTER:
        return key in HIGHER_IS_BETTER
    return None


def _is_cost(key: str) -> bool:
    """A registered metric that needs no capability measures cost (time, memory, size)."""
    spec = _registered_metrics().get(key)
    return spec is not None and not spec.requires


def best_models(stats: dict[str, dict], higher_is_better: bool | None) -> list[str]:
    """Models with the best mean; none when the direction is unknown, fewer than two have a
    mean, or all of them tie (nothing was won)."""
    means = {m: s["mean"] for m, s in stats.items() if s["mean"] is not None}
    if higher_is_better is None or len(set(means.values())) < 2:
        return []
    target = max(means.values()) if higher_is_better else min(means.values())
    return [m for m, v in means.items() if v == target]


class Comparison:
    """The runs of a comparison and their aggregate per model (complete runs only)."""

    def __init__(self, plan: Plan, results: list[RunResult]):
        self.plan = plan
        self.results = results
        seen = list(dict.fromkeys(k for r in results if r.ok for k in r.metrics))
        order = list(_registered_metrics())  # registration order is the order to show
        keys = sorted(seen, key=lambda k: order.index(k) if k in order else len(order))
        self.directions = {k: metric_direction(k) for k in (*keys, *TRAINING_KEYS)}
        self.stats = {m: self._stats(m) for m in plan.models}
        self.best = {
            key: best_models({m: self.stats[m][key] for m in plan.models}, direction)
            for key, direction in self.directions.items()
        }
        measured = [k for k in keys if any(self.stats[m][k]["n"] for m in plan.models)]
        #: Metrics that no model has a value for (no evaluator, or evaluation off).
        self.unmeasured = [k for k in keys if k not in measured]
        self.metric_keys = [k for k in measured if not _is_cost(k)]
        self.cost_keys = [*TRAINING_KEYS, *(k for k in measured if _is_cost(k))]
        self.sections = [("quality", self.metric_keys), ("cost", self.cost_keys)]
        floors = {k: summarize([r.floors.get(k) for r in results if r.ok]) for k in keys}
        self.floors = {k: v["mean"] for k, v in floors.items() if v["n"]}

    def _stats(self, model: str) -> dict:
        runs = [r for r in self.runs_of(model) if r.ok]
        return {
            k: summarize([{**r.metrics, **r.training}.get(k) for r in runs])
            for k in self.directions
        }

    def runs_of(self, model: str) -> list[RunResult]:
        return [r for r in self.results if r.model == model]

    def states(self, model: str) -> dict[str, int]:
        return dict(Counter(r.state for r in self.runs_of(model)))

    @property
    def failures(self) -> list[RunResult]:
        return [r for r in self.results if not r.ok]

    def model_mark(self, model: str) -> str:
        """Empty when every seed finished, else e.g. ``1/3 diverged``."""
        total = len(self.runs_of(model))
        return ", ".join(
            f"{n}/{total} {s}" for s, n in self.states(model).items() if s != "complete"
        )

    def cell(self, model: str, key: str) -> str:
        """``mean ± std`` as shown in tables; ``n/a`` where the metric does not apply."""
        from genlab.report.markdown import format_stat

        return format_stat(self.stats[model][key], len(self.plan.seeds))

    def to_json(self) -> dict:
        plan = dataclasses.asdict(self.plan)
        plan["out"] = str(self.plan.out)
        words = {True: "higher", False: "lower", None: None}
        keys = set(self.directions) - set(TRAINING_KEYS)
        return {
            "comparison_dir": str(self.plan.out),
            "genlab": __version__,
            "plan": plan,
            "budget": self.plan.budget_text(),
            "models": self.plan.models,
            "seeds": self.plan.seeds,
            "runs": [dataclasses.asdict(r) for r in self.results],
            "aggregate": {
                m: {
                    "metrics": {k: self.stats[m][k] for k in self.directions if k in keys},
                    "training": {k: self.stats[m][k] for k in TRAINING_KEYS},
                    "states": self.states(m),
                }
                for m in self.plan.models
            },
            "directions": {k: words[v] for k, v in self.directions.items()},
            "best": {k: v for k, v in self.best.items() if v},
            "floors": self.floors,
        }


def write_reports(comparison: Comparison) -> dict[str, Path]:
    """``report.html`` (self-contained) and ``report.md`` (+ ``report_files/``) in the comparison
    directory."""
    from genlab.report.html import write_html
    from genlab.report.markdown import write_markdown
    from genlab.report.plots import report_figures

    figures = report_figures(comparison)
    out = comparison.plan.out
    return {
        "html": write_html(comparison, figures, out / "report.html"),
        "markdown": write_markdown(comparison, figures, out / "report.md"),
    }
