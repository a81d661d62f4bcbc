"""Weight averaging (EMA) of the sampling networks: its schedule, exact resume, and sampling."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genlab.engine import checkpoint, device
from genlab.engine.ema import WeightAverage
from genlab.engine.trainer import TrainOptions, train
from genlab.registry import get_model
from genlab.run_dir import RunDir
from genlab.specs import resolve

SEED = 11


def test_average_follows_the_warmed_up_schedule():
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    weights = net.weights
    start = [w.numpy().copy() for w in weights]
    average = WeightAverage([net], decay=0.5)
    expected = [s.copy() for s in start]
    rng = np.random.default_rng(0)
    for t in range(4):
        for w in weights:
            w.assign(rng.standard_normal(w.shape).astype("float32"))
        average.update()
        decay = min(0.5, (1 + t) / (10 + t))  # 0.1, 0.18, 0.25, 0.31
        expected = [
            decay * e + (1 - decay) * w.numpy() for e, w in zip(expected, weights, strict=True)
        ]
    assert int(average.updates.numpy()) == 4
    for got, want in zip(average.averages, expected, strict=True):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
    last = [w.numpy().copy() for w in weights]
    with average.applied():
        np.testing.assert_array_equal(weights[0].numpy(), average.averages[0].numpy())
    for w, value in zip(weights, last, strict=True):  # the block gives the weights back
        np.testing.assert_array_equal(w.numpy(), value)
    with pytest.raises(Exception, match="--ema"):
        WeightAverage([net], decay=1.0)


class StopAt(keras.callbacks.Callback):
    """Ctrl-C in the middle of an epoch, as a user would press it."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


def _dcgan():
    spec = get_model("dcgan")
    placement = device.place("cpu")
    keras.utils.set_random_seed(SEED)
    with placement.scope():
        model = resolve(spec.build)(spec.config(width=8), (28, 28, 1))
        model.build_optimizers()
        model.built = True
        model.compile()
    return spec, placement, model


def _train(run_dir, images, resume=False, callbacks=(), seen=None):
    spec, placement, model = _dcgan()
    kernel = model.generator.trainable_weights[0]
    preview = (lambda path: seen.append(kernel.numpy().copy())) if seen is not None else None
    options = TrainOptions(
        epochs=2,
        batch_size=32,
        value_range=spec.output_range,
        seed=SEED,
        resume=resume,
        ema=0.99,
        tensorboard=False,
        show_progress=False,
    )
    run = RunDir(run_dir)
    run.ensure_writable()
    result = train(model, run, images, placement, options, callbacks=callbacks, preview=preview)
    return model, result


@pytest.fixture(scope="module")
def reference(fashion, tmp_path_factory):
    images = fashion.train_images[:128]
    run_dir = tmp_path_factory.mktemp("ema") / "reference"
    seen = []
    model, result = _train(run_dir, images, seen=seen)
    return images, run_dir, model, result, seen


def test_interrupted_and_resumed_run_ends_with_identical_average(reference, tmp_path):
    images, _, ref_model, ref_result, _ = reference
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path / "run", images, callbacks=[StopAt(epoch=1, batch=1)])
    saved = checkpoint.list_checkpoints(tmp_path / "run" / "checkpoints")
    assert checkpoint.load_position(saved[-1]) == (1, 2), "Ctrl-C must checkpoint mid-epoch"
    model, result = _train(tmp_path / "run", images, resume=True)
    assert result.start == (1, 2)
    assert int(result.average.updates.numpy()) == int(ref_result.average.updates.numpy()) == 8
    for got, want in zip(result.average.variables, ref_result.average.variables, strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for got, want in zip(model.generator.weights, ref_model.generator.weights, strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_sampling_uses_the_average_not_the_last_weights(reference):
    _, run_dir, model, result, seen = reference
    average = result.average
    for net_weight, avg in zip(model.generator.weights, average.averages, strict=True):
        np.testing.assert_array_equal(net_weight.numpy(), avg.numpy())
    # The last raw weights are in the final checkpoint, together with the average.
    _, _, raw = _dcgan()
    latest = checkpoint.list_checkpoints(run_dir / "checkpoints")[-1]
    state = raw.state_variables()
    with np.load(latest) as data:
        values = [data[f"v{i:05d}"] for i in range(len(state))]
    for variable, value in zip(state, values, strict=True):
        variable.assign(value)
    differs = [
        not np.array_equal(r.numpy(), a.numpy())
        for r, a in zip(
            raw.generator.trainable_weights, model.generator.trainable_weights, strict=True
        )
    ]
    assert all(differs), "the average must differ from the last iterate"
    averaged, last = model.sample(16, seed=3), raw.sample(16, seed=3)
    assert averaged.shape == last.shape == (16, 28, 28, 1)
    assert np.abs(averaged - last).max() > 1e-3
    # The per-epoch grids were drawn from the average too (the last one from the final one).
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[-1], average.averages[0].numpy())
    assert not np.array_equal(seen[-1], raw.generator.trainable_weights[0].numpy())


class _NoSamplingNetworks:
    """Registers the contract probe with a defect: it samples but names no sampling network."""

    from genlab import hookimpl

    @hookimpl
    def register_models(self, register):
        import dataclasses

        from tests.contract_models import SPEC, ProbeConfig

        @dataclasses.dataclass(frozen=True)
        class Config(ProbeConfig):
            defect: str = "no_sampling_networks"

        register(dataclasses.replace(SPEC, name="ema_probe", config=Config))


def test_ema_on_a_model_without_sampling_networks_is_refused_before_anything_is_written(tmp_path):
    from genlab.config import RunConfig
    from genlab.errors import ConfigError
    from genlab.run import run_one
    from tests.conftest import registered_plugin

    out = tmp_path / "run"
    config = RunConfig("ema_probe", epochs=1, limit=64, batch_size=8, out=str(out), ema=0.99,
                       evaluate=False, grids=False)  # fmt: skip
    with registered_plugin(_NoSamplingNetworks(), "ema-probe"):
        with pytest.raises(ConfigError, match="--ema: model 'ema_probe' names no sampling"):
            run_one(config)
        assert not (out / "config.json").exists()
        run_one(RunConfig(**{**config.__dict__, "ema": 0.0}))  # --no-ema trains
    assert RunDir(out).is_complete
