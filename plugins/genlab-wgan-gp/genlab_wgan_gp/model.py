"""WGAN-GP networks and training step (Gulrajani et al. 2017, "Improved Training of Wasserstein
GANs", Algorithm 1).

The critic estimates the Wasserstein-1 distance between real and generated images; the gradient
penalty keeps it close to 1-Lipschitz by pushing its gradient norm towards 1 on random points of
the lines between real and generated images. Three details decide whether this works:

* The interpolation weight is drawn from U(0, 1), one per example (:func:`interpolation_weights`).
  A single scalar for the whole batch, or a normal draw, penalises the wrong points.
* The critic has no batch normalization: the penalty is per example, and batch norm makes each
  output depend on the whole batch.
* The critic takes ``n_critic`` steps per generator step, each on a fresh real minibatch. One
  ``train_step`` is one iteration of Algorithm 1: its batch is split into ``n_critic`` critic
  minibatches, then the generator steps once. (No ``tf.cond`` around an optimizer step, which
  ``tf.distribute`` strategies cannot run.)
"""

from __future__ import annotations

import keras
from keras import layers, ops

from genlab import GenerativeModel


def build_generator(latent_dim, image_shape, width=64):
    """DCGAN-style generator: dense -> (h/4, w/4) -> two stride-2 transposed convolutions."""
    height, wide, channels = image_shape
    if height % 4 or wide % 4:
        raise ValueError(f"wgan_gp needs image sides divisible by 4, got {height}x{wide}")
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense((height // 4) * (wide // 4) * 4 * width, use_bias=False)(z)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((height // 4, wide // 4, 4 * width))(x)
    for filters in (2 * width, width):
        x = layers.Conv2DTranspose(filters, 5, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2D(channels, 5, padding="same")(x)
    out = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(z, out, name="generator")


def build_critic(image_shape, width=64):
    """Convolutional critic without batch normalization; its output is an unbounded score."""
    image = keras.Input(image_shape, name="image")
    x = image
    for filters in (width, 2 * width, 4 * width):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    score = layers.Dense(1, dtype="float32")(layers.Flatten()(x))
    return keras.Model(image, score, name="critic")


def interpolation_weights(n, rank=4, seed=None):
    """One weight per example, drawn from U(0, 1), shaped ``(n, 1, 1, 1)`` to broadcast."""
    return keras.random.uniform((n,) + (1,) * (rank - 1), 0.0, 1.0, seed=seed)


def interpolate(real, fake, weights):
    """Points ``real + w * (fake - real)`` on the lines between paired real and fake images."""
    return real + weights * (fake - real)


def gradient_penalty(critic, points):
    """Mean of ``(||grad critic(x)||_2 - 1)^2`` over ``points``, one norm per example."""
    grads = GenerativeModel.input_gradient(lambda x: critic(x, training=True), points)
    axes = list(range(1, len(points.shape)))
    # the epsilon keeps the gradient of the norm finite where the critic is flat
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=axes) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


class WGANGP(GenerativeModel):
    """A generator and a critic, each with its own Adam optimizer."""

    def __init__(self, config, image_shape, generator, critic):
        super().__init__(config, image_shape, loss_names=("d_loss", "g_loss", "gp", "w_distance"))
        self.latent_dim = int(config.latent_dim)
        self.generator = generator
        self.critic = critic
        self.n_critic = int(config.n_critic)
        self.gp_weight = float(config.gp_weight)
        self.seed_generator = keras.random.SeedGenerator()
        adam = {"beta_1": config.beta_1, "beta_2": config.beta_2}
        self.g_optimizer = keras.optimizers.Adam(config.lr, name="g_adam", **adam)
        self.c_optimizer = keras.optimizers.Adam(config.lr, name="c_adam", **adam)

    def optimizer_pairs(self):
        return [(self.g_optimizer, self.generator), (self.c_optimizer, self.critic)]

    def networks(self):
        return {"generator": self.generator, "critic": self.critic}

    def sampling_networks(self):
        return [self.generator]

    def generate(self, z, training=False):
        return self.generator(z, training=training)

    def _noise(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def _critic_step(self, real):
        n = ops.shape(real)[0]
        fake = self.generator(self._noise(n), training=True)
        weights = interpolation_weights(n, len(real.shape), seed=self.seed_generator)
        points = interpolate(real, fake, weights)

        def losses():
            real_score = ops.mean(self.critic(real, training=True))
            fake_score = ops.mean(self.critic(fake, training=True))
            gp = gradient_penalty(self.critic, points)
            loss = fake_score - real_score + self.gp_weight * gp
            return {"loss": loss, "gp": gp, "w_distance": real_score - fake_score}

        values = self.minimize(losses, {"loss": (self.critic, self.c_optimizer)})
        return values["loss"], values["gp"], values["w_distance"]

    def _generator_step(self, n):
        def losses():
            fake = self.generator(self._noise(n), training=True)
            return {"loss": -ops.mean(self.critic(fake, training=True))}

        return self.minimize(losses, {"loss": (self.generator, self.g_optimizer)})["loss"]

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        if real.shape[0] is not None and real.shape[0] < self.n_critic:
            raise ValueError(
                f"wgan_gp: a batch of {real.shape[0]} cannot feed n_critic={self.n_critic} critic "
                "steps; use a batch size of n_critic x the critic minibatch"
            )
        m = ops.shape(real)[0] // self.n_critic
        steps = [self._critic_step(real[i * m : (i + 1) * m]) for i in range(self.n_critic)]
        d_loss, gp, w_distance = (ops.mean(ops.stack(v)) for v in zip(*steps, strict=True))
        g_loss = self._generator_step(m)
        return self.log(d_loss=d_loss, g_loss=g_loss, gp=gp, w_distance=w_distance)


def build(config, image_shape):
    return WGANGP(
        config,
        image_shape,
        generator=build_generator(config.latent_dim, image_shape, config.width),
        critic=build_critic(image_shape, config.width),
    )
