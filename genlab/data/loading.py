"""Turn a ``--dataset`` argument (a registered name or a folder of images) into arrays."""

from __future__ import annotations

import dataclasses
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
        splits = first_train_images(splits, limit)
    return LoadedData(name=name, splits=splits, image_shape=shape)


def first_train_images(splits, limit: int):
    """``splits`` with only the first ``limit`` training images (what ``--limit`` trains on)."""
    labels = splits.train_labels
    return dataclasses.replace(
        splits,
        train_images=splits.train_images[:limit],
        train_labels=None if labels is None else labels[:limit],
    )


def reload_run_data(config: dict, data_dir: str | None = None):
    """``(data, full_splits)`` of a finished run from its ``config.json`` values: the images it
    trained on (``limit`` applied) and the whole dataset (for the real-data floors).

    The data directory is ``data_dir`` when given; otherwise the one the run was given, the
    default search, then the directory its data was read from (``data_source``).
    """
    import contextlib

    from genlab.errors import DataError

    dataset = config["dataset"]
    shape = tuple(config["image_shape"]) if is_folder_argument(dataset) else None
    if data_dir:
        candidates = [str(data_dir)]
    else:
        source = config.get("data_source") or None
        source = source if source and Path(source).is_dir() else None
        candidates = list(dict.fromkeys((config.get("data_dir"), None, source)))
    error = None
    for candidate in candidates:
        try:
            with contextlib.redirect_stdout(sys.stderr):  # only the JSON may reach stdout
                data = load(dataset, candidate, image_shape=shape)
            break
        except DataError as exc:
            error = exc
    else:
        raise error
    full = data.splits
    trained = first_train_images(full, config["limit"]) if config.get("limit") else full
    if config.get("val_fraction"):
        from genlab.data.split import split

        trained, _ = split(trained, config["val_fraction"], config.get("seed", 0))
    if trained is not full:
        data = LoadedData(name=data.name, splits=trained, image_shape=data.image_shape)
    return data, full


def holdout_images(dataset: str, data_dir: str | None):
    """A search's held-out images of ``dataset``: the last
    :func:`~genlab.data.split.holdout_size` training images (no trial trains on them)."""
    from genlab.data.split import holdout_size

    train = load(dataset, data_dir).splits.train_images
    return train[len(train) - holdout_size(len(train)) :]
