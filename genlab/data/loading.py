"""Turn a ``--dataset`` argument (a registered name or a folder of images) into arrays."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import ConfigError
from genlab.registry import get_dataset
from genlab.specs import resolve

DEFAULT_FOLDER_SHAPE = (28, 28, 1)


@dataclass
class LoadedData:
    name: str
    splits: object  # genlab.data.arrays.ArraySplits
    image_shape: tuple[int, int, int]


def is_folder_argument(dataset: str) -> bool:
    return any(sep in dataset for sep in ("/", "\\")) or Path(dataset).is_dir()


def parse_image_shape(text: str | None) -> tuple[int, int, int] | None:
    """``"32x32x3"`` -> (32, 32, 3)."""
    if not text:
        return None
    try:
        dims = tuple(int(p) for p in text.lower().split("x"))
    except ValueError:
        dims = ()
    if len(dims) != 3 or min(dims) < 1 or dims[2] not in (1, 3):
        raise ConfigError(f"--image-shape must look like 28x28x1 or 32x32x3, got {text!r}")
    return dims


def load(dataset: str, data_dir: str | None = None, image_shape=None, limit=None) -> LoadedData:
    """Load a registered dataset or an image folder; ``limit`` keeps the first N train images."""
    if is_folder_argument(dataset):
        from genlab.data.folder import load_image_folder

        shape = tuple(image_shape or DEFAULT_FOLDER_SHAPE)
        splits, skipped = load_image_folder(dataset, shape)
        for file, reason in skipped:
            print(f"warning: skipped {file}: {reason}", file=sys.stderr)
        name = str(Path(dataset).resolve())
    else:
        spec = get_dataset(dataset)
        splits = resolve(spec.load)(data_dir)
        name = spec.name
        shape = tuple(splits.train_images.shape[1:])
        if image_shape and tuple(image_shape) != shape:
            raise ConfigError(
                f"dataset {name!r} has images of shape {shape}; --image-shape applies to "
                "image folders only"
            )
    if limit is not None:
        splits = splits.head(limit) if hasattr(splits, "head") else _head(splits, limit)
    return LoadedData(name=name, splits=splits, image_shape=shape)


def _head(splits, limit: int):
    import dataclasses

    labels = splits.train_labels
    return dataclasses.replace(
        splits,
        train_images=splits.train_images[:limit],
        train_labels=None if labels is None else labels[:limit],
    )
