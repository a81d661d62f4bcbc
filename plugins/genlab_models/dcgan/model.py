"""DCGAN networks (Radford et al. 2016) in the TensorFlow tutorial's layout."""

from __future__ import annotations

import keras
from keras import layers

from genlab_models.common.adversarial import AdversarialModel


def _upconv(x, filters, stride, upsample, use_bias=False):
    """A 5x5 (transposed) convolution that multiplies the sides by ``stride``."""
    if stride == 1 or upsample == "transpose":
        return layers.Conv2DTranspose(
            filters, 5, strides=stride, padding="same", use_bias=use_bias
        )(x)
    x = layers.UpSampling2D(stride, interpolation="nearest")(x)
    return layers.Conv2D(filters, 5, padding="same", use_bias=use_bias)(x)


def build_generator(latent_dim, image_shape, width=64, upsample="transpose"):
    height, wide, channels = image_shape
    if height % 4 or wide % 4:
        raise ValueError(f"dcgan needs image sides divisible by 4, got {height}x{wide}")
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense((height // 4) * (wide // 4) * 4 * width, use_bias=False)(z)
    x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((height // 4, wide // 4, 4 * width))(x)
    for filters, stride in ((2 * width, 1), (width, 2)):
        x = _upconv(x, filters, stride, upsample)
        x = layers.LeakyReLU()(layers.BatchNormalization()(x))
    x = _upconv(x, channels, 2, upsample, use_bias=True)
    out = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(z, out, name="generator")


def build_discriminator(image_shape, width=64, dropout=0.3):
    image = keras.Input(image_shape, name="image")
    x = image
    for filters in (width, 2 * width):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.Dropout(dropout)(layers.LeakyReLU(0.2)(x))
    logits = layers.Dense(1, dtype="float32")(layers.Flatten()(x))
    return keras.Model(image, logits, name="discriminator")


def build(config, image_shape):
    return AdversarialModel(
        config,
        image_shape,
        generator=build_generator(config.latent_dim, image_shape, config.width, config.upsample),
        discriminator=build_discriminator(image_shape, config.width, config.dropout),
    )
