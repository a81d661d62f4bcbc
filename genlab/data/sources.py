"""Finding and loading the IDX datasets of the MNIST family.

The four files of a dataset are looked for, in order, in:

1. ``--data-dir`` when given (then nowhere else),
2. ``$GENLAB_DATA_DIR`` or ``$GENLAB_DATA_DIR/<name>``,
3. system directories such as ``/usr/share/datasets/fashion-mnist`` (Debian package
   ``dataset-fashion-mnist``),
4. Keras's cache, ``$KERAS_HOME/datasets/<subdir>`` (``~/.keras`` by default),

and are downloaded into Keras's cache when none of these has them. Each file may be gzip-compressed
(``<file>.gz``) or raw (``<file>``). TensorFlow is imported only to download.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genlab.data.arrays import ArraySplits
from genlab.data.idx import load_idx_split
from genlab.errors import DataError, UnknownNameError

ENV_DATA_DIR = "GENLAB_DATA_DIR"

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

#: ``(fname, *, origin, cache_subdir, cache_dir) -> path``, like ``keras.utils.get_file``.
Downloader = Callable[..., str]


@dataclass(frozen=True)
class IdxDataset:
    """Where an IDX dataset lives and what its classes are.

    Attributes:
        name: canonical name (``fashion``).
        title: human-readable name for messages (``Fashion-MNIST``).
        class_names: one name per label.
        download_base: URL the four ``<file>.gz`` are downloaded from.
        keras_subdir: folder under ``$KERAS_HOME/datasets`` holding the cached files.
        system_dirs: directories where system packages install the files.
        keras_npz: a Keras cache file under ``$KERAS_HOME/datasets`` that is also accepted.
        debian_package: the Debian package installing the files into ``system_dirs``.
    """

    name: str
    title: str
    class_names: tuple[str, ...]
    download_base: str
    keras_subdir: str
    system_dirs: tuple[str, ...] = ()
    keras_npz: str | None = None
    debian_package: str = ""

    @property
    def install_hint(self) -> str:
        """How to install the files system-wide, for error messages; empty if there is no way."""
        return f"apt-get install {self.debian_package}" if self.debian_package else ""

    @property
    def repair_hint(self) -> str:
        """What to do about a corrupt file, for error messages."""
        fix = "delete it and re-download"
        if self.debian_package:
            fix += f", or reinstall the Debian package {self.debian_package}"
        return fix


FASHION = IdxDataset(
    name="fashion",
    title="Fashion-MNIST",
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    download_base="https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    keras_subdir="fashion-mnist",
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    debian_package="dataset-fashion-mnist",
)

MNIST = IdxDataset(
    name="mnist",
    title="MNIST",
    class_names=tuple(str(digit) for digit in range(10)),
    download_base="https://storage.googleapis.com/cvdf-datasets/mnist/",
    keras_subdir="mnist",
    system_dirs=("/usr/share/datasets/mnist",),
    keras_npz="mnist.npz",
)

DATASETS = {dataset.name: dataset for dataset in (FASHION, MNIST)}


def keras_home() -> Path:
    """Keras's cache root: ``$KERAS_HOME`` if set, else ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser()


def find_idx_files(
    name: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    system_dirs: Iterable[str | os.PathLike[str]],
    keras_subdir: str,
    download_base: str | None = None,
    keras_home_dir: str | os.PathLike[str] | None = None,
    download: Downloader | None = None,
    install_hint: str = "",
) -> dict[str, Path]:
    """Finds the four IDX files of a dataset, downloading them if needed.

    Args:
        name: dataset name; ``$GENLAB_DATA_DIR/<name>`` is searched.
        data_dir: a directory that must hold the files (or a ``<name>`` folder holding them);
            nothing else is searched when given.
        system_dirs: directories searched after ``$GENLAB_DATA_DIR``.
        keras_subdir: folder under ``<keras home>/datasets`` searched and downloaded into.
        download_base: URL prefix of the ``<file>.gz`` downloads; None disables downloading.
        keras_home_dir: Keras's cache root; defaults to :func:`keras_home`.
        download: the downloader, ``keras.utils.get_file`` by default.
        install_hint: how to install the files system-wide, added to the error message.

    Returns:
        The path of each file, keyed as :data:`IDX_FILES`.

    Raises:
        DataError: ``data_dir`` lacks files, or nothing holds them and downloading failed.
    """
    listing = ", ".join(f"{fname}[.gz]" for fname in IDX_FILES.values())
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        if not data_dir.is_dir():
            raise DataError(
                f"data directory {data_dir} does not exist or is not a directory. Fix: pass "
                f"--data-dir DIR holding the four IDX files ({listing})"
            )
        found, missing = _scan(data_dir)
        if missing and (data_dir / name).is_dir():
            found, missing = _scan(data_dir / name)
        if missing:
            raise DataError(
                f"data directory {data_dir} lacks {', '.join(f'{m}[.gz]' for m in missing)}. "
                f"Fix: put the four IDX files ({listing}) there, gzip-compressed or raw"
            )
        return found

    home = keras_home() if keras_home_dir is None else Path(keras_home_dir).expanduser()
    cache = home / "datasets" / keras_subdir
    looked = []
    env_dir = os.environ.get(ENV_DATA_DIR)
    if env_dir:
        candidates = [Path(env_dir).expanduser(), Path(env_dir).expanduser() / name]
        looked.append(f"${ENV_DATA_DIR}={env_dir}")
    else:
        candidates = []
        looked.append(f"${ENV_DATA_DIR} (not set)")
    candidates += [Path(d) for d in system_dirs]
    looked += [str(d) for d in system_dirs]
    for directory in candidates:
        found, missing = _scan(directory)
        if not missing:
            return found

    found, missing = _scan(cache)
    looked.append(str(cache))
    if not missing:
        return found

    fix = f"pass --data-dir DIR holding the four IDX files, or set {ENV_DATA_DIR}"
    if install_hint:
        fix = f"{install_hint}, or {fix}"
    where = ", ".join(looked)
    if download_base is None:
        raise DataError(f"{name} dataset files not found in {where}. Fix: {fix}")

    if download is None:
        download = _keras_get_file
    with contextlib.suppress(OSError):
        home.mkdir(parents=True, exist_ok=True)
    for key, fname in IDX_FILES.items():
        if key in found:
            continue
        origin = f"{download_base}{fname}.gz"
        try:
            path = download(
                f"{fname}.gz",
                origin=origin,
                cache_subdir=f"datasets/{keras_subdir}",
                cache_dir=str(home),
            )
        except Exception as exc:  # keras.utils.get_file raises a bare Exception
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise DataError(
                f"{name} dataset files not found in {where}, and downloading {origin} failed "
                f"({reason}). Fix: {fix}"
            ) from None
        found[key] = Path(path)
    return found


