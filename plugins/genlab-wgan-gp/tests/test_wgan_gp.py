"""The parts of WGAN-GP that reimplementations most often get wrong."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from genlab_wgan_gp import SPEC  # noqa: E402
from genlab_wgan_gp.model import (  # noqa: E402
    build,
    build_critic,
    gradient_penalty,
    interpolate,
    interpolation_weights,
)


def test_interpolation_weights_are_uniform_and_drawn_per_example():
    n = 20_000
    weights = np.asarray(interpolation_weights(n, seed=keras.random.SeedGenerator(1)))
    assert weights.shape == (n, 1, 1, 1)
    w = weights.ravel()
    assert w.min() >= 0.0 and w.max() < 1.0
    assert len(np.unique(w)) > 0.99 * n, "one weight per example, not one per batch"
    # moments of U(0, 1): mean 1/2, variance 1/12 (a normal draw or a constant fails these)
    assert abs(w.mean() - 0.5) < 0.01 and abs(w.var() - 1 / 12) < 0.005
    # Kolmogorov-Smirnov distance to U(0, 1); the 1% critical value is 1.63 / sqrt(n)
    ks = np.max(np.abs(np.sort(w) - (np.arange(1, n + 1) - 0.5) / n))
    assert ks < 1.63 / np.sqrt(n)
    # every decile holds about a tenth of the weights
    counts, _ = np.histogram(w, bins=10, range=(0.0, 1.0))
    assert np.all(np.abs(counts / n - 0.1) < 0.01), counts


def test_interpolates_lie_between_their_own_real_and_fake_image():
    real = tf.zeros((3, 2, 2, 1))
    fake = tf.ones((3, 2, 2, 1))
    weights = tf.constant([0.0, 0.25, 1.0], shape=(3, 1, 1, 1))
    points = np.asarray(interpolate(real, fake, weights))
    np.testing.assert_allclose(points[:, 0, 0, 0], [0.0, 0.25, 1.0])
    assert np.all(points == points[:, :1, :1, :1]), "one weight per example, broadcast over pixels"


@pytest.mark.parametrize("scale, expected", [(1.0, 0.0), (2.0, 1.0), (0.5, 0.25)])
def test_gradient_penalty_of_a_linear_critic(scale, expected):
    # f(x) = <w, x> has gradient w everywhere: the penalty is (||w|| - 1)^2
    shape = (4, 4, 1)
    w = np.random.default_rng(0).standard_normal(np.prod(shape)).astype("float32")
    w *= scale / np.linalg.norm(w)
    image = keras.Input(shape)
    dense = keras.layers.Dense(1, use_bias=False)
    critic = keras.Model(image, dense(keras.layers.Flatten()(image)))
    dense.set_weights([w.reshape(-1, 1)])
    points = tf.random.normal((8, *shape))
    assert float(gradient_penalty(critic, points)) == pytest.approx(expected, abs=1e-4)


def test_critic_has_no_batch_normalization():
    critic = build_critic((28, 28, 1), width=8)
    kinds = {type(layer).__name__ for layer in critic.layers}
    assert not any("Normalization" in kind for kind in kinds), kinds


def test_each_step_is_n_critic_critic_steps_on_fresh_minibatches_then_one_generator_step():
    config = SPEC.config(width=8, latent_dim=8, n_critic=3)
    keras.utils.set_random_seed(0)
    model = build(config, (28, 28, 1))
    model.build_optimizers()
    seen = []
    critic_step = model._critic_step
    model._critic_step = lambda real: seen.append(real) or critic_step(real)
    model.compile(jit_compile=False, run_eagerly=True)
    images = tf.random.uniform((2 * 12, 28, 28, 1), -1, 1)
    model.fit(tf.data.Dataset.from_tensor_slices(images).batch(12), verbose=0, shuffle=False)
    assert int(model.c_optimizer.iterations) == 6 and int(model.g_optimizer.iterations) == 2
    assert [int(batch.shape[0]) for batch in seen] == [4] * 6
    # the six critic minibatches are the 24 images, each seen once
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in seen]), images)


def test_a_batch_smaller_than_n_critic_is_refused():
    model = build(SPEC.config(width=8, latent_dim=8), (28, 28, 1))
    with pytest.raises(ValueError, match="n_critic=5"):
        model.train_step(tf.zeros((4, 28, 28, 1)))


def test_adam_follows_the_paper():
    config = SPEC.config()
    assert (config.lr, config.beta_2, config.gp_weight, config.n_critic) == (1e-4, 0.9, 10.0, 5)
    assert config.beta_1 in (0.0, 0.5)


def test_n_critic_must_be_positive():
    from genlab import ConfigError

    with pytest.raises(ConfigError, match="n_critic=0"):
        SPEC.config(n_critic=0)
