"""Real data: cached evaluator features of real images, and the real-data reference floors.

Features of the test and training splits are the same for every model evaluated on a dataset, so
they are computed once and stored under :func:`cache_root`, keyed by the evaluator's sha256 and a
hash of the image bytes (a changed image folder can never hit a stale entry). A cache that cannot
be written is skipped, never fatal.

The reference floors are the sample metrics of real training images standing in for samples:
what a perfect generator would score at the same N. They are cached too.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

from genlab.evaluation.suite import EvalContext
from genlab.specs import SAMPLE

ENV_CACHE_DIR = "GENLAB_CACHE_DIR"
#: Seed of the real training images picked for the reference floors.
FLOOR_SEED = 0


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


# -- reference floors ------------------------------------------------------------------------
class RealContext(EvalContext):
    """Real images posing as samples: ``m`` training images against the test split.

    The memorization reference is ``m`` other training images, so that metric compares held-out
    images with held-out images too (its ratio is about 0.5 for any reference size). Features of
    both subsets go through the feature cache.
    """

    def __init__(self, splits, evaluator, m: int, seed: int = FLOOR_SEED):
        super().__init__(None, None, splits, evaluator, n=m, seed=seed)
        self.capabilities = frozenset({SAMPLE})
        order = np.random.default_rng(seed).permutation(len(splits.train_images))
        self._picked = splits.train_images[np.sort(order[:m])]
        self._reference = splits.train_images[np.sort(order[m : 2 * m])]

    @cached_property
    def samples(self) -> np.ndarray:
        return self._picked.astype(np.float32) / np.float32(255)

    @cached_property
    def _sample_outputs(self):
        return real_features(self._require_evaluator(), self._picked)

    @property
    def memorization_images(self) -> np.ndarray:
        return self._reference


def floor_specs(specs) -> list:
    """Metrics that compare samples with real data: those requiring ``sample`` and nothing else."""
    return [s for s in specs if s.requires == frozenset({SAMPLE})]


def reference_floors(dataset, splits, evaluator, n, specs=None, progress=None) -> dict | None:
    """Sample metrics of ``n`` real training images vs the test split: the best a model can do.

    ``n`` is capped at half the training split: the memorization reference needs as many more.
    Values are cached per (dataset, evaluator, n, data hash); a metric missing from the cache (a
    newly installed plugin) is computed and added.
    """
    from genlab.evaluation.evaluator import slug
    from genlab.evaluation.suite import compute_metrics, metric_specs

    m = min(int(n), len(splits.train_images) // 2)
    if evaluator is None or m < 2 or len(splits.test_images) < 2:
        return None
    specs = floor_specs(metric_specs() if specs is None else specs)
    digest = content_hash(splits.train_images, splits.test_images)[:12]
    name = f"{slug(dataset)}-{evaluator.info.sha256[:12]}-n{m}-{digest}.json"
    path = cache_root() / "floors" / name
    cached = read_json_cache(path) or {}  # metric name -> the values it produced
    missing = [s for s in specs if s.name not in cached]
    if missing:
        ctx = RealContext(splits, evaluator, m)
        for spec in missing:
            values, errors = compute_metrics(ctx, [spec], progress)
            if not errors:
                cached[spec.name] = values
        write_json_cache(path, cached)
    floors = {"n": m}
    for spec in specs:
        floors.update(cached.get(spec.name, {spec.name: None}))
    return floors
