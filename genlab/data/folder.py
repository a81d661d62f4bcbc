"""A folder of PNG/JPEG images as a dataset.

Images are found recursively. When every image sits inside a subfolder, the names of the
immediate subfolders are the classes (``DIR/cat/1.png`` has class ``cat``); otherwise the data is
unlabeled. Every image is converted to grayscale or RGB and resized (stretched) to the requested
shape. Transparent pixels become black. Files that cannot be decoded are skipped and reported.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from genlab.data.arrays import ArraySplits
from genlab.errors import ConfigError, DataError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})

_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


def load_image_folder(
    path: str | os.PathLike[str],
    image_shape: tuple[int, int, int] = (28, 28, 1),
    *,
    test_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[ArraySplits, list[tuple[str, str]]]:
    """Loads every PNG/JPEG image under a folder and splits off a test set.

    Args:
        path: the folder.
        image_shape: ``(height, width, channels)`` to convert to; channels is 1 or 3.
        test_fraction: share of the images held out for testing; with two or more images at
            least one is held out.
        seed: seed of the deterministic train/test split.

    Returns:
        ``(splits, skipped)``: the images, and ``(file, reason)`` for each file that could not be
        read.

    Raises:
        ConfigError: ``image_shape`` or ``test_fraction`` is invalid.
        DataError: ``path`` is not a folder, or holds no readable image.
    """
    height, width, channels = _check_shape(image_shape)
    if not 0.0 <= test_fraction < 1.0:
        raise ConfigError(f"test fraction must be at least 0 and below 1, got {test_fraction}")
    root = Path(path).expanduser()
    if not root.exists():
        raise DataError(f"{root} does not exist. Fix: pass a folder of PNG/JPEG images")
    if not root.is_dir():
        raise DataError(f"{root} is not a directory. Fix: pass a folder of PNG/JPEG images")

    files = sorted(
        (p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    images, kept, skipped = [], [], []
    for file in files:
        try:
            images.append(_read_image(file, (width, height), channels))
        except Exception as exc:  # Pillow raises many types on malformed files
            skipped.append((str(file), _reason(exc)))
        else:
            kept.append(file)
    if not images:
        raise DataError(
            f"no readable PNG/JPEG images in {root} ({len(skipped)} files skipped). "
            f"Fix: pass a folder holding .png, .jpg or .jpeg images"
        )

    data = np.stack(images)
    labels, class_names = _folder_labels(root, kept)
    test = _test_indices(len(data), test_fraction, seed)
    train = np.setdiff1d(np.arange(len(data)), test)
    splits = ArraySplits(
        train_images=data[train],
        train_labels=None if labels is None else labels[train],
        test_images=data[test],
        test_labels=None if labels is None else labels[test],
        class_names=class_names,
        source=str(root.resolve()),
    )
    return splits, skipped


def _check_shape(image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    try:
        height, width, channels = (int(d) for d in image_shape)
    except (TypeError, ValueError):
        raise ConfigError(
            f"image shape must be (height, width, channels), got {image_shape!r}"
        ) from None
    if height < 1 or width < 1 or channels not in (1, 3):
        raise ConfigError(
            f"image shape must have positive height and width and 1 or 3 channels, "
            f"got {image_shape!r}"
        )
    return height, width, channels


def _read_image(file: Path, size: tuple[int, int], channels: int) -> np.ndarray:
    with Image.open(file) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        image = to_mode(image, "L" if channels == 1 else "RGB")
        image = image.resize(size, Image.Resampling.LANCZOS)
        array = np.asarray(image, dtype=np.uint8)
    return array.reshape(size[1], size[0], channels)


def to_mode(image: Image.Image, mode: str) -> Image.Image:
    """Converts any Pillow mode to 8-bit ``L`` or ``RGB``, compositing transparency onto black."""
    if image.mode.startswith("I") or image.mode == "F":
        image = _to_8bit(image)
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in _ALPHA_MODES:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    return image if image.mode == mode else image.convert(mode)


def _to_8bit(image: Image.Image) -> Image.Image:
    """Scales 16-bit (``I;16*``, or ``I`` above 255) and float images to 8-bit grayscale."""
    array = np.asarray(image).astype(np.float64)
    if image.mode.startswith("I;16") or (image.mode == "I" and array.size and array.max() > 255):
        array = array / 257.0
    return Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8), "L")


def _folder_labels(root: Path, files: list[Path]) -> tuple[np.ndarray | None, tuple[str, ...]]:
    parts = [file.relative_to(root).parts for file in files]
    if any(len(p) < 2 for p in parts):
        return None, ()
    class_names = tuple(sorted({p[0] for p in parts}))
    index = {name: i for i, name in enumerate(class_names)}
    return np.array([index[p[0]] for p in parts], dtype=np.int64), class_names


def _test_indices(count: int, fraction: float, seed: int) -> np.ndarray:
    if count < 2:
        return np.zeros(0, dtype=np.int64)
    size = min(count - 1, max(1, round(count * fraction)))
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[:size])


def _reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
