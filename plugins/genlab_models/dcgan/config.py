"""DCGAN hyperparameters (defaults: the TensorFlow DCGAN tutorial with Adam(2e-4, beta_1=0.5))."""

from dataclasses import dataclass

from genlab import ModelConfig


@dataclass(frozen=True)
class DCGANConfig(ModelConfig):
    """
    Attributes:
        lr: generator learning rate (and the discriminator's unless ``d_lr`` is set).
        d_lr: discriminator learning rate; 0 means "same as lr".
        beta_1: Adam's first-moment decay; 0.5 as in Radford et al. 2016.
        latent_dim: size of the generator's input noise.
        width: filters of the last generator block / first discriminator block; the other blocks
            have 2x and 4x as many.
        dropout: discriminator dropout rate.
        label_smoothing: one-sided smoothing of the discriminator's real labels.
    """

    lr: float = 2e-4
    d_lr: float = 0.0
    beta_1: float = 0.5
    latent_dim: int = 100
    width: int = 64
    dropout: float = 0.3
    label_smoothing: float = 0.0
