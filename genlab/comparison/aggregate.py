"""Many runs -> one fair comparison: mean and standard deviation over seeds, best per metric.

Metrics are treated generically: every numeric top-level key of a run's ``metrics.json`` (and
every registered metric, null meaning "does not apply") becomes a row, aggregated over seeds as
mean and sample standard deviation. Which way is better comes only from the metric registry
(:attr:`genlab.MetricSpec.keys`); a key no metric declares is shown but never highlighted.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections import Counter

from genlab.specs import HIGHER, LOWER, TOWARD_FLOOR
from genlab.version import __version__

#: Keys of ``metrics.json`` that describe the evaluation itself rather than measure the model.
NOT_METRICS = frozenset(
    {"n", "seed", "test_images", "model_test_images", "eval_seconds", "iw_k", "iw_images"}
)
#: Per-run training facts read from history.jsonl, aggregated next to the metrics.
TRAINING_KEYS = ("epochs", "train_seconds", "images_per_s")
#: What one generated image costs (genlab.evaluation.metrics.sample_ms_per_image): a section of
#: its own, right after quality, so a fast sampler and a slow one are told apart at a glance.
SAMPLING_KEYS = ("sample_ms_per_image", "network_evals_per_image")
#: How tables mark a direction, and how plots spell it out.
ARROWS = {HIGHER: " ↑", LOWER: " ↓", TOWARD_FLOOR: " ≈"}
BETTER = {
    HIGHER: "higher is better",
    LOWER: "lower is better",
    TOWARD_FLOOR: "closer to real data is better",
}


def registered_metrics() -> dict:
    from genlab.registry import get_registries

    return get_registries().metrics.specs


def metric_directions() -> dict:
    """Every key any registered metric emits -> its direction (see :attr:`MetricSpec.keys`)."""
    directions = {}
    for spec in registered_metrics().values():
        for key, direction in spec.keys.items():
            directions.setdefault(key, direction)
    return directions


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def summarize(values) -> dict:
    """Mean, sample standard deviation (n-1) and count of the finite numbers in ``values``.

    ``std`` is None with fewer than two values; ``mean`` is None with none (n/a).
    """
    finite = [float(v) for v in values if is_number(v) and math.isfinite(v)]
    n = len(finite)
    return {
        "mean": statistics.fmean(finite) if n else None,
        "std": statistics.stdev(finite) if n > 1 else None,
        "n": n,
    }


def _is_cost(key: str) -> bool:
    """A registered metric that needs no capability measures cost (time, memory, size)."""
    spec = registered_metrics().get(key)
    return spec is not None and not spec.requires


def best_models(stats: dict[str, dict], direction: str | None, floor=None) -> list[str]:
    """Models with the best mean; none when the direction is unknown (or, for
    :data:`~genlab.TOWARD_FLOOR`, there is no floor), fewer than two have a mean, or all of
    them tie (nothing was won)."""
    means = {m: s["mean"] for m, s in stats.items() if s["mean"] is not None}
    if direction is None or len(set(means.values())) < 2:
        return []
    if direction == TOWARD_FLOOR:
        if floor is None:
            return []
        means = {m: abs(v - floor) for m, v in means.items()}
    target = max(means.values()) if direction == HIGHER else min(means.values())
    return [m for m, v in means.items() if v == target]


class Comparison:
    """The runs of a comparison and their aggregate per model (complete runs only)."""

    def __init__(self, plan, results: list):
        self.plan = plan
        self.results = results
        #: Column order: the trained models, then external sample sets (``--samples``).
        self.models = [*plan.models, *getattr(plan, "samples", {})]
        seen = list(dict.fromkeys(k for r in results if r.ok for k in r.metrics))
        known = metric_directions()
        order = list(known)  # registration order (each metric's keys in turn) is the order shown
        keys = sorted(seen, key=lambda k: order.index(k) if k in order else len(order))
        self.directions = {k: known.get(k) for k in (*keys, *TRAINING_KEYS)}
        floors = {k: summarize([r.floors.get(k) for r in results if r.ok]) for k in keys}
        self.floors = {k: v["mean"] for k, v in floors.items() if v["n"]}
        self.stats = {m: self._stats(m) for m in self.models}
        self.best = {
            key: best_models(
                {m: self.stats[m][key] for m in self.models}, direction, self.floors.get(key)
            )
            for key, direction in self.directions.items()
        }
        measured = [k for k in keys if any(self.stats[m][k]["n"] for m in self.models)]
        #: Metrics that no model has a value for (no evaluator, or evaluation off).
        self.unmeasured = [k for k in keys if k not in measured]
        self.sampling_keys = [k for k in measured if k in SAMPLING_KEYS]
        self.metric_keys = [k for k in measured if not _is_cost(k) and k not in SAMPLING_KEYS]
        self.cost_keys = [*TRAINING_KEYS, *(k for k in measured if _is_cost(k))]
        sections = [
            ("quality", self.metric_keys),
            ("sampling cost", self.sampling_keys),
            ("training cost", self.cost_keys),
        ]
        self.sections = [(name, keys) for name, keys in sections if keys]
        from genlab.comparison.curves import summary

        #: Quality curves over compute: bands, budget ladder and leads per axis (curves.py).
        self.curves = summary(results)

    def arrow(self, key: str) -> str:
        """`` ↑``, `` ↓`` or `` ≈`` (closer to real data is better); empty when unknown."""
        return ARROWS.get(self.directions.get(key), "")

    def better(self, key: str) -> str:
        """``higher is better`` and the like; empty when unknown."""
        return BETTER.get(self.directions.get(key), "")

    def _stats(self, model: str) -> dict:
        runs = [r for r in self.runs_of(model) if r.ok]
        return {
            k: summarize([{**r.metrics, **r.training}.get(k) for r in runs])
            for k in self.directions
        }

    def runs_of(self, model: str) -> list:
        return [r for r in self.results if r.model == model]

    def states(self, model: str) -> dict[str, int]:
        return dict(Counter(r.state for r in self.runs_of(model)))

    @property
    def failures(self) -> list:
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

        seeds = 1 if model in self.external else len(self.plan.seeds)
        return format_stat(self.stats[model][key], seeds)

    def label(self, model: str) -> str:
        """A column's heading: the model name, or ``NAME (samples)`` for a sample set."""
        return f"{model} (samples)" if model in self.external else model

    @property
    def external(self) -> list[str]:
        """Columns that are sample sets made elsewhere, not trained models."""
        return [m for m in self.models if m not in self.plan.models]

    def to_json(self) -> dict:
        plan = dataclasses.asdict(self.plan)
        plan["out"] = str(self.plan.out)
        keys = set(self.directions) - set(TRAINING_KEYS)
        return {
            "comparison_dir": str(self.plan.out),
            "genlab": __version__,
            "plan": plan,
            "budget": self.plan.budget_text(),
            "models": self.plan.models,
            "sample_sets": self.external,
            "seeds": self.plan.seeds,
            "runs": [dataclasses.asdict(r) for r in self.results],
            "aggregate": {
                m: {
                    "metrics": {k: self.stats[m][k] for k in self.directions if k in keys},
                    "training": {k: self.stats[m][k] for k in TRAINING_KEYS},
                    "states": self.states(m),
                }
                for m in self.models
            },
            "directions": dict(self.directions),
            "best": {k: v for k, v in self.best.items() if v},
            "floors": self.floors,
            "curves": self.curves,
        }
