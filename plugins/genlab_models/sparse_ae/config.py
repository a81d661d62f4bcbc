"""Sparse autoencoder hyperparameters: the stacked autoencoder's plus the penalty."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice, ConfigError, LogUniform, Uniform
from genlab_models.common.configs import DenseAEConfig, check_choice

PENALTIES = ("kl", "l1")


@dataclass(frozen=True)
class SparseAEConfig(DenseAEConfig):
    """
    Attributes:
        hidden: encoder hidden layer sizes (one layer by default).
        code_dim: size of the sigmoid code; wider than a plain bottleneck, since sparsity
            rather than size limits what it carries.
        penalty: ``kl`` (KL divergence of each code unit's mean activation from ``target``) or
            ``l1`` (mean absolute activation).
        sparsity_weight: weight of the penalty against the per-pixel reconstruction MSE.
        target: the activation rate the KL penalty pulls each code unit to (rho).
    """

    hidden: str = "300"
    code_dim: int = 100
    penalty: str = "kl"
    sparsity_weight: float = 0.05
    target: float = 0.1

    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-4, 1e-2),
        "hidden": Choice("300", "500", "1000"),
        "code_dim": Choice(64, 100, 200),
        "penalty": Choice(*PENALTIES),
        "sparsity_weight": LogUniform(1e-3, 1.0),
        "target": Uniform(0.02, 0.2),
    }

    def __post_init__(self):
        super().__post_init__()
        check_choice("penalty", self.penalty, PENALTIES)
        if not 0.0 < self.target < 1.0:
            raise ConfigError(f"--set target={self.target}: must be in (0, 1)")
