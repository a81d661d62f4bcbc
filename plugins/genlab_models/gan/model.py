"""Vanilla GAN networks: multilayer perceptrons with LeakyReLU, a tanh generator output.

The algorithm is :class:`AdversarialModel` with alternating updates: the discriminator steps,
then the generator steps against the updated discriminator (Goodfellow et al. 2014, Alg. 1
with k=1), using the non-saturating generator loss.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from genlab_models.common.adversarial import AdversarialModel
from genlab_models.common.networks import parse_sizes


def build_generator(latent_dim, image_shape, hidden="256,512,1024"):
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i, units in enumerate(parse_sizes(hidden)):
        x = layers.Dense(units, name=f"g_hidden_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"g_act_{i}")(x)
    x = layers.Dense(math.prod(image_shape), name="g_output", dtype="float32")(x)
    x = layers.Reshape(tuple(image_shape), name="unflatten", dtype="float32")(x)
    image = layers.Activation("tanh", name="pixels", dtype="float32")(x)
    return keras.Model(z, image, name="generator")


def build_discriminator(image_shape, hidden="256,512,1024", dropout=0.3):
    image = keras.Input(tuple(image_shape), name="image")
    x = layers.Flatten(name="flatten")(image)
    for i, units in enumerate(reversed(parse_sizes(hidden))):
        x = layers.Dense(units, name=f"d_hidden_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"d_act_{i}")(x)
        x = layers.Dropout(dropout, name=f"d_dropout_{i}")(x)
    logit = layers.Dense(1, name="logit", dtype="float32")(x)
    return keras.Model(image, logit, name="discriminator")


def build(config, image_shape):
    return AdversarialModel(
        config,
        image_shape,
        generator=build_generator(config.latent_dim, image_shape, config.hidden),
        discriminator=build_discriminator(image_shape, config.hidden, config.dropout),
        alternating=True,
    )
