"""The held-out sample a search scores its trials on: the end of the training split.

The test split is kept for the final numbers, so nothing chosen by a search ever looks at it. The
validation sample is the last :func:`holdout_size` images of the training split; search trials
train only on images before it (at most ``--limit`` of them), so they never see it either. The
final runs of the best configurations train on the first ``--limit`` images as an ordinary
comparison does and are evaluated on the test split.
"""

from __future__ import annotations

from pathlib import Path

from genlab.data.split import holdout_size
from genlab.errors import ConfigError
from genlab.run_dir import RunDir, atomic_write_json


def trial_limit(train_images: int, limit: int | None) -> int:
    """The number of training images a search trial may use: none of the validation ones."""
    available = train_images - holdout_size(train_images)
    return min(limit, available) if limit else available


def check_dataset(dataset: str, data_dir: str | None):
    """Load the full dataset once and make sure a validation FID can be computed on it."""
    from genlab.data.loading import load
    from genlab.evaluation.evaluator import find_evaluator, train_hint

    data = load(dataset, data_dir)
    if holdout_size(len(data.splits.train_images)) < 100:
        raise ConfigError(
            f"dataset {data.name!r} has {len(data.splits.train_images)} training images, too few "
            "to hold out a validation sample for the search; use a larger dataset"
        )
    if find_evaluator(data.name, data.splits) is None:
        raise ConfigError(
            f"a search scores trials by FID, but dataset {data.name!r} has no evaluator; train "
            f"one with {train_hint(data.name)} "
            "first"
        )
    return data


def validation_fid(run_dir: str | Path, n: int, data_dir: str | None = None) -> dict:
    """FID of ``n`` samples of a finished run against the validation sample; kept in the run.

    Written to ``validation.json`` in the run directory and read back from it when present with
    the same ``n``, so a reused trial is not scored twice.
    """
    run = RunDir(run_dir)
    path = run / "validation.json"
    if path.exists():
        from genlab.run_dir import read_json

        previous = read_json(path)
        if previous.get("n") == n:
            return previous
    from genlab.data.loading import load
    from genlab.data.pipeline import unscale
    from genlab.evaluation import stats
    from genlab.evaluation.evaluator import find_evaluator
    from genlab.evaluation.features import real_features
    from genlab.run import load_run_model

    run, spec, model = load_run_model(run_dir)
    config = run.config
    data = load(config["dataset"], data_dir or config.get("data_dir"))
    train = data.splits.train_images
    size = holdout_size(len(train))
    evaluator = find_evaluator(data.name, data.splits)
    real, _ = real_features(evaluator, train[len(train) - size :])
    samples = unscale(model.sample(n, seed=config.get("seed", 0)), spec.output_range)
    result = {
        "fid": round(float(stats.fid(real, evaluator.predict(samples)[0])), 4),
        "n": n,
        "split": f"train[{len(train) - size}:{len(train)}]",
        "evaluator": evaluator.id,
    }
    atomic_write_json(path, result)
    return result
