"""Contract checks for genlab models, for plugin authors (in the spirit of scikit-learn's
``check_estimator``).

Each check is a small function that asserts one thing the engine, the metric suite or ``genlab
sample`` relies on, so a plugin that passes them works with every command. Run them all::

    from genlab.testing import check_model

    def test_contract():
        check_model("mymodel")            # a registered name, or a ModelSpec

or one pytest test per check, so a failure names the check::

    import pytest
    from genlab.testing import ModelUnderTest, all_checks

    @pytest.fixture(scope="module")
    def subject():
        return ModelUnderTest(SPEC, overrides={"width": 8})

    @pytest.mark.parametrize("name, check", all_checks(), ids=[n for n, _ in all_checks()])
    def test_contract(subject, name, check):
        check(subject)

A check that does not apply (``reconstructs`` for a model without the ``reconstruct``
capability) raises :class:`unittest.SkipTest`, which pytest reports as skipped.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tempfile
import unittest
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from genlab.specs import (
    CAPABILITIES,
    LIKELIHOOD,
    RECONSTRUCT,
    SAMPLE,
    ModelConfig,
    ModelSpec,
    resolve,
)

__all__ = [
    "ModelUnderTest",
    "all_checks",
    "check_model",
    "registered_models",
    "synthetic_images",
]

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: How far outside ``output_range`` a float32 sample may stray (rounding of tanh/sigmoid).
RANGE_TOLERANCE = 1e-5


def registered_models() -> list[ModelSpec]:
    """Every registered model: built-ins and installed plugins."""
    from genlab.registry import get_registries

    return list(get_registries().models)


def synthetic_images(n: int, image_shape=(28, 28, 1), seed: int = 0) -> np.ndarray:
    """``n`` uint8 images of random bright rectangles on black: cheap, varied, not pure noise."""
    rng = np.random.default_rng(seed)
    height, width, channels = image_shape
    images = np.zeros((n, height, width, channels), np.uint8)
    for image in images:
        top, left = rng.integers(0, height // 2), rng.integers(0, width // 2)
        bottom, right = rng.integers(top + 2, height + 1), rng.integers(left + 2, width + 1)
        image[top:bottom, left:right] = rng.integers(64, 256, size=channels, dtype=np.uint8)
    return images


class ModelUnderTest:
    """One model, built and trained once, shared by all checks.

    Args:
        spec: the model's :class:`genlab.ModelSpec`, or a registered name.
        image_shape: (height, width, channels) of the synthetic images.
        overrides: hyperparameters to change (``--set`` style), e.g. to make the model tiny.
        steps: training steps (batches) taken before the checks on the trained model.
        batch_size: images per training step.
        seed: seed of the build, the data and the samples.
    """

    def __init__(
        self,
        spec: ModelSpec | str,
        *,
        image_shape=(28, 28, 1),
        overrides: dict | None = None,
        steps: int = 1,
        batch_size: int = 8,
        seed: int = 0,
    ):
        if isinstance(spec, str):
            from genlab.registry import get_model

            spec = get_model(spec)
        self.spec = spec
        self.image_shape = tuple(int(d) for d in image_shape)
        self.overrides = dict(overrides or {})
        self.steps = int(steps)
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self._cache: dict[str, object] = {}

    def __repr__(self) -> str:
        return f"ModelUnderTest({self.spec.name!r})"

    def _once(self, key: str, make: Callable):
        """Compute ``make()`` once; a failure is remembered so later checks fail fast."""
        if key not in self._cache:
            try:
                self._cache[key] = make()
            except BaseException as exc:
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                self._cache[key] = exc
        value = self._cache[key]
        if isinstance(value, BaseException):
            raise AssertionError(f"{key} failed: {type(value).__name__}: {value}") from value
        return value

    @property
    def config(self) -> ModelConfig:
        from genlab.config import make_model_config

        return self._once("config", lambda: make_model_config(self.spec, self.overrides))

    def build(self, seed: int | None = None, policy: str = "float32"):
        """A freshly built model with its optimizers created, as the engine builds it (under the
        Keras dtype ``policy``; the engine uses ``mixed_bfloat16`` where the hardware has it)."""
        import keras

        previous = keras.mixed_precision.global_policy()
        # fresh layer names, as in a new process: checkpoints match variables by path
        keras.backend.clear_session()
        keras.mixed_precision.set_global_policy(policy)
        try:
            keras.utils.set_random_seed(self.seed if seed is None else seed)
            model = resolve(self.spec.build)(self.config, self.image_shape)
            model.build_optimizers()
        finally:
            keras.mixed_precision.set_global_policy(previous)
        return model

    @property
    def images(self) -> np.ndarray:
        """Synthetic training images (uint8); the engine scales them to ``output_range``."""
        n = self.batch_size * self.steps
        return self._once("images", lambda: synthetic_images(n, self.image_shape, self.seed))

    def scaled(self, n: int) -> np.ndarray:
        from genlab.data.pipeline import scale

        return scale(self.images[:n], self.spec.output_range)

    @property
    def model(self):
        """The built, untrained model."""
        return self._once("build", self.build)

    @property
    def trained(self):
        """``(model, logs, changed)`` after ``steps`` training steps and ``finalize``."""
        return self._once("training", self._train)

    def _train(self):
        model = self.model
        before = [np.array(v.numpy()) for v in model.trainable_variables]
        networks = {name: net.trainable_variables for name, net in model.networks().items()}
        before_nets = {n: [np.array(v.numpy()) for v in vs] for n, vs in networks.items()}
        logs = self._fit(model)
        after = [v.numpy() for v in model.trainable_variables]
        changed = any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
        self._cache["unchanged_networks"] = [
            name
            for name, variables in networks.items()
            if variables
            and all(
                np.array_equal(b, v.numpy())
                for b, v in zip(before_nets[name], variables, strict=True)
            )
        ]
        model.finalize(self.scaled(len(self.images)))
        return model, logs, changed

    def _fit(self, model) -> dict:
        """``steps`` training steps as the engine takes them on the current backend; the last
        step's logs."""
        import keras

        if keras.backend.backend() == "jax":
            import jax

            from genlab.engine.jax_loop import JaxSteps, epoch_order

            steps = JaxSteps(
                model,
                model.state_variables(),
                self.images,
                self.batch_size,
                self.spec.output_range,
            )
            order = jax.device_put(epoch_order(len(self.images), self.seed, 0))
            logs = {}
            for step in range(self.steps):
                logs = steps.run(order, step, 1)
            return {k: float(v) for k, v in logs.items()}
        from genlab.data.pipeline import training_dataset

        model.compile(jit_compile=False, steps_per_execution=1)
        data = training_dataset(
            self.images, self.batch_size, self.spec.output_range, self.seed, 0, 1
        )
        history = model.fit(data, epochs=1, steps_per_epoch=self.steps, verbose=0, shuffle=False)
        return {k: v[-1] for k, v in history.history.items()}

    @property
    def evaluation(self) -> tuple[dict, dict]:
        """``(values, errors)`` of every registered metric, computed by the metric suite on a
        few synthetic test images (no evaluator: the feature-space metrics are n/a)."""
        return self._once("evaluation", self._evaluate)

    def _evaluate(self):
        from genlab.data.arrays import ArraySplits
        from genlab.evaluation.suite import EvalContext, compute_metrics, metric_specs

        test = synthetic_images(8, self.image_shape, self.seed + 1)
        splits = ArraySplits(self.images, None, test, None)
        options = {"iw_k": 4, "iw_images": 4}
        ctx = EvalContext(self.trained[0], self.spec, splits, None, 8, self.seed, None, options)
        return compute_metrics(ctx, metric_specs())


