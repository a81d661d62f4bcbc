"""Diffusion hyperparameters: the U-Net's size, the schedule's ends and the sampler's steps."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice, ConfigError, IntRange, LogUniform, ModelConfig


@dataclass(frozen=True)
class DiffusionConfig(ModelConfig):
    """
    Attributes:
        lr: AdamW learning rate.
        weight_decay: AdamW weight decay (keras-io uses 1e-4).
        width: filters at full resolution; each lower resolution has ``width`` more.
        levels: resolutions of the U-Net (2: 28x28 and 14x14).
        block_depth: residual blocks per resolution, on the way down and on the way up.
        embedding_dims: size of the sinusoidal embedding of the noise level.
        sampling_steps: DDIM steps (network evaluations) per sample.
        min_signal_rate: signal rate at diffusion time 1 (the noisiest images).
        max_signal_rate: signal rate at diffusion time 0 (the cleanest images).
    """

    lr: float = 1e-3
    weight_decay: float = 1e-4
    width: int = 32
    levels: int = 2
    block_depth: int = 2
    embedding_dims: int = 32
    sampling_steps: int = 20
    min_signal_rate: float = 0.02
    max_signal_rate: float = 0.95

    #: Searched by ``genlab tune``; ``sampling_steps`` is left out: it trades quality for
    #: sampling cost, which a search on FID alone would always spend.
    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-4, 3e-3),
        "weight_decay": LogUniform(1e-5, 1e-3),
        "width": Choice(16, 32, 48),
        "block_depth": IntRange(1, 2),
    }

    def __post_init__(self):
        for name in ("width", "levels", "block_depth", "embedding_dims", "sampling_steps"):
            if getattr(self, name) < 1:
                raise ConfigError(f"--set {name}={getattr(self, name)}: must be at least 1")
        if self.embedding_dims % 2:
            raise ConfigError(f"--set embedding_dims={self.embedding_dims}: must be even")
        if not 0.0 < self.min_signal_rate < self.max_signal_rate < 1.0:
            raise ConfigError(
                "--set min_signal_rate/max_signal_rate: need 0 < min < max < 1, got "
                f"{self.min_signal_rate} and {self.max_signal_rate}"
            )
