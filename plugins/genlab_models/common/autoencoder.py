"""The deterministic autoencoder algorithm behind ``stacked_ae``, ``conv_ae``, ``denoising_ae``
and ``sparse_ae``: only their networks and two training hooks differ.

A deterministic autoencoder has no prior to sample from. After training, :meth:`finalize` fits a
Gaussian N(mu, Sigma) (full covariance) to the codes of the training images, and :meth:`sample`
decodes draws from it. Mu and the Cholesky factor of Sigma are non-trainable variables, so they
are saved with the weights in ``model.npz`` and a reloaded model samples the same images.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from genlab import GenerativeModel


class AutoencoderModel(GenerativeModel):
    """An encoder and a decoder trained end to end on pixel MSE with one Adam optimizer.

    Subclasses change training through two hooks, used in :meth:`train_step` only, never in
    :meth:`encode` or :meth:`reconstruct`:

    * :meth:`corrupt` - what the encoder sees instead of the clean batch (denoising; the
      identity by default, from :class:`genlab.GenerativeModel`);
    * :meth:`penalties` - extra loss terms on the code, by name (sparsity).

    The loss is always taken against the clean batch. ``train_step`` reports whichever of
    ``loss``, ``recon_loss``, ``code_mean`` and the penalty names are in ``loss_names``.

    Args:
        config: the model config; ``lr`` is used.
        image_shape: (height, width, channels).
        encoder: images -> codes (``(batch, latent_dim)``).
        decoder: codes -> images in [0, 1].
        loss_names: the values ``train_step`` reports.
    """

    #: Ridge added to the fitted code covariance, relative to its mean variance.
    ridge = 1e-3

    def __init__(self, config, image_shape, encoder, decoder, loss_names=("loss",)):
        super().__init__(config, image_shape, loss_names=loss_names)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(encoder.output.shape[-1])
        self.ae_optimizer = keras.optimizers.Adam(config.lr, name="adam")
        dim = self.latent_dim
        self.latent_mean = keras.Variable(
            np.zeros(dim, "float32"), trainable=False, name="latent_mean"
        )
        self.latent_chol = keras.Variable(
            np.eye(dim, dtype="float32"), trainable=False, name="latent_chol"
        )

    # -- training hooks ---------------------------------------------------------------------
    def penalties(self, code) -> dict:
        """Extra loss terms on a batch of codes, by name; none unless a subclass adds some."""
        return {}

    # -- the engine's contract --------------------------------------------------------------
    def optimizer_pairs(self):
        return [(self.ae_optimizer, self)]

    def networks(self):
        return {"encoder": self.encoder, "decoder": self.decoder}

    def sampling_networks(self):
        return [self.decoder]

    def losses(self, x, training: bool) -> dict:
        """Every loss of a batch; ``loss`` is the one minimised."""
        code = self.encoder(self.corrupt(x), training=training)
        recon = self.decoder(code, training=training)
        recon_loss = ops.mean(ops.square(x - recon))
        extra = self.penalties(code)
        loss = recon_loss + sum(extra.values())
        values = {"loss": loss, "recon_loss": recon_loss, "code_mean": ops.mean(code), **extra}
        return {name: values[name] for name in self.trackers}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        values = self.minimize(
            lambda: self.losses(x, training=True), {"loss": (self, self.ae_optimizer)}
        )
        return self.log(**values)

    def validation_losses(self, x):
        return self.losses(x, training=False)

    def encode(self, x, training=False):
        return self.encoder(x, training=training)

    def generate(self, z, training=False):
        return self.decoder(z, training=training)

    # -- sampling ---------------------------------------------------------------------------
    def finalize(self, images: np.ndarray) -> None:
        """Fit N(mu, Sigma) to the codes of ``images`` (training images, in [0, 1])."""
        codes = self.predict_batches(self.encode, np.asarray(images, "float32")).astype("float64")
        if len(codes) < 2:
            return
        cov = np.atleast_2d(np.cov(codes, rowvar=False))
        cov += np.eye(self.latent_dim) * (self.ridge * np.trace(cov) / self.latent_dim + 1e-8)
        self.latent_mean.assign(codes.mean(axis=0).astype("float32"))
        self.latent_chol.assign(np.linalg.cholesky(cov).astype("float32"))

    def sample_latents(self, n: int, seed: int = 0) -> np.ndarray:
        """Draws from the Gaussian fitted by :meth:`finalize` (N(0, I) before it has run)."""
        eps = np.random.default_rng(seed).standard_normal((n, self.latent_dim))
        mean = np.asarray(self.latent_mean.numpy(), "float64")
        chol = np.asarray(self.latent_chol.numpy(), "float64")
        return (mean + eps @ chol.T).astype("float32")