# -- the checks ------------------------------------------------------------------------------
def check_spec(m: ModelUnderTest) -> None:
    """The spec is well formed, and its ``build`` target can be imported."""
    spec = m.spec
    assert NAME.match(spec.name), f"name {spec.name!r} must match {NAME.pattern}"
    assert spec.description.strip() and "\n" not in spec.description, "one-line description"
    assert spec.family.strip(), "family must not be empty"
    assert spec.capabilities, f"capabilities must name at least one of {sorted(CAPABILITIES)}"
    lo, hi = spec.output_range
    assert float(lo) < float(hi), f"output_range {spec.output_range} must be (low, high)"
    for field in ("default_epochs", "default_batch_size"):
        value = getattr(spec, field)
        assert isinstance(value, int) and value >= 1, f"{field} must be a positive int"
    assert callable(resolve(spec.build)), f"build {spec.build!r} is not callable"


def check_config(m: ModelUnderTest) -> None:
    """The config is a frozen ModelConfig dataclass whose fields ``--set`` and JSON can carry."""
    from genlab.config import field_types

    cls = m.spec.config
    assert dataclasses.is_dataclass(cls) and issubclass(cls, ModelConfig)
    assert cls.__dataclass_params__.frozen, f"{cls.__name__} must be @dataclass(frozen=True)"
    try:
        default = cls()
    except TypeError as exc:
        raise AssertionError(f"every field of {cls.__name__} needs a default ({exc})") from None
    for name, kind in field_types(cls).items():
        assert kind in (bool, int, float, str), (
            f"field {name!r} is {kind}; --set can parse only bool, int, float and str"
        )
    values = json.loads(json.dumps(dataclasses.asdict(default)))
    assert cls(**values) == default, "config must survive a JSON round trip (run config.json)"
    assert m.config is not None  # the overrides apply


