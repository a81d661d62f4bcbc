"""A tiny two-network model with switchable defects, for the tests of genlab.testing's checks.

Importable by name (``tests.contract_models:build``) so a check can rebuild it in a fresh process.
"""

from __future__ import annotations

from dataclasses import dataclass

from genlab import ModelConfig, ModelSpec

DEFECTS = (
    "none",
    "frozen_discriminator",
    "unseeded_noise",
    "bfloat16_output",
    "no_sampling_networks",
    "wrong_sampling_networks",
)


@dataclass(frozen=True)
class ProbeConfig(ModelConfig):
    defect: str = "none"
    latent_dim: int = 4


#: Not registered: the tests hand it to ModelUnderTest, with ``overrides={"defect": ...}``.
SPEC = ModelSpec(
    name="contract_probe",
    description="two dense networks",
    family="gan",
    build="tests.contract_models:build",
    config=ProbeConfig,
)


def build(config, image_shape):
    import keras
    import numpy as np

    from genlab import GenerativeModel

    pixels = int(np.prod(image_shape))
    out_dtype = None if config.defect == "bfloat16_output" else "float32"

    class Probe(GenerativeModel):
        def __init__(self):
            super().__init__(config, image_shape, loss_names=("d_loss", "g_loss"))
            self.latent_dim = config.latent_dim
            self.generator = keras.Sequential(
                [
                    keras.Input((config.latent_dim,)),
                    keras.layers.Dense(pixels, activation="tanh", dtype=out_dtype),
                    keras.layers.Reshape(image_shape, dtype=out_dtype),
                ]
            )
            self.discriminator = keras.Sequential(
                [keras.Input(image_shape), keras.layers.Flatten(), keras.layers.Dense(1)]
            )
            self.seed_generator = keras.random.SeedGenerator(None)
            self.g_opt = keras.optimizers.Adam(1e-2)
            self.d_opt = keras.optimizers.Adam(1e-2)

        def optimizer_pairs(self):
            return [(self.g_opt, self.generator), (self.d_opt, self.discriminator)]

        def networks(self):
            return {"generator": self.generator, "discriminator": self.discriminator}

        def sampling_networks(self):
            if config.defect == "no_sampling_networks":
                return []
            if config.defect == "wrong_sampling_networks":
                return [self.discriminator]
            return [self.generator]

        def generate(self, z, training=False):
            return self.generator(z, training=training)

        def _noise(self, n):
            if config.defect == "unseeded_noise":  # fixed at trace time, differs per process
                rng = np.random.default_rng()
                noise = rng.standard_normal((n, self.latent_dim)).astype("float32")
                return keras.ops.convert_to_tensor(noise)
            return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

        def train_step(self, data):
            real = data[0] if isinstance(data, tuple) else data
            n = 8  # ModelUnderTest's batch size
            ops = keras.ops

            def losses():
                fake = self.generator(self._noise(n), training=True)
                fake_logits = self.discriminator(fake, training=True)
                real_logits = self.discriminator(real, training=True)
                return {
                    "g_loss": -ops.mean(fake_logits),
                    "d_loss": ops.mean(fake_logits) - ops.mean(real_logits),
                }

            targets = {"g_loss": (self.generator, self.g_opt)}
            if config.defect != "frozen_discriminator":
                targets["d_loss"] = (self.discriminator, self.d_opt)
            values = self.minimize(losses, targets)
            d_loss, g_loss = values["d_loss"], values["g_loss"]
            return self.log(d_loss=d_loss, g_loss=g_loss)

    return Probe()
