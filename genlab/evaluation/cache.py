"""The on-disk cache of things that are the same for every model evaluated on a dataset.

Features of real images, nearest-neighbour distances, reference floors and trained evaluators are
stored under :func:`cache_root`, keyed by hashes of the content they were computed from, so a
changed image folder can never hit a stale entry. Every entry goes through :func:`cached`: a
damaged entry is recomputed and replaced, and a cache that cannot be written is skipped with a
warning, never fatal.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np

ENV_CACHE_DIR = "GENLAB_CACHE_DIR"


def cache_root() -> Path:
    """``$GENLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/genlab``, else ``~/.cache/genlab``."""
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "genlab"


def content_hash(*arrays) -> str:
    """Hex BLAKE2b digest of arrays' dtypes, shapes and bytes (None counts as a marker)."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        if array is None:
            digest.update(b"none;")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape};".encode())
        digest.update(array.data)
    return digest.hexdigest()


def read(path: Path, decode):
    """``decode(bytes)`` of the entry at ``path``; None when it is missing or damaged."""
    try:
        return decode(path.read_bytes())
    except Exception:  # damaged in any way: recomputed and replaced
        return None


def write(path: Path, data: bytes) -> None:
    """Store an entry atomically; a cache that cannot be written is only a warning."""
    from genlab.run_dir import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        warnings.warn(f"genlab cache not written ({path}: {exc.strerror or exc})", stacklevel=3)


def cached(path: Path, compute, encode, decode):
    """The entry at ``path``, or ``compute()``'s value, stored there for the next caller."""
    value = read(path, decode) if path.exists() else None
    if value is None:
        value = compute()
        write(path, encode(value))
    return value


# -- the entry formats -------------------------------------------------------------------------
def _npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{k: v for k, v in arrays.items() if v is not None})
    return buffer.getvalue()


def _npz_arrays(data: bytes) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _npy_array(data: bytes):
    return np.load(io.BytesIO(data), allow_pickle=False)


def cached_array(key: str, compute) -> np.ndarray:
    """``compute()``'s array, stored as ``<cache>/features/<key>.npy``."""
    return cached(cache_root() / "features" / f"{key}.npy", compute, _npy_bytes, _npy_array)


def cached_arrays(key: str, compute) -> dict:
    """``compute()``'s dict of arrays (None values left out), stored as ``<key>.npz``."""
    return cached(cache_root() / "features" / f"{key}.npz", compute, _npz_bytes, _npz_arrays)


def read_json(path: Path) -> dict | None:
    return read(path, json.loads)


def write_json(path: Path, obj: dict) -> None:
    write(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def evaluator_key(evaluator) -> str:
    """The evaluator's part of a cache key: its weights, and the Keras backend that computed
    with them when it is not TensorFlow (other kernels round differently)."""
    import keras

    backend = keras.backend.backend()
    tag = evaluator.info.sha256[:12]
    return tag if backend == "tensorflow" else f"{tag}-{backend}"


def real_features(evaluator, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Evaluator features and probabilities of real ``uint8`` images, cached on disk.

    The same for every model evaluated on a dataset, so computed once per (evaluator, images).
    """
    key = f"{evaluator_key(evaluator)}-{content_hash(images)[:20]}"

    def compute():
        features, probs = evaluator.predict(images)
        return {"features": features, "probs": probs}

    arrays = cached_arrays(key, compute)
    return arrays["features"], arrays.get("probs")
