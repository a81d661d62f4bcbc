"""Anytime quality: a run scores itself at log-spaced numbers of images seen, not only at its end.

The points are at ``--curve-from`` images seen (:data:`genlab.config.CURVE_FROM`, 4,096) and
every doubling after that, plus the end of training, so a one-epoch run on Fashion-MNIST (60,000
images) has five: 4,096, 8,192, 16,384, 32,768 and 60,000; a run that ends before the first point
has none. Each point scores ``n`` samples (drawn with the run's seed, after refitting
any sampling prior, exactly as the final evaluation does) against the cached features of a
fixed set of ``n`` real images: FID, KID, precision and recall. The engine calls the scorer
between training steps and keeps its time out of the training seconds (and out of a
``--budget-minutes`` budget); the rows land in the run's ``curve.jsonl`` (docs/metrics.md).

Reference images: the test split, for every model alike; for a search trial, the search's
held-out training images (``curve_on="holdout"``), so that pruning never looks at the test split.
"""

from __future__ import annotations

import time

import numpy as np

from genlab.config import CURVE_FROM

#: The values of a point, in the order reports show them.
CURVE_METRICS = ("fid", "kid", "precision", "recall")


def next_point(images: int, first: int = CURVE_FROM) -> int:
    """The first point (in images seen) after ``images``: ``first * 2**k > images``."""
    point = first
    while point <= images:
        point *= 2
    return point


def curve_scorer(model, spec, evaluator, reference_images, n: int, seed: int, finalize_images):
    """A function ``() -> {fid, kid, precision, recall, n, eval_seconds}`` for the model as it is.

    ``reference_images`` (uint8) are cut to their first ``n``; their features are computed on
    the first call and cached on disk, so the real side costs nothing after the first run on a
    dataset.
    """
    from genlab.data.pipeline import unscale
    from genlab.evaluation import stats
    from genlab.evaluation.cache import real_features
    from genlab.evaluation.metrics import PR_K

    n = min(n, len(reference_images))
    cache = {}

    def score() -> dict:
        started = time.perf_counter()
        if "real" not in cache:  # on first use: a run shorter than the first point needs none
            cache["real"] = real_features(evaluator, reference_images[:n])[0]
            cache["radii"] = stats.knn_sq_radii(cache["real"], PR_K)  # the real k-NN balls
        real = cache["real"]
        if finalize_images is not None:  # None: a finished model, its prior already fitted
            model.finalize(finalize_images)
        samples = unscale(model.sample(n, seed=seed), spec.output_range)
        fake = evaluator.predict(samples)[0]
        kid, _ = stats.kid(real, fake, subset_size=min(1000, n), subsets=20, seed=seed)
        precision, recall = stats.precision_recall(real, fake, PR_K, cache["radii"])
        return {
            "fid": round(stats.fid(real, fake), 4),
            "kid": round(kid, 6),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "n": n,
            "eval_seconds": round(time.perf_counter() - started, 3),
        }

    return score


def make_curve(model, spec, data, reference, n: int, seed: int, finalize_images):
    """``(scorer, "")`` of a run scored against ``reference`` images, or ``(None, why)`` when
    its dataset has no evaluator."""
    from genlab.evaluation.evaluator import find_evaluator

    evaluator = find_evaluator(data.name, data.splits)
    if evaluator is None:
        return None, f"no evaluator for dataset {data.name!r}, so no quality curve"
    if len(reference) < 2:
        return None, "fewer than 2 reference images, so no quality curve"
    return curve_scorer(model, spec, evaluator, reference, n, seed, finalize_images), ""


def interpolate(points: list[dict], x_key: str, at: float, y_key: str = "fid") -> float | None:
    """``y_key`` at ``x = at`` on a curve, linear in ``log x`` between its points; None outside."""
    xs = [p[x_key] for p in points if p.get(y_key) is not None and p[x_key] > 0]
    ys = [p[y_key] for p in points if p.get(y_key) is not None and p[x_key] > 0]
    if not xs or at < xs[0] * (1 - 1e-9) or at > xs[-1] * (1 + 1e-9):
        return None
    return float(np.interp(np.log(at), np.log(xs), ys))
