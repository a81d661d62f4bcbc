"""Stacked autoencoder: Dense layers down to a code and mirrored back up.

With ``tied=True`` every decoder layer multiplies by the transpose of the matching encoder
kernel and learns only its bias (Hinton & Salakhutdinov 2006). The exported decoder is then a
plain Dense copy of the tied one, so the ``.keras`` file loads without genlab.
"""

from __future__ import annotations

from genlab_models.common.autoencoder import AutoencoderModel
from genlab_models.common.networks import dense_decoder, dense_encoder, untied_copy


class StackedAutoencoder(AutoencoderModel):
    """Fully connected autoencoder; samples by decoding draws from a Gaussian fitted to the
    training codes (see :class:`AutoencoderModel`)."""

    def networks(self):
        if not self.config.tied:
            return super().networks()
        cfg = self.config
        decoder = untied_copy(
            self.decoder, cfg.code_dim, self.image_shape, cfg.hidden, cfg.activation
        )
        return {"encoder": self.encoder, "decoder": decoder}


def build(config, image_shape):
    encoder = dense_encoder(image_shape, config.hidden, config.code_dim, config.activation)
    decoder = dense_decoder(
        config.code_dim,
        image_shape,
        config.hidden,
        config.activation,
        tied_to=encoder if config.tied else None,
    )
    return StackedAutoencoder(config, image_shape, encoder, decoder)
