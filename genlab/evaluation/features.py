"""The local cache: evaluator features of real images, reference floors, trained evaluators.

Features of the test and training splits are the same for every model evaluated on a dataset, so
they are computed once and stored under :func:`cache_root`, keyed by the evaluator's sha256 and a
hash of the image bytes (a changed image folder can never hit a stale entry). A cache that cannot
be written is skipped, never fatal.
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


def _write(path: Path, data: bytes) -> None:
    from genlab.runs import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        warnings.warn(f"genlab cache not written ({path}: {exc.strerror or exc})", stacklevel=3)


def real_features(evaluator, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Evaluator features and probabilities of real ``uint8`` images, cached on disk."""
    key = f"{evaluator.info.sha256[:12]}-{content_hash(images)[:20]}"
    path = cache_root() / "features" / f"{key}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as npz:
                probs = npz["probs"] if "probs" in npz.files else None
                return npz["features"], probs
        except (OSError, ValueError, KeyError):
            pass  # a damaged entry is recomputed and replaced
    features, probs = evaluator.predict(images)
    arrays = {"features": features} if probs is None else {"features": features, "probs": probs}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _write(path, buffer.getvalue())
    return features, probs


def cached_array(key: str, compute) -> np.ndarray:
    """``compute()``'s array, stored as ``<cache>/features/<key>.npy`` for the next caller."""
    from genlab.runs import save_npy

    path = cache_root() / "features" / f"{key}.npy"
    if path.exists():
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            pass
    array = compute()
    try:
        save_npy(path, array)
    except OSError as exc:
        warnings.warn(f"genlab cache not written ({path}: {exc.strerror or exc})", stacklevel=2)
    return array


def read_json_cache(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_json_cache(path: Path, obj: dict) -> None:
    _write(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())
