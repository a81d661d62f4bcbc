"""The validation split: training images held out so that over-fitting shows.

A run with ``--val-fraction f`` holds out ``round(f * N)`` of its ``N`` training images (after
``--limit``), chosen by a permutation seeded with the run's ``--seed``; it trains on the others,
in their original order. Models whose losses mean something on held-out images report them on
the split every epoch (``val_<loss>``, see :meth:`genlab.model.GenerativeModel.validation_losses`).
The test split is never touched: it stays for the final metrics.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from genlab.errors import ConfigError
from genlab.specs import RECONSTRUCT

#: ``--val-fraction`` of models that reconstruct (autoencoders, VAEs); 0 for the others.
DEFAULT_FRACTION = 0.1
#: Largest ``--val-fraction`` accepted.
MAX_FRACTION = 0.5


def check_fraction(value) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"--val-fraction must be a number, got {value!r}")
    if not 0 <= value <= MAX_FRACTION:
        raise ConfigError(
            f"--val-fraction must be between 0 and {MAX_FRACTION} (0 disables the split), "
            f"got {value}"
        )


def resolve_fraction(requested: float | None, spec) -> float:
    """The fraction a run holds out: as requested, else the default for the model's kind.

    Only models that reconstruct have losses that mean something on held-out images; holding
    images out of a GAN's training would cost data for nothing.
    """
    if requested is not None:
        return float(requested)
    return DEFAULT_FRACTION if RECONSTRUCT in spec.capabilities else 0.0


def validation_count(train_images: int, fraction: float) -> int:
    return int(round(train_images * fraction))


def split(splits, fraction: float, seed: int):
    """``(splits without the validation images, validation images)``; labels follow."""
    n = len(splits.train_images)
    count = validation_count(n, fraction)
    if not count:
        return splits, splits.train_images[:0]
    if count >= n:
        raise ConfigError(
            f"--val-fraction {fraction} leaves no training images out of {n}; lower it"
        )
    held = np.zeros(n, bool)
    held[np.random.default_rng(seed).permutation(n)[:count]] = True
    labels = splits.train_labels
    kept = dataclasses.replace(
        splits,
        train_images=splits.train_images[~held],
        train_labels=None if labels is None else labels[~held],
    )
    return kept, splits.train_images[held]


# -- the search's held-out sample -------------------------------------------------------------
#: At most this many images held out for a search (the size of Fashion-MNIST's test split).
MAX_HOLDOUT = 10_000
#: A smaller dataset holds out this fraction of its training images instead.
HOLDOUT_FRACTION = 1 / 6


def holdout_size(train_images: int) -> int:
    """Images at the end of the training split that a search scores its trials on
    (:mod:`genlab.search.holdout`); no trial trains on them."""
    return min(MAX_HOLDOUT, int(train_images * HOLDOUT_FRACTION))
