"""``gan``: the original fully connected GAN."""

from genlab import SAMPLE, ModelSpec, hookimpl
from genlab_models.gan.config import GANConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="gan",
            description="Vanilla MLP GAN (Goodfellow et al. 2014), alternating D/G updates",
            family="gan",
            build="genlab_models.gan.model:build",
            config=GANConfig,
            output_range=(-1.0, 1.0),
            capabilities=frozenset({SAMPLE}),
            aliases=("vanilla-gan", "vanilla_gan", "mlp-gan"),
            default_epochs=20,
            default_batch_size=128,
        )
    )
