"""Stacked autoencoder hyperparameters."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice
from genlab_models.common.configs import DenseAEConfig


@dataclass(frozen=True)
class StackedAEConfig(DenseAEConfig):
    """
    Attributes:
        tied: decoder layers reuse the encoder kernels transposed (half the weights).
    """

    tied: bool = False

    search_space: ClassVar[dict] = {**DenseAEConfig.search_space, "tied": Choice(False, True)}
