"""DCGAN hyperparameters: the shared adversarial ones plus the network's width and upsampling."""

from dataclasses import dataclass
from typing import ClassVar

from genlab import Choice
from genlab_models.common.configs import AdversarialConfig, check_choice

UPSAMPLING = ("transpose", "resize")


@dataclass(frozen=True)
class DCGANConfig(AdversarialConfig):
    """
    Attributes:
        width: filters of the last generator block / first discriminator block; the other blocks
            have 2x and 4x as many.
        upsample: how the generator doubles the image sides: ``transpose`` (stride-2 5x5
            transposed convolutions, the tutorial's layout) or ``resize`` (nearest-neighbour
            resize then a 5x5 convolution, Odena et al. 2016, "Deconvolution and Checkerboard
            Artifacts").
    """

    width: int = 64
    upsample: str = "transpose"

    search_space: ClassVar[dict] = {
        **AdversarialConfig.search_space,
        "width": Choice(32, 64),
        "upsample": Choice(*UPSAMPLING),
    }

    def __post_init__(self):
        check_choice("upsample", self.upsample, UPSAMPLING)
