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
    from genlab.evaluation import metrics
    from genlab.evaluation.evaluator import find_evaluator
    from genlab.evaluation.suite import EvalContext

    evaluator = find_evaluator(data.name, data.splits)
    if evaluator is None:
        raise ConfigError(
            f"--track-fid: no evaluator for dataset {data.name!r}; "
            f"train one with `genlab evaluator train --dataset {data.name}` first"
        )
    first = EvalContext(model, spec, data.splits, evaluator, n=n, seed=seed)
    test_outputs = first._test_outputs  # the test split's features: computed once per run

    def track(epoch: int) -> dict:
        model.finalize(finalize_images)
        ctx = EvalContext(model, spec, data.splits, evaluator, n=n, seed=seed)
        ctx.__dict__["_test_outputs"] = test_outputs
        return {"fid": round(metrics.fid(ctx)["fid"], 4)}

    return track
