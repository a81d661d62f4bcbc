"""Samples made elsewhere, scored like a run: a ``.npy``/``.npz`` array or a folder of images.

Someone with a PyTorch or JAX model, or a paper's released samples, gets the same metrics and
floors as a genlab run: :func:`load_samples` reads the images and works out their value range,
:func:`evaluate_samples` runs every sample metric of the suite against a dataset's test split.

Arrays are ``(N, H, W)`` or ``(N, H, W, C)``; their values are uint8 (0..255), floats in
``[0, 1]`` or floats in ``[-1, 1]`` (told apart by their minimum: any negative value means
``[-1, 1]``). Folders hold PNG/JPEG files (found recursively, all of one size, never resized),
read as 8-bit pixels, so the PNGs of a uint8 array give exactly the numbers of the array.
Nothing here imports TensorFlow; the evaluator does, when features are computed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from genlab.errors import UsageError
from genlab.evaluation.context import DEFAULT_N, EvalContext
from genlab.specs import SAMPLE

ARRAY_SUFFIXES = frozenset({".npy", ".npz"})
#: Keys tried, in order, in an ``.npz`` holding several arrays.
NPZ_KEYS = ("samples", "images", "x", "arr_0")
#: Float values may overshoot their range by this much (rounding in other frameworks).
RANGE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Samples:
    """Images to score.

    Attributes:
        images: ``(N, H, W, C)``, uint8 or float32 in ``[0, 1]``.
        source: the path they came from.
        value_range: how the values were read, e.g. ``"float in [-1, 1]"``.
    """

    images: np.ndarray
    source: str
    value_range: str

    def describe(self) -> str:
        n, h, w, c = self.images.shape
        return f"{self.source}: {n} images of {h}x{w}x{c}, values read as {self.value_range}"


def is_samples_path(path: str | Path) -> bool:
    """True for what :func:`load_samples` reads and a run directory is not."""
    path = Path(path)
    if path.suffix.lower() in ARRAY_SUFFIXES:
        return True
    return path.is_dir() and not (path / "config.json").exists()


def load_samples(path: str | Path) -> Samples:
    """Read an array file or an image folder; see the module docstring for what is accepted.

    Raises:
        UsageError: the path is missing or holds no images, or the array has the wrong shape,
            dtype or value range (one line saying what to do).
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise UsageError(
            f"{path} does not exist. Fix: pass a run directory, a .npy/.npz array of images or "
            "a folder of PNG/JPEG images"
        )
    if path.is_dir():
        images = read_image_folder(path)
        return Samples(images, str(path), "uint8 (8-bit image files)")
    if path.suffix.lower() not in ARRAY_SUFFIXES:
        raise UsageError(
            f"{path} is neither a run directory, a .npy/.npz array nor a folder of images"
        )
    array = _read_array(path)
    images, value_range = to_unit_range(_as_nhwc(array, path), path)
    return Samples(images, str(path), value_range)


def _read_array(path: Path) -> np.ndarray:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        message = " ".join(str(exc).split())
        raise UsageError(
            f"cannot read {path} as a numpy array ({message}). Fix: save the images with "
            "numpy.save or numpy.savez, without pickled objects"
        ) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        return loaded
    with loaded:
        keys = list(loaded.files)
        if not keys:
            raise UsageError(f"{path} holds no arrays. Fix: save the images into it")
        key = keys[0] if len(keys) == 1 else next((k for k in NPZ_KEYS if k in keys), None)
        if key is None:
            raise UsageError(
                f"{path} holds several arrays ({', '.join(keys)}) and none is named "
                f"{' or '.join(NPZ_KEYS[:2])}. Fix: save only the images, or name them 'samples'"
            )
        return loaded[key]


def _as_nhwc(array: np.ndarray, path: Path) -> np.ndarray:
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[-1] not in (1, 3) or array.shape[0] == 0:
        raise UsageError(
            f"{path} holds an array of shape {array.shape}; expected images shaped (N, H, W) or "
            "(N, H, W, C) with C = 1 or 3 and N >= 1. Fix: reshape it, channels last"
        )
    return array


def to_unit_range(array: np.ndarray, name) -> tuple[np.ndarray, str]:
    """``(images, description)``: uint8 kept as is, floats mapped to ``[0, 1]`` float32.

    Raises:
        UsageError: non-numeric or non-finite values, or values outside every supported range.
    """
    if array.dtype == np.uint8:
        return array, "uint8 in [0, 255]"
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number):
        raise UsageError(
            f"{name} holds {array.dtype} values; expected uint8, or floats in [0, 1] or [-1, 1]"
        )
    values = array.astype(np.float32)
    if not np.isfinite(values).all():
        raise UsageError(f"{name} holds NaN or infinite values. Fix: remove or clip them")
    low, high = float(values.min()), float(values.max())
    tol = RANGE_TOLERANCE
    if np.issubdtype(array.dtype, np.integer) and low >= 0 and high <= 255 and high > 1:
        return values.astype(np.uint8), f"integers in [0, 255] ({array.dtype})"
    if low >= -tol and high <= 1 + tol:
        return np.clip(values, 0.0, 1.0), "float in [0, 1]"
    if low >= -1 - tol and high <= 1 + tol:
        return np.clip((values + 1.0) / 2.0, 0.0, 1.0), "float in [-1, 1], mapped to [0, 1]"
    raise UsageError(
        f"{name} has values from {low:.4g} to {high:.4g}; expected uint8, or floats in [0, 1] "
        "or [-1, 1]. Fix: rescale the images to one of these ranges"
    )


