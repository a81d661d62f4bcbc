"""Vanilla GAN hyperparameters: the shared adversarial ones plus the MLP sizes."""

from dataclasses import dataclass

from genlab_models.common.configs import AdversarialConfig, check_sizes


@dataclass(frozen=True)
class GANConfig(AdversarialConfig):
    """
    Attributes:
        hidden: generator hidden layer sizes, input side first; the discriminator uses them
            in reverse.
    """

    hidden: str = "256,512,1024"

    def __post_init__(self):
        check_sizes("hidden", self.hidden)
