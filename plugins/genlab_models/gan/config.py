"""Vanilla GAN hyperparameters: the shared adversarial ones plus the MLP sizes."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice
from genlab_models.common.configs import AdversarialConfig, check_sizes


@dataclass(frozen=True)
class GANConfig(AdversarialConfig):
    """
    Attributes:
        hidden: generator hidden layer sizes, input side first; the discriminator uses them
            in reverse.
    """

    hidden: str = "256,512,1024"

    search_space: ClassVar[dict] = {
        **AdversarialConfig.search_space,
        "hidden": Choice("128,256,512", "256,512,1024"),
    }

    def __post_init__(self):
        check_sizes("hidden", self.hidden)