def read_image_folder(root: Path) -> np.ndarray:
    """Every PNG/JPEG under ``root`` (sorted by path) as one uint8 ``(N, H, W, C)`` array.

    Images keep their size (no resizing, which would change the numbers): they must all share
    one. C = 1 when every pixel of every file is gray, else 3 (transparency onto black).
    """
    from PIL import Image

    from genlab.data.folder import IMAGE_SUFFIXES, to_mode

    files = sorted(
        (p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    if not files:
        raise UsageError(f"{root} holds no PNG/JPEG images. Fix: pass a folder of .png/.jpg files")
    images = []
    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
                images.append(np.asarray(to_mode(image, "RGB"), np.uint8))
        except Exception as exc:  # Pillow raises many types on malformed files
            raise UsageError(
                f"cannot read {file} as an image ({type(exc).__name__}). Fix: remove or replace it"
            ) from None
    sizes = {img.shape[:2] for img in images}
    if len(sizes) > 1:
        raise UsageError(
            f"the images in {root} differ in size ({', '.join(map(str, sorted(sizes)))}). "
            "Fix: save all samples at the dataset's size"
        )
    stacked = np.stack(images)
    gray = (stacked[..., :1] == stacked).all()
    return stacked[..., :1] if gray else stacked


def fit_shape(samples: Samples, image_shape) -> np.ndarray:
    """The images, checked against a dataset's ``(H, W, C)``; RGB copies of gray images pass.

    Raises:
        UsageError: another height, width or channel count, with the fix.
    """
    images = samples.images
    height, width, channels = (int(d) for d in image_shape)
    if images.shape[1:3] != (height, width):
        raise UsageError(
            f"{samples.source} holds {images.shape[1]}x{images.shape[2]} images, but the "
            f"dataset's are {height}x{width}. Fix: save the samples at {height}x{width} "
            "(or choose the matching --dataset)"
        )
    if images.shape[3] == channels:
        return images
    if channels == 1 and (images == images[..., :1]).all():
        return images[..., :1]  # grayscale saved as RGB
    if channels == 3 and images.shape[3] == 1:
        return np.repeat(images, 3, axis=3)
    raise UsageError(
        f"{samples.source} holds images with {images.shape[3]} channels, but the dataset's have "
        f"{channels}. Fix: convert the samples to {'grayscale' if channels == 1 else 'RGB'}"
    )


class SamplesContext(EvalContext):
    """The suite's context with given images in place of a model's samples."""

    def __init__(self, images: np.ndarray, splits, evaluator, seed: int = 0):
        super().__init__(None, None, splits, evaluator, n=len(images), seed=seed)
        self.capabilities = frozenset({SAMPLE})
        self._images = images

    @cached_property
    def samples(self) -> np.ndarray:
        if self._images.dtype == np.uint8:
            return self._images.astype(np.float32) / np.float32(255)
        return self._images

    @cached_property
    def _sample_outputs(self):
        # uint8 goes to the evaluator as uint8, so files and arrays of one image agree exactly
        return self._require_evaluator().predict(self._images)


def evaluate_samples(
    samples: Samples,
    data,
    *,
    n: int | None = DEFAULT_N,
    seed: int = 0,
    reference: bool = True,
    progress=None,
) -> dict:
    """Every sample metric of the suite for ``samples`` against ``data``'s test split, + floors.

    Args:
        samples: from :func:`load_samples`.
        data: the reference dataset (a ``LoadedData``); its training images are the
            memorization reference and the source of the floors.
        n: score the first ``n`` images (all when there are fewer, or ``n`` is None).
        reference: add the real-data floors at the same ``n``.
        progress: called with a short description before each step.

    Returns:
        The same flat dict as :func:`genlab.evaluation.suite.evaluate`, plus ``samples`` (the
        path) and ``value_range`` (how the values were read).
    """
    from genlab.errors import DataError
    from genlab.evaluation.context import compute_metrics, metric_specs
    from genlab.evaluation.evaluator import find_evaluator, train_hint
    from genlab.evaluation.features import floor_specs, reference_floors

    started = time.perf_counter()
    say = progress or (lambda _text: None)
    images = fit_shape(samples, data.image_shape)[:n]
    if len(images) < 2:
        raise UsageError(f"{samples.source} holds {len(images)} image; the metrics need 2 or more")
    say("loading the evaluator")
    notes = []
    try:
        evaluator = find_evaluator(data.name, data.splits)
    except DataError as exc:
        evaluator, notes = None, [str(exc)]
    if evaluator is None:
        raise UsageError(
            f"no evaluator for dataset {data.name!r}, so samples cannot be scored; train one "
            f"with {train_hint(data.name)}" + (f" ({notes[0]})" if notes else "")
        )
    specs = floor_specs(metric_specs())
    ctx = SamplesContext(images, data.splits, evaluator, seed)
    values, errors = compute_metrics(ctx, specs, lambda name: say(f"computing {name}"))
    result = {
        "samples": samples.source,
        "value_range": samples.value_range,
        "n": len(images),
        "evaluator": evaluator.id,
        "dataset": data.name,
        "test_images": len(data.splits.test_images),
        "seed": seed,
        **values,
    }
    if reference:
        result["reference"] = reference_floors(
            data.name,
            data.splits,
            evaluator,
            len(images),
            specs,
            lambda name: say(f"real-data floor: {name}"),
        )
    result["eval_seconds"] = round(time.perf_counter() - started, 2)
    if errors:
        result["errors"] = errors
    return result
