"""Convolutional variational autoencoder (Kingma & Welling 2014).

The encoder gives a diagonal Gaussian q(z|x) = N(mean, exp(log_var)); training draws
z = mean + exp(log_var / 2) * eps with eps ~ N(0, I) (the reparameterisation trick) and
minimises recon + beta * KL, where recon = -log p(x|z) under a Bernoulli decoder (binary
cross-entropy summed over pixels, grey levels read as probabilities) and KL = KL(q(z|x) || N(0, I))
in closed form, both in nats per image. Samples decode draws from the prior N(0, I).

The noise comes from a :class:`keras.random.SeedGenerator` whose state is checkpointed, so a
resumed run draws the same eps. Evaluation helpers take their own seed and leave it untouched.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from genlab import GenerativeModel
from genlab_models.common.networks import conv_decoder, conv_encoder, logits_model

_LOG_2PI = math.log(2.0 * math.pi)


def bernoulli_nll(x, logits):
    """-log p(x|z) per image in nats: sigmoid cross-entropy summed over pixels."""
    per_pixel = ops.binary_crossentropy(x, logits, from_logits=True)
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=-1)


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per row in nats."""
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


class VAE(GenerativeModel):
    """Convolutional VAE: ``encode`` gives the posterior mean, ``sample`` decodes prior draws."""

    def __init__(self, config, image_shape):
        super().__init__(config, image_shape, loss_names=("loss", "recon_loss", "kl_loss"))
        self.latent_dim = int(config.latent_dim)
        self.encoder = conv_encoder(
            image_shape, config.filters, self.latent_dim, heads=("mean", "log_var")
        )
        self.decoder = conv_decoder(self.latent_dim, image_shape, config.filters)
        self.decoder_logits = logits_model(self.decoder)  # same weights, no sigmoid
        self.seed_generator = keras.random.SeedGenerator(
            getattr(config, "seed", None), name="noise"
        )
        self.vae_optimizer = keras.optimizers.Adam(config.lr, name="adam")

    def optimizer_pairs(self):
        return [(self.vae_optimizer, self)]

    def networks(self):
        return {"encoder": self.encoder, "decoder": self.decoder}

    def sampling_networks(self):
        return [self.decoder]

    def losses(self, x, training: bool) -> dict:
        """The negative ELBO (with ``beta``) of a batch, one z ~ q(z|x) per image, and its parts."""
        mean, log_var = self.encoder(x, training=training)
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        z = mean + ops.exp(0.5 * log_var) * eps
        recon_loss = ops.mean(bernoulli_nll(x, self.decoder_logits(z, training=training)))
        kl_loss = ops.mean(gaussian_kl(mean, log_var))
        loss = recon_loss + self.config.beta * kl_loss
        return {"loss": loss, "recon_loss": recon_loss, "kl_loss": kl_loss}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        values = self.minimize(
            lambda: self.losses(x, training=True), {"loss": (self, self.vae_optimizer)}
        )
        return self.log(**values)

    def validation_losses(self, x):
        return self.losses(x, training=False)

    def encode(self, x, training=False):
        """The posterior mean, a deterministic code."""
        return self.encoder(x, training=training)[0]

    def encode_distribution(self, x, training=False):
        """``(mean, log_var)`` of the diagonal Gaussian q(z|x)."""
        mean, log_var = self.encoder(x, training=training)
        return mean, log_var

    def generate(self, z, training=False):
        return self.decoder(z, training=training)

    # -- evaluation -------------------------------------------------------------------------
    def elbo_terms(self, x, seed: int = 0, batch_size: int = 500) -> dict[str, np.ndarray]:
        """Per-image ``recon`` (-log p(x|z), one z ~ q(z|x)) and ``kl`` (closed form) in nats.

        ``recon + kl`` is the negative ELBO, an upper bound on -log p(x). ``x`` is in [0, 1].
        """
        x = np.asarray(x, "float32")
        rng = np.random.default_rng(seed)
        recon, kl = [], []
        for start in range(0, len(x), batch_size):
            batch = ops.convert_to_tensor(x[start : start + batch_size])
            mean, log_var = self.encoder(batch, training=False)
            eps = rng.standard_normal(tuple(mean.shape)).astype("float32")
            z = mean + ops.exp(0.5 * log_var) * eps
            recon.append(bernoulli_nll(batch, self.decoder_logits(z, training=False)))
            kl.append(gaussian_kl(mean, log_var))
        return {
            "recon": np.concatenate([np.asarray(r, "float64") for r in recon]),
            "kl": np.concatenate([np.asarray(k, "float64") for k in kl]),
        }

    def log_likelihood_iw(
        self, x, k: int = 64, seed: int = 0, max_decodes: int = 4096
    ) -> np.ndarray:
        """Importance-weighted estimate of log p(x) per image in nats (Burda et al. 2016).

        log mean_k exp(log p(x|z_k) + log p(z_k) - log q(z_k|x)) with z_k ~ q(z|x): a lower
        bound that tightens towards log p(x) as ``k`` grows (k=1 is the ELBO). ``max_decodes``
        caps the images decoded at once (``k`` per input image).
        """
        x = np.asarray(x, "float32")
        rng = np.random.default_rng(seed)
        chunk = max(1, max_decodes // k)
        out = []
        for start in range(0, len(x), chunk):
            batch = ops.convert_to_tensor(x[start : start + chunk])
            n = int(batch.shape[0])
            mean, log_var = (np.asarray(t, "float32") for t in self.encoder(batch, training=False))
            eps = rng.standard_normal((k, n, self.latent_dim)).astype("float32")
            z = mean + np.exp(0.5 * log_var) * eps
            repeated = ops.tile(batch[None], (k, 1, 1, 1, 1))
            repeated = ops.reshape(repeated, (k * n, *self.image_shape))
            logits = self.decoder_logits(ops.reshape(z, (k * n, self.latent_dim)), training=False)
            log_px = np.asarray(-bernoulli_nll(repeated, logits), "float64").reshape(k, n)
            log_pz = -0.5 * np.sum(np.square(z, dtype="float64") + _LOG_2PI, axis=-1)
            log_qz = -0.5 * np.sum(np.square(eps, dtype="float64") + _LOG_2PI + log_var, axis=-1)
            log_w = log_px + log_pz - log_qz
            top = log_w.max(axis=0)
            out.append(top + np.log(np.mean(np.exp(log_w - top), axis=0)))
        return np.concatenate(out) if out else np.zeros((0,), "float64")


def build(config, image_shape):
    return VAE(config, image_shape)
