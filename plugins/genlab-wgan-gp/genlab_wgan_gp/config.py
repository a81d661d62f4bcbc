"""WGAN-GP hyperparameters; the defaults are the paper's (Gulrajani et al. 2017, Algorithm 1)."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice, ConfigError, IntRange, LogUniform, ModelConfig, Uniform


@dataclass(frozen=True)
class WGANGPConfig(ModelConfig):
    """
    Attributes:
        lr: Adam learning rate of both networks (1e-4 in the paper).
        beta_1: Adam's first-moment decay. Algorithm 1 uses 0.0; the authors' MNIST script and
            many reimplementations use 0.5. Momentum fights the alternating min-max updates.
        beta_2: Adam's second-moment decay (0.9 in the paper, not Keras' 0.999).
        n_critic: critic steps per generator step, each on a fresh real minibatch: a training
            batch of B images is n_critic critic minibatches of B // n_critic images.
        gp_weight: lambda, the weight of the gradient penalty (10 in the paper).
        latent_dim: size of the generator's input noise.
        width: filters of the critic's first convolution; later blocks have 2x and 4x.
    """

    lr: float = 1e-4
    beta_1: float = 0.0
    beta_2: float = 0.9
    n_critic: int = 5
    gp_weight: float = 10.0
    latent_dim: int = 128
    width: int = 64

    #: Searched by ``genlab tune``: Lucic et al. 2018's ranges for lr, beta_1, beta_2, n_critic
    #: and lambda.
    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-5, 1e-2),
        "beta_1": Uniform(0.0, 0.9),
        "beta_2": Choice(0.9, 0.999),
        "n_critic": IntRange(1, 5),
        "gp_weight": LogUniform(0.1, 100.0),
        "width": Choice(32, 64),
    }

    def __post_init__(self):
        if self.n_critic < 1:
            raise ConfigError(f"--set n_critic={self.n_critic}: must be at least 1")
