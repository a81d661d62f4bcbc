"""Checkpoints: every variable an exact resume needs, in a plain ``.npz`` (no pickle).

A checkpoint holds the model's weights, its RNG states, every optimizer slot and the loss
trackers, in a fixed order, with a manifest of variable paths and shapes that is checked on load.
Its position is ``(epoch, step)``: ``epoch`` finished epochs plus ``step`` batches of the next one
(``step`` is non-zero only for a checkpoint taken mid-epoch, on Ctrl-C or at a time budget).
Files are written atomically; the newest ``keep`` are kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from genlab.errors import CheckpointError
from genlab.run_dir import atomic_write_bytes

_NAME = re.compile(r"^ckpt-(\d{4,})(?:-(\d{6,}))?\.npz$")


class Position(NamedTuple):
    epoch: int
    step: int = 0


def _manifest(variables) -> np.ndarray:
    return np.array([f"{v.path}:{tuple(v.shape)}" for v in variables])


def write_state(path: Path, epoch: int, variables, step: int = 0) -> None:
    """Write the values of ``variables`` and the position to ``path`` atomically."""
    arrays = {f"v{i:05d}": np.asarray(v.numpy()) for i, v in enumerate(variables)}
    buffer = io.BytesIO()
    np.savez(
        buffer,
        __manifest__=_manifest(variables),
        __epoch__=np.int64(epoch),
        __step__=np.int64(step),
        **arrays,
    )
    atomic_write_bytes(path, buffer.getvalue())


def save(directory: Path, epoch: int, variables, keep: int = 2, step: int = 0) -> Path:
    """Write a checkpoint at ``(epoch, step)``; delete all but the newest ``keep``."""
    name = f"ckpt-{epoch:04d}.npz" if not step else f"ckpt-{epoch:04d}-{step:06d}.npz"
    path = Path(directory) / name
    write_state(path, epoch, variables, step)
    for old in list_checkpoints(directory)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def list_checkpoints(directory: Path) -> list[Path]:
    """Checkpoint files, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [
        ((int(m.group(1)), int(m.group(2) or 0)), p)
        for p in directory.iterdir()
        if (m := _NAME.match(p.name))
    ]
    return [p for _, p in sorted(found)]


def load(path: Path, variables) -> Position:
    """Assign the values in ``path`` to ``variables``; return the checkpoint's position."""
    try:
        with np.load(path, allow_pickle=False) as data:
            manifest = [str(s) for s in data["__manifest__"]]
            position = Position(
                int(data["__epoch__"]), int(data["__step__"]) if "__step__" in data.files else 0
            )
            values = [data[f"v{i:05d}"] for i in range(len(manifest))]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"checkpoint {path} is unreadable ({type(exc).__name__})") from None
    # Variable paths carry Keras's per-process name counters (``dense_3``), so a model built
    # twice in one process has other paths: the order and the shapes are what must match.
    expected = list(_manifest(variables))
    if [m.rsplit(":", 1)[-1] for m in manifest] != [e.rsplit(":", 1)[-1] for e in expected]:
        raise CheckpointError(
            f"checkpoint {path} does not match the model ({len(manifest)} variables saved, "
            f"{len(expected)} expected); was the run's config changed?"
        )
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
    return position


def restore_latest(directory: Path, variables, warn=print) -> Position | None:
    """Restore the newest readable checkpoint, falling back to older ones; None if none."""
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


def load_position(path: Path) -> Position:
    """The position recorded in a checkpoint file, without loading its variables."""
    try:
        with np.load(path, allow_pickle=False) as data:
            step = int(data["__step__"]) if "__step__" in data.files else 0
            return Position(int(data["__epoch__"]), step)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return Position(0, 0)
