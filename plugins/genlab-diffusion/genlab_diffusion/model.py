"""A small denoising diffusion model: U-Net noise predictor, cosine schedule, DDIM sampling.

The layout follows the keras-io example "Denoising Diffusion Implicit Models" (A. Béres), cut to
28x28 images on a CPU:

* **Schedule.** Diffusion time ``t`` in [0, 1] maps to an angle between ``acos(max_signal_rate)``
  and ``acos(min_signal_rate)``; ``signal_rate = cos``, ``noise_rate = sin``, so the two rates'
  squares always sum to 1 (a variance-preserving, cosine-like schedule).
* **Training** (Ho et al. 2020): a noisy image ``x_t = signal_rate * x + noise_rate * eps`` at a
  uniform random ``t``; the network predicts ``eps`` from ``x_t`` and ``noise_rate**2``; the loss
  is the mean squared error of that prediction.
* **Sampling** (Song et al. 2021, DDIM with eta = 0): from pure noise, ``sampling_steps`` equal
  steps in ``t``; each step predicts the noise, the clean image it implies, and remixes the two at
  the next, lower noise rate. Deterministic given the initial noise, so a sample's latent is its
  initial noise, ``latent_dim = height * width * channels`` values from N(0, I).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from genlab import GenerativeModel


@keras.saving.register_keras_serializable(package="genlab_diffusion")
class SinusoidalEmbedding(layers.Layer):
    """``sin`` and ``cos`` of ``2 pi f x`` for ``dims / 2`` frequencies ``f`` log-spaced from 1 to
    ``max_frequency`` (the transformer position encoding, applied to the noise variance)."""

    def __init__(self, dims=32, max_frequency=1000.0, **kwargs):
        super().__init__(**kwargs)
        self.dims, self.max_frequency = int(dims), float(max_frequency)

    def call(self, x):
        frequencies = ops.exp(ops.linspace(0.0, math.log(self.max_frequency), self.dims // 2))
        angles = 2.0 * math.pi * frequencies * ops.cast(x, "float32")
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims, "max_frequency": self.max_frequency}


def residual_block(x, width):
    """GroupNorm -> 3x3 conv (swish) -> 3x3 conv, plus a (1x1-projected) shortcut."""
    shortcut = x if x.shape[-1] == width else layers.Conv2D(width, 1)(x)
    x = layers.GroupNormalization(math.gcd(8, x.shape[-1]), center=False, scale=False)(x)
    x = layers.Conv2D(width, 3, padding="same", activation="swish")(x)
    x = layers.Conv2D(width, 3, padding="same")(x)
    return layers.Add()([x, shortcut])


def build_network(image_shape, width=32, levels=2, block_depth=2, embedding_dims=32):
    """The noise predictor: ``[noisy images, noise variances] -> predicted noise``.

    A U-Net over ``levels`` resolutions with ``width * (1, 2, ...)`` filters; the noise level
    enters as a sinusoidal embedding broadcast over the image and concatenated at the input.
    """
    height, wide, channels = image_shape
    if height % 2 ** (levels - 1) or wide % 2 ** (levels - 1):
        raise ValueError(
            f"diffusion with levels={levels} needs image sides divisible by {2 ** (levels - 1)}, "
            f"got {height}x{wide}"
        )
    widths = [width * (i + 1) for i in range(levels)]
    noisy = keras.Input(image_shape, name="noisy_images")
    variances = keras.Input((1, 1, 1), name="noise_variances")
    e = SinusoidalEmbedding(embedding_dims, dtype="float32")(variances)
    e = layers.UpSampling2D(size=(height, wide))(e)
    x = layers.Concatenate()([layers.Conv2D(widths[0], 1)(noisy), e])
    skips = []
    for w in widths[:-1]:
        for _ in range(block_depth):
            x = residual_block(x, w)
            skips.append(x)
        x = layers.AveragePooling2D(2)(x)
    for _ in range(block_depth):
        x = residual_block(x, widths[-1])
    for w in reversed(widths[:-1]):
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        for _ in range(block_depth):
            x = residual_block(layers.Concatenate()([x, skips.pop()]), w)
    out = layers.Conv2D(channels, 1, kernel_initializer="zeros", dtype="float32")(x)
    return keras.Model([noisy, variances], out, name="denoiser")


class Diffusion(GenerativeModel):
    """One noise-predicting network, one AdamW optimizer; the engine averages its weights."""

    def __init__(self, config, image_shape, network):
        super().__init__(config, image_shape, loss_names=("noise_loss", "image_loss"))
        self.network = network
        self.latent_dim = int(np.prod(self.image_shape))
        #: DDIM steps per sample; set it on a trained model to sample with more or fewer.
        self.sampling_steps = int(config.sampling_steps)
        self.start_angle = math.acos(config.max_signal_rate)
        self.end_angle = math.acos(config.min_signal_rate)
        self.seed_generator = keras.random.SeedGenerator()
        self.adamw = keras.optimizers.AdamW(config.lr, weight_decay=config.weight_decay)

    def optimizer_pairs(self):
        return [(self.adamw, self.network)]

    def networks(self):
        return {"denoiser": self.network}

    def sampling_networks(self):
        return [self.network]

    def network_evaluations_per_sample(self) -> int:
        return self.sampling_steps

    def schedule(self, times):
        """``(noise_rates, signal_rates)`` at diffusion ``times`` in [0, 1]."""
        angles = self.start_angle + times * (self.end_angle - self.start_angle)
        return ops.sin(angles), ops.cos(angles)

    def denoise(self, noisy, noise_rates, signal_rates, training=False):
        """The predicted noise, and the clean images it implies."""
        noises = self.network([noisy, noise_rates**2], training=training)
        return noises, (noisy - noise_rates * noises) / signal_rates

    def train_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        n = ops.shape(images)[0]
        noises = keras.random.normal(ops.shape(images), seed=self.seed_generator)
        times = keras.random.uniform((n, 1, 1, 1), 0.0, 1.0, seed=self.seed_generator)
        noise_rates, signal_rates = self.schedule(times)
        noisy = signal_rates * images + noise_rates * noises

        def losses():
            predicted, clean = self.denoise(noisy, noise_rates, signal_rates, training=True)
            return {
                "noise_loss": ops.mean(ops.square(noises - predicted)),
                "image_loss": ops.mean(ops.abs(images - clean)),
            }

        values = self.minimize(losses, {"noise_loss": (self.network, self.adamw)})
        return self.log(**values)

    def ddim(self, noise, steps):
        """Images from initial ``noise`` in ``steps`` deterministic DDIM steps (eta = 0).

        Each step's clean-image estimate is clipped to the data range and the noise estimate
        made consistent with it (diffusers' ``clip_sample``): at the noisiest steps the estimate
        is the noisy image divided by a signal rate of 0.02, and an undertrained network's
        errors, amplified fifty times, would otherwise saturate the samples.
        """
        times = ops.ones((ops.shape(noise)[0], 1, 1, 1))
        noisy = noise
        for step in range(steps):
            t = times * (1.0 - step / steps)
            noise_rates, signal_rates = self.schedule(t)
            _, clean = self.denoise(noisy, noise_rates, signal_rates)
            clean = ops.clip(clean, -1.0, 1.0)
            noises = (noisy - signal_rates * clean) / noise_rates
            next_noise_rates, next_signal_rates = self.schedule(t - 1.0 / steps)
            noisy = next_signal_rates * clean + next_noise_rates * noises
        return clean

    def generate(self, z, training=False):
        noise = ops.reshape(ops.cast(z, "float32"), (-1, *self.image_shape))
        return self._sampler(self.sampling_steps)(noise)

    def _sampler(self, steps):
        """:meth:`ddim` compiled once per step count (a graph runs a small U-Net faster than
        eager calls). Any batch size runs the same graph, so a sample does not depend on which
        batch sizes were drawn before it."""
        from genlab.backends import compiled_function

        graphs = self.__dict__.setdefault("_ddim_graphs", {})
        if steps not in graphs:
            graphs[steps] = compiled_function(
                lambda noise: self.ddim(noise, steps),
                (None, *self.image_shape),
                self.network.variables,
            )
        return graphs[steps]


def build(config, image_shape):
    network = build_network(
        image_shape, config.width, config.levels, config.block_depth, config.embedding_dims
    )
    return Diffusion(config, image_shape, network)
