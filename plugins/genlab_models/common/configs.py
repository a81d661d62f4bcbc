"""Hyperparameters shared by model families; each model's config subclasses one.

TensorFlow-free: plugin modules import these when they register, and ``genlab list`` must stay
cheap. Layer sizes are strings (``"300,150"``) so ``--set hidden=300,150`` works on the
command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice, ConfigError, LogUniform, ModelConfig, Uniform


def check_sizes(name: str, value) -> None:
    """Reject layer-size strings that are not comma-separated positive integers."""
    parts = str(value).replace(" ", "").split(",")
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ConfigError(f"--set {name}={value!r}: expected positive integers like 300,150")


def check_positive(name: str, value) -> None:
    if value < 1:
        raise ConfigError(f"--set {name}={value}: must be at least 1")


def check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ConfigError(f"--set {name}={value!r}: choose one of {', '.join(choices)}")


@dataclass(frozen=True)
class DenseAEConfig(ModelConfig):
    """
    Attributes:
        lr: Adam learning rate.
        hidden: encoder hidden layer sizes, outermost first; the decoder mirrors them.
        code_dim: size of the code (the bottleneck).
        activation: activation of the hidden layers (SELU gets LeCun-normal weights).
    """

    lr: float = 1e-3
    hidden: str = "300,150"
    code_dim: int = 30
    activation: str = "selu"

    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-4, 1e-2),
        "hidden": Choice("300,150", "500,250", "1000,500"),
        "code_dim": Choice(16, 30, 64),
    }

    def __post_init__(self):
        check_sizes("hidden", self.hidden)
        check_positive("code_dim", self.code_dim)


@dataclass(frozen=True)
class ConvAEConfig(ModelConfig):
    """
    Attributes:
        lr: Adam learning rate.
        filters: widths of the strided encoder convolutions (each halves the image sides); the
            decoder's transposed convolutions mirror them.
        code_dim: size of the code (the bottleneck).
    """

    lr: float = 1e-3
    filters: str = "16,32"
    code_dim: int = 32

    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-4, 1e-2),
        "filters": Choice("8,16", "16,32", "32,64"),
        "code_dim": Choice(16, 32, 64),
    }

    def __post_init__(self):
        check_sizes("filters", self.filters)
        check_positive("code_dim", self.code_dim)


@dataclass(frozen=True)
class AdversarialConfig(ModelConfig):
    """
    Attributes:
        lr: generator learning rate (and the discriminator's unless ``d_lr`` is set).
        d_lr: discriminator learning rate; 0 means "same as lr".
        beta_1: Adam's first-moment decay; 0.5 as in Radford et al. 2016.
        latent_dim: size of the generator's input noise.
        dropout: discriminator dropout rate.
        label_smoothing: one-sided smoothing of the discriminator's real labels.
    """

    lr: float = 2e-4
    d_lr: float = 0.0
    beta_1: float = 0.5
    latent_dim: int = 100
    dropout: float = 0.3
    label_smoothing: float = 0.0

    #: The ranges of Lucic et al. 2018 (learning rate, beta_1), plus noise size and dropout.
    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-5, 1e-2),
        "beta_1": Uniform(0.0, 0.9),
        "latent_dim": Choice(64, 100, 128),
        "dropout": Uniform(0.0, 0.5),
    }
