"""Time the sample-metric suite: 10,000 samples against the 10,000 Fashion-MNIST test images.

Everything a ``genlab evaluate`` of a sampling model does is timed, feature extraction included:
evaluator features of the samples and of the test split, FID, KID, precision/recall,
density/coverage, the classifier metrics and memorization against the training split. The run
is done twice: *cold*, with an empty feature cache (the test and training splits go through the
evaluator too), and *warm*, as every evaluation after the first on a machine. Reference floors
are timed separately; importing TensorFlow is not timed. Run with::

    python benchmarks/eval_speed.py [--n 10000] [--run RUN_DIR]

Without ``--run`` the samples are training images with Gaussian noise (std 0.1), so no model
needs to be trained; generating them is not timed. With ``--run`` they come from that run's model
and generation is included.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from genlab.specs import SAMPLE, ModelSpec  # noqa: E402


class NoisyTrainingImages:
    """A stand-in sampler: training images plus noise, pre-generated so sampling costs nothing."""

    def __init__(self, images_uint8, n):
        rng = np.random.default_rng(1)
        picked = images_uint8[rng.choice(len(images_uint8), n, replace=False)] / 255.0
        noisy = np.clip(picked + rng.normal(0.0, 0.1, picked.shape), 0.0, 1.0)
        self.images = (noisy * 2.0 - 1.0).astype(np.float32)

    def sample(self, n, seed=0):
        return self.images[:n]

    def network_evaluations_per_sample(self):
        return 1


SPEC = ModelSpec(
    name="noisy-real",
    description="training images plus noise",
    family="benchmark",
    build=lambda config, shape: None,
    capabilities=frozenset({SAMPLE}),
)


def timed_evaluation(model, spec, data, n) -> tuple[float, dict, dict]:
    """Seconds in all, seconds per step, and the metric values of one evaluation."""
    from genlab.evaluation import suite
    from genlab.evaluation.evaluator import find_evaluator

    steps = {}
    started = time.perf_counter()

    def step(name, compute):
        begin = time.perf_counter()
        result = compute()
        steps[name] = time.perf_counter() - begin
        return result

    evaluator = step("load evaluator", lambda: find_evaluator(data.name, data.splits))
    ctx = suite.EvalContext(model, spec, data.splits, evaluator, n)
    step("samples + their features", lambda: ctx.sample_features)
    step("test-split features", lambda: ctx.test_features)
    step("training-split features", lambda: ctx.train_features)
    values = {}
    for metric in [s for s in suite.metric_specs() if s.requires == frozenset({SAMPLE})]:
        found, errors = step(metric.name, lambda m=metric: suite.compute_metrics(ctx, [m]))
        values.update(found)
        assert not errors, errors
    return time.perf_counter() - started, steps, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="samples")
    parser.add_argument("--run", help="draw the samples from this run's model")
    args = parser.parse_args()

    import keras  # noqa: F401  (the import itself is a fixed cost of every genlab command)

    from genlab.data.loading import load
    from genlab.evaluation.features import reference_floors

    data = load("fashion")
    if args.run:
        from genlab.run import load_run_model

        _, spec, model = load_run_model(args.run)
    else:
        spec, model = SPEC, NoisyTrainingImages(data.splits.train_images, args.n)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["GENLAB_CACHE_DIR"] = cache
        for label in ("cold", "warm"):
            seconds, steps, values = timed_evaluation(model, spec, data, args.n)
            print(f"\n{label}: {seconds:.1f} s for n={args.n} vs {len(data.splits.test_images)}")
            for step, step_seconds in steps.items():
                print(f"  {step:<34} {step_seconds:6.2f} s")
            shown = {k: round(v, 4) for k, v in values.items() if isinstance(v, float)}
            print(f"  {shown}")
        started = time.perf_counter()
        floors = reference_floors("fashion", data.splits, _evaluator(data), args.n)
        print(f"\nreference floors (cold): {time.perf_counter() - started:.1f} s")
        print(f"  { {k: round(v, 4) for k, v in floors.items() if isinstance(v, float)} }")


def _evaluator(data):
    from genlab.evaluation.evaluator import find_evaluator

    return find_evaluator(data.name, data.splits)


if __name__ == "__main__":
    main()
