"""Denoising autoencoder hyperparameters: the convolutional autoencoder's plus the noise."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice, ConfigError, Uniform
from genlab_models.common.configs import ConvAEConfig, check_choice

NOISES = ("gaussian", "mask")


@dataclass(frozen=True)
class DenoisingAEConfig(ConvAEConfig):
    """
    Attributes:
        noise: ``gaussian`` (add N(0, noise_std^2), clip to [0, 1]) or ``mask`` (set a random
            ``mask_rate`` fraction of the pixels to 0).
        noise_std: standard deviation of the Gaussian noise, in pixel units.
        mask_rate: fraction of pixels zeroed by masking noise.
    """

    noise: str = "gaussian"
    noise_std: float = 0.3
    mask_rate: float = 0.5

    search_space: ClassVar[dict] = {
        **ConvAEConfig.search_space,
        "noise": Choice(*NOISES),
        "noise_std": Uniform(0.1, 0.6),
        "mask_rate": Uniform(0.1, 0.7),
    }

    def __post_init__(self):
        super().__post_init__()
        check_choice("noise", self.noise, NOISES)
        if not 0.0 <= self.mask_rate < 1.0:
            raise ConfigError(f"--set mask_rate={self.mask_rate}: must be in [0, 1)")
