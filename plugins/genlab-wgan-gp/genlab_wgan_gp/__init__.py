"""``wgan_gp``: Wasserstein GAN with gradient penalty (Gulrajani et al. 2017) as a genlab plugin.

This module is what the ``genlab`` entry point names. It only registers the model: the spec
points at ``genlab_wgan_gp.model:build``, so TensorFlow is imported when a model is built, not
when ``genlab list`` reads the registry.
"""

from genlab import SAMPLE, ModelSpec, hookimpl
from genlab_wgan_gp.config import WGANGPConfig

__version__ = "0.1.0"

SPEC = ModelSpec(
    name="wgan_gp",
    description="Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), no-BN critic",
    family="gan",
    build="genlab_wgan_gp.model:build",
    config=WGANGPConfig,
    output_range=(-1.0, 1.0),
    capabilities=frozenset({SAMPLE}),
    default_epochs=10,
    # one step = n_critic (5) critic minibatches of 64, as in the paper, then a generator step
    default_batch_size=320,
)


@hookimpl
def register_models(register):
    register(SPEC)
