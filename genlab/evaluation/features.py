"""The real-data reference floors: the sample metrics of real training images standing in for
samples, what a perfect generator would score at the same N.

Floors and the features they need are cached (:mod:`genlab.evaluation.cache`), per dataset,
evaluator, N and a hash of the image bytes.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from genlab.evaluation.cache import (
    cache_root,
    content_hash,
    evaluator_key,
    read_json,
    real_features,
    write_json,
)
from genlab.evaluation.context import EvalContext, compute_metrics, metric_specs
from genlab.evaluation.evaluator import slug
from genlab.specs import SAMPLE

#: Seed of the real training images picked for the reference floors.
FLOOR_SEED = 0


# -- reference floors ------------------------------------------------------------------------
class RealContext(EvalContext):
    """Real images posing as samples: ``m`` training images against the test split.

    The memorization reference is ``m`` other training images, so that metric compares held-out
    images with held-out images too (its ratio is about 0.5 for any reference size). Features of
    both subsets go through the feature cache.
    """

    def __init__(self, splits, evaluator, m: int, seed: int = FLOOR_SEED):
        super().__init__(None, None, splits, evaluator, n=m, seed=seed)
        self.capabilities = frozenset({SAMPLE})
        order = np.random.default_rng(seed).permutation(len(splits.train_images))
        self._picked = splits.train_images[np.sort(order[:m])]
        self._reference = splits.train_images[np.sort(order[m : 2 * m])]

    @cached_property
    def samples(self) -> np.ndarray:
        return self._picked.astype(np.float32) / np.float32(255)

    @cached_property
    def _sample_outputs(self):
        return real_features(self._require_evaluator(), self._picked)

    @property
    def memorization_images(self) -> np.ndarray:
        return self._reference


def floor_specs(specs) -> list:
    """Metrics that compare samples with real data: those requiring ``sample`` and nothing else."""
    return [s for s in specs if s.requires == frozenset({SAMPLE}) and not s.option]


def reference_floors(dataset, splits, evaluator, n, specs=None, progress=None) -> dict | None:
    """Sample metrics of ``n`` real training images vs the test split: the best a model can do.

    ``n`` is capped at half the training split: the memorization reference needs as many more.
    Values are cached per (dataset, evaluator, n, data hash); a metric missing from the cache (a
    newly installed plugin) is computed and added.
    """
    m = min(int(n), len(splits.train_images) // 2)
    if evaluator is None or m < 2 or len(splits.test_images) < 2:
        return None
    specs = floor_specs(metric_specs() if specs is None else specs)
    digest = content_hash(splits.train_images, splits.test_images)[:12]
    name = f"{slug(dataset)}-{evaluator_key(evaluator)}-n{m}-{digest}.json"
    path = cache_root() / "floors" / name
    cached = read_json(path) or {}  # metric name -> the values it produced
    missing = [s for s in specs if s.name not in cached]
    if missing:
        ctx = RealContext(splits, evaluator, m)
        for spec in missing:
            values, errors = compute_metrics(ctx, [spec], progress)
            if not errors:
                cached[spec.name] = values
        write_json(path, cached)
    floors = {"n": m}
    for spec in specs:
        floors.update(cached.get(spec.name, {spec.name: None}))
    return floors
