"""``gan``: the original fully connected GAN."""

from genlab import ModelSpec, hookimpl
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
            aliases=("vanilla-gan", "vanilla_gan", "mlp-gan"),
            default_epochs=20,
        )
    )
