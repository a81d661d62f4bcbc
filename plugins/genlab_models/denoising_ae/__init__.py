"""``denoising_ae``: a convolutional autoencoder trained to undo input corruption."""

from genlab import RECONSTRUCT, SAMPLE, ModelSpec, hookimpl
from genlab_models.denoising_ae.config import DenoisingAEConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="denoising_ae",
            description="Denoising conv autoencoder (Vincent et al. 2008), noise in training only",
            family="autoencoder",
            build="genlab_models.denoising_ae.model:build",
            config=DenoisingAEConfig,
            output_range=(0.0, 1.0),
            capabilities=frozenset({SAMPLE, RECONSTRUCT}),
            aliases=("denoising-ae",),
        )
    )