def load_mnist_like(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    keras_home_dir: str | os.PathLike[str] | None = None,
    system_dirs: Iterable[str | os.PathLike[str]] | None = None,
    download: Downloader | None = None,
) -> ArraySplits:
    """Loads an IDX dataset of the MNIST family (see :data:`DATASETS`).

    Args:
        name: ``fashion`` or ``mnist``.
        data_dir: a directory holding the four IDX files; see :func:`find_idx_files`.
        keras_home_dir: Keras's cache root; defaults to :func:`keras_home`.
        system_dirs: overrides the dataset's system directories.
        download: the downloader, ``keras.utils.get_file`` by default.

    Returns:
        Images shaped ``(N, 28, 28, 1)`` with their int64 labels and class names.

    Raises:
        UnknownNameError: ``name`` is not an IDX dataset.
        DataError: the files cannot be found, downloaded or read.
    """
    try:
        dataset = DATASETS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown IDX dataset {name!r}. Fix: use one of {', '.join(DATASETS)}"
        ) from None
    home = keras_home() if keras_home_dir is None else Path(keras_home_dir).expanduser()
    options = {
        "data_dir": data_dir,
        "system_dirs": dataset.system_dirs if system_dirs is None else tuple(system_dirs),
        "keras_subdir": dataset.keras_subdir,
        "keras_home_dir": home,
        "install_hint": dataset.install_hint,
    }
    npz = home / "datasets" / dataset.keras_npz if dataset.keras_npz else None
    if data_dir is None and npz is not None and npz.is_file():
        try:
            files = find_idx_files(name, **options)
        except DataError:
            return _load_npz(npz, dataset)
    else:
        files = find_idx_files(
            name, download_base=dataset.download_base, download=download, **options
        )

    num_classes = len(dataset.class_names)
    splits = {}
    for split in ("train", "test"):
        images, labels = load_idx_split(
            files[f"{split}_images"],
            files[f"{split}_labels"],
            num_classes,
            fix=dataset.repair_hint,
        )
        splits[split] = (images[..., np.newaxis], labels.astype(np.int64))
    return _splits(splits, dataset, str(files["train_images"].parent))


def load_fashion(data_dir: str | os.PathLike[str] | None = None) -> ArraySplits:
    """Loads Fashion-MNIST; see :func:`load_mnist_like`."""
    return load_mnist_like("fashion", data_dir)


def load_mnist(data_dir: str | os.PathLike[str] | None = None) -> ArraySplits:
    """Loads MNIST; see :func:`load_mnist_like`."""
    return load_mnist_like("mnist", data_dir)


def _scan(directory: Path) -> tuple[dict[str, Path], list[str]]:
    found, missing = {}, []
    for key, fname in IDX_FILES.items():
        for candidate in (directory / f"{fname}.gz", directory / fname):
            if candidate.is_file():
                found[key] = candidate
                break
        else:
            missing.append(fname)
    return found, missing


def _load_npz(path: Path, dataset: IdxDataset) -> ArraySplits:
    fix = dataset.repair_hint
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as exc:
        raise DataError(f"{path} lacks the array {exc}. Fix: {fix}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{path} is not a readable .npz file ({reason}). Fix: {fix}") from None
    num_classes = len(dataset.class_names)
    splits = {}
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.dtype != np.uint8 or images.ndim != 3:
            raise DataError(
                f"{path}: x_{split} is {images.dtype} shaped {images.shape}, expected uint8 "
                f"N x height x width. Fix: {fix}"
            )
        if labels.ndim != 1 or len(labels) != len(images) or labels.dtype.kind not in "iu":
            raise DataError(
                f"{path}: y_{split} is {labels.dtype} shaped {labels.shape}, expected "
                f"{len(images)} integer labels. Fix: {fix}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise DataError(
                f"{path}: y_{split} has labels outside 0 to {num_classes - 1}. Fix: {fix}"
            )
        splits[split] = (images[..., np.newaxis], labels.astype(np.int64))
    return _splits(splits, dataset, str(path))


def _splits(splits: dict, dataset: IdxDataset, source: str) -> ArraySplits:
    (train_images, train_labels), (test_images, test_labels) = splits["train"], splits["test"]
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DataError(
            f"{source}: train images are {train_images.shape[1:]} but test images are "
            f"{test_images.shape[1:]}. Fix: {dataset.repair_hint}"
        )
    return ArraySplits(
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        class_names=dataset.class_names,
        source=source,
    )


def _keras_get_file(fname: str, **kwargs) -> str:
    from keras.utils import get_file

    return get_file(fname, **kwargs)
