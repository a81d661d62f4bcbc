"""The metric suite: every registered metric, applied by capability, over one shared context.

:func:`evaluate` builds an :class:`EvalContext`, runs each registered
:class:`~genlab.specs.MetricSpec` whose ``requires`` the model's capabilities satisfy (the others
are ``None``, shown as n/a), and adds the real-data reference floors: the same sample metrics for
N real training images against the test split, cached per (dataset, evaluator, N). A metric that
fails is ``None`` too, with its error under ``"errors"``; evaluation never takes a run down.

The result is a flat dict of scalars (plus a few nested extras such as ``class_histogram`` and
``reference``); :func:`evaluate_run` also writes it to the run's ``metrics.json``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from functools import cached_property

import numpy as np

from genlab.specs import SAMPLE, resolve

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
        run: the :class:`~genlab.runs.RunDir`, for cost metrics; may be None.
        options: metric options such as ``iw_k`` and ``iw_images``.
    """

    def __init__(self, model, spec, splits, evaluator, n=DEFAULT_N, seed=0, run=None, options=None):
        self.model, self.spec, self.splits, self.evaluator = model, spec, splits, evaluator
        self.n, self.seed, self.run = int(n), int(seed), run
        self.options = dict(options or {})
        self.capabilities = frozenset(spec.capabilities) if spec is not None else frozenset()
        self._shared: dict = {}

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
        """``n`` model samples in ``[0, 1]``."""
        return self.unscale(self.model.sample(self.n, seed=self.seed))

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
        from genlab.evaluation.features import real_features

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
        from genlab.evaluation.features import real_features

        return real_features(self._require_evaluator(), self.memorization_images)[0]

    @cached_property
    def test_to_train_distances(self) -> np.ndarray:
        """Distance from each test image to its nearest training image, in feature space.

        The same for every model trained on the same images, so it is cached on disk.
        """
        from genlab.evaluation import stats
        from genlab.evaluation.features import cached_array, content_hash

        key = "-".join(
            (
                "nearest",
                self._require_evaluator().info.sha256[:12],
                content_hash(self.splits.test_images)[:12],
                content_hash(self.memorization_images)[:12],
            )
        )

        def compute():
            return stats._nearest_distances(self.test_features, self.train_features)

        return cached_array(key, compute)

    # -- the test split through the model ------------------------------------------------------
    @cached_property
    def test01(self) -> np.ndarray:
        return self.splits.test_images.astype(np.float32) / np.float32(255)

    @cached_property
    def test_model(self) -> np.ndarray:
        from genlab.data.pipeline import scale

        return scale(self.splits.test_images, self.output_range)

    @cached_property
    def reconstructions(self) -> np.ndarray:
        """Reconstructions of the test split in ``[0, 1]``."""
        return self.unscale(self.predict(self.model.reconstruct, self.test_model))

    @cached_property
    def corrupted(self) -> np.ndarray:
        """The test split corrupted as the model is trained to undo (model range).

        From the model's ``corrupt(x)`` (given ``seed=`` if it takes one), else Gaussian noise
        of its config's ``noise_std``. Not applicable when neither exists or the corruption
        leaves the images unchanged (an autoencoder whose ``corrupt`` is the identity).
        """
        corrupt = getattr(self.model, "corrupt", None)
        if callable(corrupt):
            kwargs = {"seed": self.seed} if _accepts(corrupt, "seed") else {}
            noisy = np.concatenate(
                [
                    np.asarray(corrupt(self.test_model[i : i + 500], **kwargs), np.float32)
                    for i in range(0, len(self.test_model), 500)
                ]
            )
        else:
            std = getattr(getattr(self.model, "config", None), "noise_std", None)
            if isinstance(std, bool) or not isinstance(std, (int, float)) or std <= 0:
                raise NotApplicable("the model defines no corruption")
            rng = np.random.default_rng(self.seed)
            noise = rng.normal(0.0, std, self.test_model.shape).astype(np.float32)
            noisy = np.clip(self.test_model + noise, *self.output_range)
        if noisy.shape != self.test_model.shape or np.array_equal(noisy, self.test_model):
            raise NotApplicable("the model's corruption leaves images unchanged")
        return noisy

    @cached_property
    def codes(self) -> np.ndarray:
        """Codes of the test split, ``(N, code size)``; the first output if encode returns more."""

        def encode(x, training=False):
            try:
                out = self.model.encode(x, training=training)
            except NotImplementedError as exc:
                raise NotApplicable(str(exc)) from None
            return out[0] if isinstance(out, (tuple, list)) else out

        codes = self.predict(encode, self.test_model)
        return codes.reshape(len(codes), -1)


