"""``dcgan``: deep convolutional GAN, the TensorFlow tutorial's recipe."""

from genlab import SAMPLE, ModelSpec, hookimpl
from genlab_models.dcgan.config import DCGANConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="dcgan",
            description="Deep convolutional GAN (Radford et al. 2016), TensorFlow tutorial layout",
            family="gan",
            build="genlab_models.dcgan.model:build",
            config=DCGANConfig,
            output_range=(-1.0, 1.0),
            capabilities=frozenset({SAMPLE}),
            default_epochs=3,
            default_batch_size=128,
        )
    )
