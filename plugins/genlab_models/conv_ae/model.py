"""Convolutional autoencoder: strided 3x3 convolutions to a dense code, transposed back up.

Samples by decoding draws from a Gaussian fitted to the training codes (see
:class:`AutoencoderModel`).
"""

from __future__ import annotations

from genlab_models.common.autoencoder import AutoencoderModel
from genlab_models.common.networks import conv_decoder, conv_encoder


def build(config, image_shape):
    return AutoencoderModel(
        config,
        image_shape,
        encoder=conv_encoder(image_shape, config.filters, config.code_dim),
        decoder=conv_decoder(config.code_dim, image_shape, config.filters),
    )
