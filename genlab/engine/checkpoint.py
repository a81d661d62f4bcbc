"""Checkpoints: every variable an exact resume needs, in a plain ``.npz`` (no pickle).

A checkpoint holds the model's weights, its RNG states and every optimizer slot, in the order of
:meth:`GenerativeModel.state_variables`, together with a manifest of variable paths and shapes
that is checked on load. Files are written atomically; the newest ``keep`` are kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np

from genlab.errors import CheckpointError
from genlab.runs import atomic_write_bytes

_NAME = re.compile(r"^ckpt-(\d{4,})\.npz$")


def _manifest(variables) -> np.ndarray:
    return np.array([f"{v.path}:{tuple(v.shape)}" for v in variables])


def write_state(path: Path, epoch: int, variables) -> None:
    """Write the values of ``variables`` (and ``epoch``) to ``path`` atomically."""
    arrays = {f"v{i:05d}": np.asarray(v.numpy()) for i, v in enumerate(variables)}
    buffer = io.BytesIO()
    np.savez(buffer, __manifest__=_manifest(variables), __epoch__=np.int64(epoch), **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def save(directory: Path, epoch: int, variables, keep: int = 2) -> Path:
    """Write ``ckpt-<epoch>.npz`` and delete all but the newest ``keep`` checkpoints."""
    path = Path(directory) / f"ckpt-{epoch:04d}.npz"
    write_state(path, epoch, variables)
    for old in list_checkpoints(directory)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def list_checkpoints(directory: Path) -> list[Path]:
    """Checkpoint files, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def load(path: Path, variables) -> int:
    """Assign the values in ``path`` to ``variables``; return the checkpoint's epoch."""
    try:
        with np.load(path, allow_pickle=False) as data:
            manifest = [str(s) for s in data["__manifest__"]]
            epoch = int(data["__epoch__"])
            values = [data[f"v{i:05d}"] for i in range(len(manifest))]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"checkpoint {path} is unreadable ({type(exc).__name__})") from None
    expected = list(_manifest(variables))
    if manifest != expected:
        raise CheckpointError(
            f"checkpoint {path} does not match the model ({len(manifest)} variables saved, "
            f"{len(expected)} expected); was the run's config changed?"
        )
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
    return epoch


def restore_latest(directory: Path, variables, warn=print) -> int | None:
    """Restore the newest readable checkpoint, falling back to older ones; its epoch or None."""
    candidates = list_checkpoints(directory)
    for path in reversed(candidates):
        try:
            return load(path, variables)
        except CheckpointError as exc:
            warn(f"warning: {exc}; trying an older checkpoint")
    if candidates:
        raise CheckpointError(
            f"no readable checkpoint in {directory}; start again without --resume "
            "(or with a new --out)"
        )
    return None
