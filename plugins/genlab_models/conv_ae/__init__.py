"""``conv_ae``: a convolutional autoencoder (strided convolutions down, transposed up)."""

from genlab import RECONSTRUCT, SAMPLE, ModelSpec, hookimpl
from genlab_models.common.configs import ConvAEConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="conv_ae",
            description="Convolutional autoencoder (strided Conv2D down, Conv2DTranspose up)",
            family="autoencoder",
            build="genlab_models.conv_ae.model:build",
            config=ConvAEConfig,
            output_range=(0.0, 1.0),
            capabilities=frozenset({SAMPLE, RECONSTRUCT}),
            aliases=("conv-ae",),
        )
    )