def _accepts(function, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


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
    """``(values, errors)``: each spec's results, ``None`` where it does not apply or failed."""
    values, errors = {}, {}
    for spec in specs:
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


def evaluate(
    model,
    spec,
    data,
    *,
    n: int = DEFAULT_N,
    seed: int = 0,
    run=None,
    reference_splits=None,
    reference: bool = True,
    inception: bool = False,
    options=None,
    progress=None,
) -> dict:
    """Every applicable metric of ``model`` on ``data`` (a ``LoadedData``), plus floors.

    Args:
        reference_splits: the full dataset for the reference floors when ``data`` is a subset
            (a run trained with ``--limit``); defaults to ``data.splits``.
        reference: compute (or read from the cache) the real-data floors.
        inception: also compute FID in ImageNet Inception-v3 space (needs local weights).
        progress: called with a short description before each step.
    """
    from genlab.errors import DataError
    from genlab.evaluation.evaluator import find_evaluator

    started = time.perf_counter()
    say = progress or (lambda _text: None)
    say("loading the evaluator")
    full = reference_splits if reference_splits is not None else data.splits
    notes = []
    try:
        evaluator = find_evaluator(data.name, full)
    except DataError as exc:  # a damaged evaluator costs the sample metrics, not the run
        evaluator = None
        notes.append(str(exc))
    ctx = EvalContext(model, spec, data.splits, evaluator, n, seed, run, options)
    specs = metric_specs()
    values, errors = compute_metrics(ctx, specs, lambda name: say(f"computing {name}"))
    drew = "samples" in ctx.__dict__
    result = {
        "n": len(ctx.samples) if drew else None,
        "evaluator": evaluator.id if evaluator is not None else None,
        "dataset": data.name,
        "test_images": len(data.splits.test_images),
        "seed": seed,
        **values,
    }
    if evaluator is None and not notes:
        notes.append(
            f"no evaluator for dataset {data.name!r}, so the sample metrics are n/a; train one "
            f"with 'genlab evaluator train --dataset {data.name}'"
        )
    if inception and spec.can(SAMPLE):
        from genlab.evaluation.inception import inception_fid

        say("computing inception_fid")
        try:
            result["inception_fid"] = _plain(inception_fid(ctx.samples, data.splits.test_images))
        except Exception as exc:  # like any metric: reported, never fatal
            result["inception_fid"] = None
            errors["inception_fid"] = f"{type(exc).__name__}: {exc}"
    if reference and spec.can(SAMPLE):
        from genlab.evaluation.features import reference_floors

        result["reference"] = reference_floors(
            data.name,
            full,
            evaluator,
            n,
            specs,
            lambda name: say(f"real-data floor: {name}"),
        )
    result["eval_seconds"] = round(time.perf_counter() - started, 2)
    if errors:
        result["errors"] = errors
    if notes:
        result["notes"] = notes
    return result


def evaluate_run(run, *, model, spec, data, n=DEFAULT_N, console=None, **kwargs) -> dict:
    """:func:`evaluate` a run's model, write ``metrics.json`` into the run, return the dict."""
    config = run.config
    seed = kwargs.pop("seed", config.get("seed", 0))
    if "reference_splits" not in kwargs and config.get("limit"):
        kwargs["reference_splits"] = _full_splits(data, config)
    if console is None:
        result = evaluate(model, spec, data, n=n, seed=seed, run=run, **kwargs)
    else:
        with console.status("evaluating") as status:
            update = lambda text: status.update(f"evaluating: {text}")  # noqa: E731
            result = evaluate(model, spec, data, n=n, seed=seed, run=run, progress=update, **kwargs)
        for note in result.get("notes", []):
            console.print(f"note: {note}", highlight=False)
        for name, error in result.get("errors", {}).items():
            console.print(f"[yellow]warning:[/] metric {name} failed: {error}", highlight=False)
    run.write_metrics(result)
    return result


def _full_splits(data, config):
    """The whole training split of a run trained on a prefix (``--limit``), for the floors."""
    import contextlib
    import io

    from genlab.data.loading import is_folder_argument, load
    from genlab.errors import GenlabError

    folder = is_folder_argument(data.name)
    shape = tuple(config["image_shape"]) if folder and config.get("image_shape") else None
    for data_dir in dict.fromkeys((config.get("data_dir"), None, config.get("data_source"))):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                full = load(data.name, data_dir, image_shape=shape)
        except (GenlabError, OSError, ValueError):
            continue
        if dataclasses.is_dataclass(full.splits) and len(full.splits.train_images) >= len(
            data.splits.train_images
        ):
            return full.splits
    return data.splits
