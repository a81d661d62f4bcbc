"""VAE hyperparameters."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice, LogUniform, ModelConfig
from genlab_models.common.configs import check_positive, check_sizes


@dataclass(frozen=True)
class VAEConfig(ModelConfig):
    """
    Attributes:
        lr: Adam learning rate.
        filters: widths of the strided encoder convolutions; the decoder mirrors them.
        latent_dim: size of z.
        beta: weight of the KL term (1 is the ELBO; above 1 a beta-VAE, Higgins et al. 2017).
    """

    lr: float = 1e-3
    filters: str = "16,32"
    latent_dim: int = 16
    beta: float = 1.0

    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-4, 1e-2),
        "filters": Choice("16,32", "32,64"),
        "latent_dim": Choice(8, 16, 32, 64),
        "beta": LogUniform(0.25, 4.0),
    }

    def __post_init__(self):
        check_sizes("filters", self.filters)
        check_positive("latent_dim", self.latent_dim)
