"""Stacked autoencoder hyperparameters."""

from dataclasses import dataclass

from genlab_models.common.configs import DenseAEConfig


@dataclass(frozen=True)
class StackedAEConfig(DenseAEConfig):
    """
    Attributes:
        tied: decoder layers reuse the encoder kernels transposed (half the weights).
    """

    tied: bool = False
