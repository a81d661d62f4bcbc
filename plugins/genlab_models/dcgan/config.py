"""DCGAN hyperparameters (defaults: the TensorFlow DCGAN tutorial with Adam(2e-4, beta_1=0.5))."""

from dataclasses import dataclass

from genlab_models.common.configs import AdversarialConfig


@dataclass(frozen=True)
class DCGANConfig(AdversarialConfig):
    """
    Attributes:
        width: filters of the last generator block / first discriminator block; the other blocks
            have 2x and 4x as many.
    """

    width: int = 64
