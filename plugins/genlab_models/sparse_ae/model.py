"""Sparse autoencoder: a sigmoid code pushed towards few active units by a penalty.

``kl`` is the sparse autoencoder of Ng's lecture notes: the mean activation of each code unit
over a batch, rho_hat, is pulled to the target rho by KL(rho || rho_hat) averaged over units.
``l1`` penalises the mean absolute activation instead. ``code_mean`` in the training log is
the achieved mean activation.
"""

from __future__ import annotations

from keras import ops

from genlab_models.common.autoencoder import AutoencoderModel
from genlab_models.common.networks import dense_decoder, dense_encoder


def bernoulli_kl(rho, rho_hat):
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)), elementwise."""
    rho_hat = ops.clip(rho_hat, 1e-6, 1.0 - 1e-6)
    return rho * ops.log(rho / rho_hat) + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat))


class SparseAutoencoder(AutoencoderModel):
    """Fully connected autoencoder with a sparse sigmoid code; samples by decoding draws from a
    Gaussian fitted to the training codes (see :class:`AutoencoderModel`)."""

    def __init__(self, config, image_shape, encoder, decoder):
        super().__init__(
            config,
            image_shape,
            encoder,
            decoder,
            loss_names=("loss", "recon_loss", "sparsity", "code_mean"),
        )

    def penalties(self, code):
        if self.config.penalty == "l1":
            penalty = ops.mean(ops.abs(code))
        else:
            penalty = ops.mean(bernoulli_kl(self.config.target, ops.mean(code, axis=0)))
        return {"sparsity": self.config.sparsity_weight * penalty}


def build(config, image_shape):
    encoder = dense_encoder(
        image_shape, config.hidden, config.code_dim, config.activation, code_activation="sigmoid"
    )
    decoder = dense_decoder(config.code_dim, image_shape, config.hidden, config.activation)
    return SparseAutoencoder(config, image_shape, encoder, decoder)
