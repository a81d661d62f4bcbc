"""``diffusion``: a small denoising diffusion model with DDIM sampling, as a genlab plugin.

This module is what the ``genlab`` entry point names. It only registers the model: the spec
points at ``genlab_diffusion.model:build``, so TensorFlow is imported when a model is built.
"""

from genlab import SAMPLE, ModelSpec, hookimpl
from genlab_diffusion.config import DiffusionConfig

__version__ = "0.1.0"

SPEC = ModelSpec(
    name="diffusion",
    description="Denoising diffusion (small U-Net, cosine schedule, DDIM sampling, EMA)",
    family="diffusion",
    build="genlab_diffusion.model:build",
    config=DiffusionConfig,
    output_range=(-1.0, 1.0),
    capabilities=frozenset({SAMPLE}),
    default_epochs=5,
    default_batch_size=64,
    # Samples come from an average of the weights: the last iterate's noise predictions are
    # too noisy for a many-step sampler (keras-io's DDIM example uses 0.999 as well).
    default_ema=0.999,
)


@hookimpl
def register_models(register):
    register(SPEC)
