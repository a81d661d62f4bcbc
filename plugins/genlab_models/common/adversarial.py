"""The GAN algorithm shared by ``gan`` and ``dcgan``: only their networks differ.

Non-saturating binary cross-entropy on logits (Goodfellow et al. 2014, section 3). With
``alternating=False`` both networks update from one forward pass, as in the TensorFlow DCGAN
tutorial; with ``alternating=True`` the discriminator steps first and the generator then steps
against the updated discriminator on fresh noise.
"""

from __future__ import annotations

import keras
from keras import ops

from genlab import GenerativeModel


def _bce(labels, logits):
    return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))


class AdversarialModel(GenerativeModel):
    """A generator and a discriminator, each with its own Adam optimizer."""

    def __init__(self, config, image_shape, generator, discriminator, alternating=False):
        super().__init__(config, image_shape, loss_names=("d_loss", "g_loss", "d_real_acc"))
        self.latent_dim = int(config.latent_dim)
        self.generator = generator
        self.discriminator = discriminator
        self.alternating = alternating
        self.seed_generator = keras.random.SeedGenerator(getattr(config, "seed", None))
        d_lr = config.d_lr if getattr(config, "d_lr", None) else config.lr
        self.g_optimizer = keras.optimizers.Adam(config.lr, beta_1=config.beta_1, name="g_adam")
        self.d_optimizer = keras.optimizers.Adam(d_lr, beta_1=config.beta_1, name="d_adam")

    def optimizer_pairs(self):
        return [(self.g_optimizer, self.generator), (self.d_optimizer, self.discriminator)]

    def networks(self):
        return {"generator": self.generator, "discriminator": self.discriminator}

    def sampling_networks(self):
        return [self.generator]

    def generate(self, z, training=False):
        return self.generator(z, training=training)

    def _noise(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def _d_loss(self, real_logits, fake_logits):
        smooth = float(getattr(self.config, "label_smoothing", 0.0))
        real_loss = _bce(ops.full(ops.shape(real_logits), 1.0 - smooth), real_logits)
        return real_loss + _bce(ops.zeros_like(fake_logits), fake_logits)

    def _gan_losses(self, real, n, d=True, g=True) -> dict:
        """One forward pass: the discriminator's loss on real and fake, the generator's on fake."""
        fake = self.generator(self._noise(n), training=True)
        out = {}
        if d:
            real_logits = self.discriminator(real, training=True)
            out["d_real_acc"] = ops.mean(ops.cast(real_logits > 0, "float32"))
        fake_logits = self.discriminator(fake, training=True)
        if d:
            out["d_loss"] = self._d_loss(real_logits, fake_logits)
        if g:
            out["g_loss"] = _bce(ops.ones_like(fake_logits), fake_logits)
        return out

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        n = ops.shape(real)[0]
        d_target = {"d_loss": (self.discriminator, self.d_optimizer)}
        g_target = {"g_loss": (self.generator, self.g_optimizer)}
        if self.alternating:
            d = self.minimize(lambda: self._gan_losses(real, n, g=False), d_target)
            g = self.minimize(lambda: self._gan_losses(real, n, d=False), g_target)
            losses = {**d, **g}
        else:
            losses = self.minimize(lambda: self._gan_losses(real, n), {**g_target, **d_target})
        return self.log(**losses)