def check_search_space(m: ModelUnderTest) -> None:
    """A declared ``search_space`` names config fields, and every draw from it is a valid
    config whose values have the fields' types (what ``genlab tune`` will train)."""
    import random

    from genlab.config import field_types, make_model_config
    from genlab.search.space import check_space, draw_params

    space = check_space(m.spec)
    if not space:
        raise unittest.SkipTest("no search_space declared: genlab tune trains the defaults only")
    types = field_types(m.spec.config)
    for seed in range(20):
        params = draw_params(m.spec, random.Random(seed))
        for name, value in params.items():
            kind = types[name]
            ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
            assert ok and not (kind is not bool and isinstance(value, bool)), (
                f"search_space[{name!r}] drew {value!r}, but the field is {kind.__name__}"
            )
        config = make_model_config(m.spec, params)
        values = json.loads(json.dumps(dataclasses.asdict(config)))
        assert m.spec.config(**values) == config, f"draw {params} does not survive JSON"


def check_build(m: ModelUnderTest) -> None:
    """``build(config, image_shape)`` returns a GenerativeModel with networks and optimizers."""
    import keras

    from genlab.model import GenerativeModel

    model = m.model
    assert isinstance(model, GenerativeModel), f"build returned {type(model).__name__}"
    assert model.image_shape == m.image_shape, f"image_shape {model.image_shape}"
    assert model.optimizer_pairs(), "optimizer_pairs() must name (optimizer, network) pairs"
    networks = model.networks()
    assert networks and all(isinstance(n, keras.Model) for n in networks.values()), (
        "networks() must return a non-empty dict of keras.Model"
    )
    if m.spec.can(SAMPLE):
        assert int(model.latent_dim) > 0, "a model that can sample needs latent_dim > 0"


def check_fit(m: ModelUnderTest) -> None:
    """Training steps through Keras ``fit`` (as the engine runs them) change the weights."""
    model, logs, changed = m.trained
    assert changed, "no trainable variable changed after training"
    assert set(model.trackers) <= set(logs), (
        f"train_step must return every loss tracker {sorted(model.trackers)}, got {sorted(logs)}"
    )


def check_losses_finite(m: ModelUnderTest) -> None:
    """Every loss ``train_step`` reports is a finite number."""
    _, logs, _ = m.trained
    bad = {k: v for k, v in logs.items() if not math.isfinite(float(v))}
    assert not bad, f"non-finite losses after training: {bad}"


def check_sample(m: ModelUnderTest) -> None:
    """``sample(n)`` returns n float32 images of the right shape inside ``output_range``."""
    if not m.spec.can(SAMPLE):
        raise unittest.SkipTest("model cannot sample")
    model = m.trained[0]
    images = np.asarray(model.sample(5, seed=1))
    assert images.shape == (5, *m.image_shape), f"sample(5) has shape {images.shape}"
    assert images.dtype == np.float32, f"sample() returned {images.dtype}, not float32"
    assert np.isfinite(images).all(), "sample() returned non-finite values"
    lo, hi = m.spec.output_range
    low, high = float(images.min()), float(images.max())
    assert lo - RANGE_TOLERANCE <= low and high <= hi + RANGE_TOLERANCE, (
        f"samples span [{low:.4g}, {high:.4g}], outside output_range {m.spec.output_range}"
    )


