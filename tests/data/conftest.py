"""Fixtures for the data tests: tiny IDX files and an isolated environment."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from genlab.data.sources import IDX_FILES


def idx_bytes(array: np.ndarray, dtype_code: int = 0x08) -> bytes:
    """Encodes an array as IDX: magic, big-endian dimensions, raw data."""
    header = bytes([0, 0, dtype_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Keeps the host's $GENLAB_DATA_DIR and Keras cache out of the tests."""
    monkeypatch.delenv("GENLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


@pytest.fixture
def encode_idx():
    """``encode_idx(array, dtype_code=0x08) -> bytes``."""
    return idx_bytes


@pytest.fixture
def write_idx():
    """``write_idx(path, array, gz=False) -> path`` writes an IDX file."""

    def write(path: Path, array: np.ndarray, gz: bool = False) -> Path:
        data = idx_bytes(array)
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return write


@pytest.fixture
def tiny_arrays():
    """Train and test images and labels of a tiny 4x4 dataset with 10 classes."""
    rng = np.random.default_rng(0)
    return {
        "train_images": rng.integers(0, 256, (12, 4, 4), dtype=np.uint8),
        "train_labels": np.arange(12, dtype=np.uint8) % 10,
        "test_images": rng.integers(0, 256, (5, 4, 4), dtype=np.uint8),
        "test_labels": np.arange(5, dtype=np.uint8),
    }


@pytest.fixture
def make_idx_dir(write_idx, tiny_arrays):
    """``make_idx_dir(directory, gz=True) -> directory`` writes the four tiny IDX files."""

    def make(directory: Path, gz: bool = True) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for key, fname in IDX_FILES.items():
            write_idx(directory / (fname + ".gz" if gz else fname), tiny_arrays[key], gz=gz)
        return directory

    return make
