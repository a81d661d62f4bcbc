"""FID after every epoch (``--track-fid N``): quality over training time, for runs and reports.

The engine calls the function made here at each epoch end and writes what it returns into that
epoch's history row; the time it takes is not counted as training time (nor against a
``--budget-minutes`` budget), so tracking changes neither the budget nor images/s. Samples are
drawn with the run's seed every epoch, after refitting any sampling prior the model keeps
(:meth:`~genlab.model.GenerativeModel.finalize`), exactly as the final evaluation does.
"""

from __future__ import annotations

from genlab.errors import ConfigError


def fid_tracker(model, spec, data, n: int, seed: int, finalize_images):
    """A function ``(epoch) -> {"fid": value}`` measuring ``n`` samples against the test split."""
    from genlab.data.pipeline import unscale
    from genlab.evaluation import stats
    from genlab.evaluation.cache import real_features
    from genlab.evaluation.evaluator import find_evaluator, train_hint

    evaluator = find_evaluator(data.name, data.splits)
    if evaluator is None:
        raise ConfigError(
            f"--track-fid: no evaluator for dataset {data.name!r}; "
            f"train one with {train_hint(data.name)} "
            "first"
        )
    test_features, _ = real_features(evaluator, data.splits.test_images)  # once per run

    def track(epoch: int) -> dict:
        model.finalize(finalize_images)
        samples = unscale(model.sample(n, seed=seed), spec.output_range)
        return {"fid": round(stats.fid(test_features, evaluator.predict(samples)[0]), 4)}

    return track
