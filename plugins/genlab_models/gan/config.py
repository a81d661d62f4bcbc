"""Vanilla GAN hyperparameters."""

from dataclasses import dataclass

from genlab import ModelConfig
from genlab_models.common.configs import check_sizes


@dataclass(frozen=True)
class GANConfig(ModelConfig):
    """
    Attributes:
        lr: generator learning rate (and the discriminator's unless ``d_lr`` is set).
        d_lr: discriminator learning rate; 0 means "same as lr".
        beta_1: Adam's first-moment decay; 0.5 as is usual for GANs.
        latent_dim: size of the generator's input noise.
        hidden: generator hidden layer sizes, input side first; the discriminator uses them
            in reverse.
        dropout: discriminator dropout rate.
        label_smoothing: one-sided smoothing of the discriminator's real labels.
    """

    lr: float = 2e-4
    d_lr: float = 0.0
    beta_1: float = 0.5
    latent_dim: int = 100
    hidden: str = "256,512,1024"
    dropout: float = 0.3
    label_smoothing: float = 0.0

    def __post_init__(self):
        check_sizes("hidden", self.hidden)
