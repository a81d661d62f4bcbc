"""What metrics compute over: the shared :class:`EvalContext`, and the loop that runs them.

A metric is ``compute(ctx) -> dict`` over an :class:`EvalContext`, which computes samples,
features and reconstructions once, on first use, for all metrics. :func:`compute_metrics` runs
metric specs over a context with error isolation; :mod:`genlab.evaluation.suite` (a model's
evaluation) and :mod:`genlab.evaluation.features` (the real-data floors) both use it.
"""

from __future__ import annotations

import math
import time
from functools import cached_property

import numpy as np

from genlab.specs import resolve

#: Samples drawn for the sample metrics unless told otherwise.
DEFAULT_N = 10_000


class NotApplicable(Exception):
    """Raised by a metric that does not apply to this model or data; reported as ``None``."""


class EvalContext:
    """What metrics share: samples, features, reconstructions; each computed once, on first use.

    Metric functions (``compute(ctx) -> dict``) read these properties; the expensive ones (model
    samples, evaluator features, the test split's features) are computed the first time a metric
    asks and then reused by every other metric.

    Args:
        model: the :class:`~genlab.model.GenerativeModel`, or None for real data.
        spec: its :class:`~genlab.specs.ModelSpec` (None for real data).
        splits: the dataset; ``train_images`` are the images the model was trained on.
        evaluator: the domain :class:`~genlab.evaluation.evaluator.Evaluator`, or None.
        n: samples to draw for the sample metrics.
        seed: seed of the sample draws (and of randomised metrics).
        run: the :class:`~genlab.run_dir.RunDir`, for cost metrics; may be None.
        options: metric options such as ``iw_k`` and ``iw_images``.
    """

    def __init__(self, model, spec, splits, evaluator, n=DEFAULT_N, seed=0, run=None, options=None):
        self.model, self.spec, self.splits, self.evaluator = model, spec, splits, evaluator
        self.n, self.seed, self.run = int(n), int(seed), run
        self.options = dict(options or {})
        self.capabilities = frozenset(spec.capabilities) if spec is not None else frozenset()
        self._shared: dict = {}
        #: Called with a short text while samples are drawn (set by the suite; may stay None).
        self.progress = None
        #: Wall-clock seconds :attr:`samples` took to draw, on this machine; None until drawn.
        self.sample_seconds: float | None = None

    def shared(self, key: str, compute):
        """``compute()``'s result, computed once per context for all metrics asking for ``key``."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    # -- model range <-> [0, 1] ----------------------------------------------------------------
    @property
    def output_range(self) -> tuple[float, float]:
        return tuple(self.spec.output_range) if self.spec is not None else (0.0, 1.0)

    def unscale(self, images) -> np.ndarray:
        from genlab.data.pipeline import unscale

        return unscale(images, self.output_range)

    def predict(self, fn, images, batch_size: int = 500) -> np.ndarray:
        """``fn`` applied batch by batch to model-range images, as one float32 array."""
        return self.model.predict_batches(fn, np.asarray(images, np.float32), batch_size)

    def test_batches(self, batch_size: int, limit: int | None = None):
        """Model-range test images as float32 arrays of at most ``batch_size``."""
        images = self.test_model[:limit]
        for start in range(0, len(images), batch_size):
            yield images[start : start + batch_size]

    # -- samples and features ------------------------------------------------------------------
    def _require_evaluator(self):
        if self.evaluator is None:
            raise NotApplicable("no evaluator for this dataset")
        return self.evaluator

    @cached_property
    def samples(self) -> np.ndarray:
        """``n`` model samples in ``[0, 1]``; the time they take is :attr:`sample_seconds`."""
        say, options = self.progress, {}
        if say is not None:
            options["progress"] = lambda done, n: say(f"drawing samples {done:,}/{n:,}")
        started = time.perf_counter()
        drawn = self.model.sample(self.n, seed=self.seed, **options)
        self.sample_seconds = time.perf_counter() - started
        return self.unscale(drawn)

    @cached_property
    def _sample_outputs(self):
        return self._require_evaluator().predict(self.samples)

    @property
    def sample_features(self) -> np.ndarray:
        return self._sample_outputs[0]

    @property
    def sample_probs(self) -> np.ndarray | None:
        return self._sample_outputs[1]

    @cached_property
    def _test_outputs(self):
        from genlab.evaluation.cache import real_features

        return real_features(self._require_evaluator(), self.splits.test_images)

    @property
    def test_features(self) -> np.ndarray:
        return self._test_outputs[0]

    @property
    def test_probs(self) -> np.ndarray | None:
        return self._test_outputs[1]

    @property
    def memorization_images(self) -> np.ndarray:
        """The reference set of the memorization metric: the images the model trained on."""
        return self.splits.train_images

    @cached_property
    def train_features(self) -> np.ndarray:
        """Features of :attr:`memorization_images`."""
        from genlab.evaluation.cache import real_features

        return real_features(self._require_evaluator(), self.memorization_images)[0]

    @cached_property
    def test_to_train_distances(self) -> np.ndarray:
        """Distance from each test image to its nearest training image, in feature space.

        The same for every model trained on the same images, so it is cached on disk.
        """
        from genlab.evaluation import stats
        from genlab.evaluation.cache import cached_array

        key = self._cache_key("nearest", self.splits.test_images, self.memorization_images)

        def compute():
            return stats.nearest_distances(self.test_features, self.train_features)

        return cached_array(key, compute)

    def _cache_key(self, name: str, *arrays) -> str:
        """``name-<evaluator>-<hash of each array>``: the disk cache's key of something computed
        from these real images' features."""
        from genlab.evaluation.cache import content_hash, evaluator_key

        digests = (content_hash(a)[:12] for a in arrays)
        return "-".join((name, evaluator_key(self._require_evaluator()), *digests))

    def real_radii(self, k: int) -> np.ndarray:
        """Squared distance from each test feature to its ``k``-th nearest other test feature:
        the real k-NN balls of precision/recall and density/coverage. The same for every model
        evaluated against this test split, so it is cached on disk."""
        from genlab.evaluation import stats
        from genlab.evaluation.cache import cached_array

        key = self._cache_key(f"radii{k}", self.splits.test_images)

        def compute():
            return stats.knn_sq_radii(self.test_features, k)

        return self.shared(key, lambda: cached_array(key, compute))

    # -- the test split through the model ------------------------------------------------------
    @cached_property
    def model_test_images(self) -> np.ndarray:
        """The test images of the reconstruction and likelihood metrics: the first ``n`` (all of
        them at the default n), so that a quick evaluation is quick throughout."""
        return self.splits.test_images[: self.n]

    @cached_property
    def test01(self) -> np.ndarray:
        return self.model_test_images.astype(np.float32) / np.float32(255)

    @cached_property
    def test_model(self) -> np.ndarray:
        from genlab.data.pipeline import scale

        return scale(self.model_test_images, self.output_range)

    @cached_property
    def reconstructions(self) -> np.ndarray:
        """Reconstructions of :attr:`model_test_images` in ``[0, 1]``."""
        return self.unscale(self.predict(self.model.reconstruct, self.test_model))

    @cached_property
    def corrupted(self) -> np.ndarray:
        """:attr:`model_test_images` corrupted as the model is trained to undo (model range).

        From the model's :meth:`~genlab.GenerativeModel.corrupt`. Not applicable when the
        corruption leaves the images unchanged (the default, and any plain autoencoder).
        """
        noisy = np.concatenate(
            [
                np.asarray(self.model.corrupt(self.test_model[i : i + 500]), np.float32)
                for i in range(0, len(self.test_model), 500)
            ]
        )
        if noisy.shape != self.test_model.shape or np.array_equal(noisy, self.test_model):
            raise NotApplicable("the model's corruption leaves images unchanged")
        return noisy

    @cached_property
    def codes(self) -> np.ndarray:
        """Codes of :attr:`model_test_images`, ``(n, code size)``; the first output if encode
        returns more."""

        def encode(x, training=False):
            try:
                out = self.model.encode(x, training=training)
            except NotImplementedError as exc:
                raise NotApplicable(str(exc)) from None
            return out[0] if isinstance(out, (tuple, list)) else out

        codes = self.predict(encode, self.test_model)
        return codes.reshape(len(codes), -1)


