"""Convolutional autoencoder hyperparameters."""

from dataclasses import dataclass

from genlab_models.common import configs


@dataclass(frozen=True)
class ConvAEConfig(configs.ConvAEConfig):
    """The shared convolutional autoencoder fields (filters, code_dim, lr), unchanged."""
