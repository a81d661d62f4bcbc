"""What makes it a diffusion model: the schedule, the sampler's steps, DDIM's determinism,
the noise-prediction objective, and the weight average it gets by default."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from genlab_diffusion import SPEC  # noqa: E402
from genlab_diffusion.model import build  # noqa: E402

TINY = {"width": 8, "block_depth": 1, "embedding_dims": 8}


def tiny_model(seed=0, **overrides):
    keras.utils.set_random_seed(seed)
    model = build(SPEC.config(**{**TINY, **overrides}), (28, 28, 1))
    model.build_optimizers()
    return model


def test_the_schedule_preserves_variance_and_spans_its_ends():
    model = tiny_model()
    times = np.linspace(0.0, 1.0, 11, dtype="float32")
    noise, signal = (np.asarray(r) for r in model.schedule(times))
    np.testing.assert_allclose(noise**2 + signal**2, 1.0, rtol=1e-6)
    assert signal[0] == pytest.approx(0.95) and signal[-1] == pytest.approx(0.02, abs=1e-6)
    assert np.all(np.diff(signal) < 0), "the signal rate falls with diffusion time"


@pytest.mark.parametrize("steps", [1, 4, 9])
def test_each_sampling_step_is_one_network_evaluation(steps):
    model = tiny_model(sampling_steps=steps)
    calls = []
    denoise = model.denoise
    model.denoise = lambda *args, **kw: calls.append(1) or denoise(*args, **kw)
    images = model.sample(3, seed=0)
    assert images.shape == (3, 28, 28, 1)
    assert len(calls) == steps == model.network_evaluations_per_sample()


def test_ddim_is_deterministic_given_the_initial_noise():
    model = tiny_model(sampling_steps=4)
    noise = tf.random.stateless_normal((4, 28, 28, 1), seed=(1, 2))
    first, again = np.asarray(model.ddim(noise, 4)), np.asarray(model.ddim(noise, 4))
    np.testing.assert_array_equal(first, again)
    other = np.asarray(model.ddim(noise * 0.5, 4))
    assert not np.array_equal(first, other)


def test_the_noise_prediction_loss_falls_on_real_images():
    from genlab.data.loading import load
    from genlab.data.pipeline import scale
    from genlab.errors import DataError

    try:
        images = load("fashion", limit=512).splits.train_images
    except DataError as exc:
        pytest.skip(f"no Fashion-MNIST here: {exc}")
    x = scale(images, SPEC.output_range)
    model = tiny_model(lr=3e-3)
    model.compile(jit_compile=False)
    losses = []
    for i in range(0, len(x), 32):
        model.reset_metrics()
        losses.append(float(model.train_on_batch(x[i : i + 32], return_dict=True)["noise_loss"]))
    # the zero-initialised output layer predicts no noise: the first loss is about E[eps^2] = 1
    assert losses[0] == pytest.approx(1.0, abs=0.1)
    assert np.mean(losses[-4:]) < 0.6 * np.mean(losses[:2]), losses


def test_the_weight_average_is_on_by_default_and_can_be_switched_off():
    from genlab.engine.ema import resolve_decay

    assert SPEC.default_ema == 0.999
    assert resolve_decay(None, SPEC) == 0.999
    assert resolve_decay(0.0, SPEC) == 0.0 and resolve_decay(0.99, SPEC) == 0.99
    assert tiny_model().sampling_networks(), "the engine averages the denoiser's weights"


def test_bad_settings_are_refused():
    from genlab import ConfigError

    with pytest.raises(ConfigError, match="sampling_steps=0"):
        SPEC.config(sampling_steps=0)
    with pytest.raises(ConfigError, match="min < max"):
        SPEC.config(min_signal_rate=0.9, max_signal_rate=0.5)
