"""``stacked_ae``: a fully connected symmetric autoencoder, optionally with tied weights."""

from genlab import RECONSTRUCT, SAMPLE, ModelSpec, hookimpl
from genlab_models.stacked_ae.config import StackedAEConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="stacked_ae",
            description="Stacked dense autoencoder (784-300-150-30), optionally tied weights",
            family="autoencoder",
            build="genlab_models.stacked_ae.model:build",
            config=StackedAEConfig,
            output_range=(0.0, 1.0),
            capabilities=frozenset({SAMPLE, RECONSTRUCT}),
            aliases=("stacked-ae",),
        )
    )