def check_sample_deterministic(m: ModelUnderTest) -> None:
    """The same seed gives the same images; another seed gives other images."""
    if not m.spec.can(SAMPLE):
        raise unittest.SkipTest("model cannot sample")
    model = m.trained[0]
    first, again = model.sample(4, seed=7), model.sample(4, seed=7)
    assert np.array_equal(first, again), "sample(n, seed) differs between two calls"
    assert not np.array_equal(first, model.sample(4, seed=8)), "the seed has no effect"


def check_sampling_networks(m: ModelUnderTest) -> None:
    """A sampler names the networks ``sample()`` runs (``sampling_networks()``): networks of the
    model, whose weights decide the samples. Without them ``--ema`` has nothing to average."""
    if not m.spec.can(SAMPLE):
        raise unittest.SkipTest("model cannot sample")
    model = m.build()
    named = model.sampling_networks()
    assert named, (
        "sampling_networks() names no network although the model samples: --ema would have "
        "no weights to average; return the networks generate() runs (a generator, a decoder)"
    )
    owned = [id(n) for n in model.networks().values()]
    assert all(id(n) in owned for n in named), "sampling_networks() must be among networks()"
    before = np.asarray(model.sample(4, seed=3))
    rng = np.random.default_rng(0)
    for network in named:
        network.set_weights(
            [w + rng.normal(0.0, 0.5, np.shape(w)).astype(w.dtype) for w in network.get_weights()]
        )
    after = np.asarray(model.sample(4, seed=3))
    assert not np.array_equal(before, after), (
        "changing the weights of sampling_networks() leaves sample() unchanged: they are not "
        "the networks it runs"
    )


def check_reconstruct(m: ModelUnderTest) -> None:
    """Models with the ``reconstruct`` capability rebuild images of the input's shape and range."""
    if not m.spec.can(RECONSTRUCT):
        raise unittest.SkipTest("model has no reconstruct capability")
    model = m.trained[0]
    x = m.scaled(4)
    out = np.asarray(model.predict_batches(model.reconstruct, x))
    assert out.shape == x.shape, f"reconstruct of {x.shape} has shape {out.shape}"
    assert np.isfinite(out).all(), "reconstruct returned non-finite values"
    lo, hi = m.spec.output_range
    assert lo - RANGE_TOLERANCE <= out.min() and out.max() <= hi + RANGE_TOLERANCE, (
        f"reconstructions outside output_range {m.spec.output_range}"
    )


def check_metrics(m: ModelUnderTest) -> None:
    """Every registered metric that applies to the model's capabilities runs without error."""
    from genlab.registry import get_registries

    _, errors = m.evaluation
    metrics = get_registries().metrics
    assert not errors, "; ".join(
        f"metric {name!r} (plugin {metrics.get(name).plugin!r}) failed: {error}"
        for name, error in errors.items()
    )


def check_likelihood(m: ModelUnderTest) -> None:
    """Models with the ``likelihood`` capability get a finite value from every likelihood metric
    (they call ``elbo_terms`` and ``log_likelihood_iw``; see genlab.evaluation.metrics)."""
    if not m.spec.can(LIKELIHOOD):
        raise unittest.SkipTest("model has no likelihood capability")
    from genlab.registry import get_registries

    values, errors = m.evaluation
    names = [s.name for s in get_registries().metrics if LIKELIHOOD in s.requires]
    assert names, "no registered metric requires the likelihood capability"
    for name in names:
        value = values.get(name)
        assert value is not None and math.isfinite(value), f"metric {name!r} gave {value!r}" + (
            f": {errors[name]}" if name in errors else ""
        )


def _example_inputs(network, rng):
    inputs = []
    for tensor in network.inputs:
        shape = [2 if d is None else int(d) for d in tensor.shape]
        inputs.append(rng.standard_normal(shape).astype("float32"))
    return inputs[0] if len(inputs) == 1 else inputs


