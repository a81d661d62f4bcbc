"""``vae``: a convolutional variational autoencoder."""

from genlab import LIKELIHOOD, RECONSTRUCT, SAMPLE, ModelSpec, hookimpl
from genlab_models.vae.config import VAEConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="vae",
            description="Convolutional VAE (Kingma & Welling 2014), Bernoulli decoder, beta*KL",
            family="vae",
            build="genlab_models.vae.model:build",
            config=VAEConfig,
            output_range=(0.0, 1.0),
            capabilities=frozenset({SAMPLE, RECONSTRUCT, LIKELIHOOD}),
            aliases=("conv-vae", "conv_vae"),
        )
    )
