"""Denoising autoencoder (Vincent et al. 2008): reconstruct the clean image from a corrupted one.

Corruption is drawn fresh for every training batch and applied only in ``train_step``;
:meth:`encode` and :meth:`reconstruct` see the images they are given. The noise comes from a
:class:`keras.random.SeedGenerator` whose state is checkpointed, so a resumed run draws the same
noise as an uninterrupted one.
"""

from __future__ import annotations

import keras
from keras import ops

from genlab_models.common.autoencoder import AutoencoderModel
from genlab_models.common.networks import conv_decoder, conv_encoder


class DenoisingAutoencoder(AutoencoderModel):
    """Convolutional autoencoder trained on corrupted inputs against clean targets; samples by
    decoding draws from a Gaussian fitted to the training codes (see :class:`AutoencoderModel`)."""

    def __init__(self, config, image_shape, encoder, decoder):
        super().__init__(config, image_shape, encoder, decoder)
        self.seed_generator = keras.random.SeedGenerator(
            getattr(config, "seed", None), name="noise"
        )

    def corrupt(self, x):
        if self.config.noise == "mask":
            keep = keras.random.uniform(ops.shape(x), seed=self.seed_generator)
            return x * ops.cast(keep >= self.config.mask_rate, x.dtype)
        noise = keras.random.normal(
            ops.shape(x), stddev=self.config.noise_std, seed=self.seed_generator
        )
        return ops.clip(x + noise, 0.0, 1.0)


def build(config, image_shape):
    return DenoisingAutoencoder(
        config,
        image_shape,
        encoder=conv_encoder(image_shape, config.filters, config.code_dim),
        decoder=conv_decoder(config.code_dim, image_shape, config.filters),
    )