# -- running metrics ---------------------------------------------------------------------------
def metric_specs() -> list:
    """Registered metrics in registration order (built-ins first, then plugins)."""
    from genlab.registry import get_registries

    return list(get_registries().metrics.specs.values())


def _plain(value):
    """JSON-friendly values: numpy scalars -> Python, non-finite floats -> None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and np.ndim(value) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def compute_metrics(ctx, specs, progress=None) -> tuple[dict, dict]:
    """``(values, errors)``: each spec's results, ``None`` where it does not apply or failed.

    A metric switched on by an option (:attr:`MetricSpec.option`) is left out unless
    ``ctx.options`` sets that option.
    """
    values, errors = {}, {}
    for spec in specs:
        if spec.option and not ctx.options.get(spec.option):
            continue
        if spec.requires <= ctx.capabilities:
            if progress is not None:
                progress(spec.name)
            try:
                result = resolve(spec.compute)(ctx)
            except NotApplicable:
                result = None
            except Exception as exc:  # one broken metric must not cost the others
                errors[spec.name] = f"{type(exc).__name__}: {exc}"
                result = None
            if result is not None and not isinstance(result, dict):
                result = {spec.name: result}
            for key, value in (result or {}).items():
                values[key] = _plain(value)
        values.setdefault(spec.name, None)
    return values, errors
