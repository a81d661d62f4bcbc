"""In-memory datasets: images and labels as numpy arrays, split into train and test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ArraySplits:
    """A dataset loaded into memory.

    Attributes:
        train_images: ``uint8`` array shaped ``(N, height, width, channels)``.
        train_labels: integer class indices shaped ``(N,)``, or None for unlabeled data.
        test_images: ``uint8`` array shaped ``(M, height, width, channels)``; M may be 0.
        test_labels: integer class indices shaped ``(M,)``, or None for unlabeled data.
        class_names: one name per class index; empty for unlabeled data.
        source: where the data was read from, recorded in the run config.
    """

    train_images: np.ndarray
    train_labels: np.ndarray | None
    test_images: np.ndarray
    test_labels: np.ndarray | None
    class_names: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("train_images", "test_images"):
            images = getattr(self, name)
            if images.dtype != np.uint8 or images.ndim != 4:
                raise ValueError(
                    f"{name} must be a uint8 array shaped (N, height, width, channels), "
                    f"got {images.dtype} {images.shape}"
                )
        if self.train_images.shape[1:] != self.test_images.shape[1:]:
            raise ValueError(
                f"train and test images differ in shape: {self.train_images.shape[1:]} vs "
                f"{self.test_images.shape[1:]}"
            )
        for images, labels, split in (
            (self.train_images, self.train_labels, "train"),
            (self.test_images, self.test_labels, "test"),
        ):
            if labels is not None and labels.shape != (len(images),):
                raise ValueError(
                    f"{split} labels shaped {labels.shape} do not match {len(images)} images"
                )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of every image."""
        return tuple(int(d) for d in self.train_images.shape[1:])

    @property
    def labeled(self) -> bool:
        """Whether the dataset has class labels."""
        return self.train_labels is not None

    @property
    def num_classes(self) -> int:
        """Number of classes; 0 for unlabeled data."""
        return len(self.class_names)