def check_networks_safe_mode(m: ModelUnderTest) -> None:
    """Each network saves to ``.keras`` and loads with ``safe_mode=True`` to the same outputs."""
    import keras

    model = m.trained[0]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for name, network in model.networks().items():
            path = Path(tmp) / f"{name}.keras"
            network.save(path)
            try:
                loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
            except Exception as exc:
                raise AssertionError(
                    f"network {name!r} does not load in safe mode ({type(exc).__name__}: {exc}); "
                    "use plain Keras layers, or register custom ones with "
                    "keras.saving.register_keras_serializable"
                ) from None
            x = _example_inputs(network, rng)
            expected = keras.tree.flatten(network(x, training=False))
            got = keras.tree.flatten(loaded(x, training=False))
            for a, b in zip(expected, got, strict=True):
                np.testing.assert_allclose(
                    np.asarray(a),
                    np.asarray(b),
                    rtol=1e-5,
                    atol=1e-5,
                    err_msg=f"network {name!r} gives other outputs after loading",
                )


def check_checkpoint_round_trip(m: ModelUnderTest) -> None:
    """``state_variables()`` written and loaded into a fresh model reproduce its samples."""
    from genlab.engine import checkpoint

    model = m.trained[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.npz"
        checkpoint.write_state(path, 1, model.state_variables())
        fresh = m.build(seed=m.seed + 1)
        checkpoint.load(path, fresh.state_variables())
    for a, b in zip(model.state_variables(), fresh.state_variables(), strict=True):
        assert np.array_equal(np.asarray(a.numpy()), np.asarray(b.numpy())), (
            f"variable {a.path} differs after loading the checkpoint"
        )
    if m.spec.can(SAMPLE):
        assert np.array_equal(model.sample(4, seed=3), fresh.sample(4, seed=3)), (
            "a model restored from state_variables() samples other images; keep everything "
            "sample() depends on (e.g. a prior fitted in finalize) in variables"
        )
    if m.spec.can(RECONSTRUCT):
        x = m.scaled(4)
        a = model.predict_batches(model.reconstruct, x)
        b = fresh.predict_batches(fresh.reconstruct, x)
        assert np.array_equal(a, b), "a restored model reconstructs differently"


def check_every_network_trains(m: ModelUnderTest) -> None:
    """Every network in ``networks()`` changes in ``fit``: a train step that never updates one
    of them (a discriminator left out of ``minimize``) fails here."""
    m.trained  # noqa: B018 - trains once, recording which networks changed
    frozen = m._cache["unchanged_networks"]
    assert not frozen, (
        f"networks {frozen} did not change in {m.steps} training steps; train_step must update "
        "every network it returns from networks(): name each in self.minimize(loss_fn, "
        "{loss name: (network, optimizer)})"
    )


def first_step_fingerprint(params: dict) -> str:
    """A digest of the model state after one training step, for :func:`check_same_seed_same_
    first_step`; ``params`` are a :class:`ModelUnderTest`'s arguments."""
    import hashlib

    subject = ModelUnderTest(**{**params, "steps": 1})
    model = subject.trained[0]
    digest = hashlib.sha256()
    for variable in model.state_variables():
        digest.update(np.ascontiguousarray(np.asarray(variable.numpy())).tobytes())
    return digest.hexdigest()


def _set_env(values: dict) -> None:
    import os

    os.environ.update(values)


def check_same_seed_same_first_step(m: ModelUnderTest) -> None:
    """Two fresh processes with the same seed end their first training step with the same
    weights: all randomness (noise, dropout, sampling) comes from seeded generators, which
    exact resume relies on. Unseeded noise (``np.random`` without a seed) fails here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    params = {
        "spec": m.spec,
        "image_shape": m.image_shape,
        "overrides": m.overrides,
        "batch_size": m.batch_size,
        "seed": m.seed,
    }
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_DETERMINISTIC_OPS": "1"}
    # Fresh interpreters (spawn, not fork): nothing seeded in this process carries over.
    with ProcessPoolExecutor(
        2, mp_context=multiprocessing.get_context("spawn"), initializer=_set_env, initargs=(env,)
    ) as pool:
        try:
            futures = [pool.submit(first_step_fingerprint, params) for _ in range(2)]
        except Exception as exc:  # a spec that cannot be sent to another process
            raise unittest.SkipTest(f"the spec cannot be sent to another process ({exc})") from None
        prints = []
        for future in futures:
            try:
                prints.append(future.result(timeout=600))
            except Exception as exc:
                if "pickle" in type(exc).__name__.lower() or "pickle" in str(exc):
                    raise unittest.SkipTest(
                        f"the spec cannot be sent to another process ({exc})"
                    ) from None
                raise AssertionError(
                    f"the first step failed in a fresh process: {type(exc).__name__}: {exc}"
                ) from exc
    assert prints[0] == prints[1], (
        "two fresh processes with the same seed ended the first step with different weights; "
        "draw noise from a keras.random.SeedGenerator (or seeded numpy Generator), never from "
        "unseeded np.random or Python's random"
    )


def check_float32_outputs_under_mixed_precision(m: ModelUnderTest) -> None:
    """Built under ``mixed_bfloat16`` (as the engine builds it on a CPU or GPU with bf16), the
    model still produces float32 images: output layers take ``dtype="float32"``."""
    import keras
    from keras import ops

    model = m.build(policy="mixed_bfloat16")
    outputs = {}
    if m.spec.can(SAMPLE):
        z = ops.convert_to_tensor(model.sample_latents(2, seed=0))
        outputs["generate"] = model.generate(z, training=False)
    if m.spec.can(RECONSTRUCT):
        x = ops.convert_to_tensor(m.scaled(2))
        outputs["reconstruct"] = model.reconstruct(x, training=False)
    if not outputs:
        raise unittest.SkipTest("model neither samples nor reconstructs")
    dtypes = {name: keras.backend.standardize_dtype(out.dtype) for name, out in outputs.items()}
    bad = {name: dtype for name, dtype in dtypes.items() if dtype != "float32"}
    assert not bad, (
        f"under mixed_bfloat16 the model returns {bad}; give the output layer dtype='float32'"
    )


CHECKS: tuple[tuple[str, Callable[[ModelUnderTest], None]], ...] = (
    ("spec", check_spec),
    ("config", check_config),
    ("search_space", check_search_space),
    ("build", check_build),
    ("fit", check_fit),
    ("every_network_trains", check_every_network_trains),
    ("losses_finite", check_losses_finite),
    ("sample", check_sample),
    ("sample_deterministic", check_sample_deterministic),
    ("sampling_networks", check_sampling_networks),
    ("reconstruct", check_reconstruct),
    ("likelihood", check_likelihood),
    ("metrics", check_metrics),
    ("networks_safe_mode", check_networks_safe_mode),
    ("checkpoint_round_trip", check_checkpoint_round_trip),
    ("float32_outputs_under_mixed_precision", check_float32_outputs_under_mixed_precision),
    ("same_seed_same_first_step", check_same_seed_same_first_step),
)


def all_checks() -> Iterator[tuple[str, Callable[[ModelUnderTest], None]]]:
    """``(name, check)`` pairs in order; each check takes a :class:`ModelUnderTest`."""
    yield from CHECKS


def check_model(
    name_or_spec: ModelSpec | str,
    *,
    image_shape=(28, 28, 1),
    steps: int = 1,
    overrides: dict | None = None,
    batch_size: int = 8,
) -> dict[str, str]:
    """Run every check; return ``{check: "passed" | "skipped: why"}``.

    Raises:
        AssertionError: ``model 'x' failed check 'y': ...`` for the first failing check.
    """
    subject = ModelUnderTest(
        name_or_spec,
        image_shape=image_shape,
        overrides=overrides,
        steps=steps,
        batch_size=batch_size,
    )
    report = {}
    for name, check in all_checks():
        try:
            check(subject)
        except unittest.SkipTest as exc:
            report[name] = f"skipped: {exc}"
            continue
        except Exception as exc:
            raise AssertionError(
                f"model {subject.spec.name!r} failed check {name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        report[name] = "passed"
    return report
