"""Checkpoints: exact round trip, validation, and fallback past a corrupt file."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genlab.engine import checkpoint
from genlab.errors import CheckpointError


def _variables(seed):
    rng = np.random.default_rng(seed)
    return [
        keras.Variable(rng.standard_normal((3, 4)).astype("float32"), name="w"),
        keras.Variable(np.int64(seed), name="step"),
    ]


def test_round_trip_and_keep_newest(tmp_path):
    source = _variables(1)
    for epoch in (1, 2, 3):
        checkpoint.save(tmp_path, epoch, source, keep=2)
    assert [p.name for p in checkpoint.list_checkpoints(tmp_path)] == [
        "ckpt-0002.npz",
        "ckpt-0003.npz",
    ]
    target = _variables(2)
    assert checkpoint.restore_latest(tmp_path, target) == (3, 0)
    for a, b in zip(source, target, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not list(tmp_path.glob("*.tmp")), "no temporary files may be left behind"


def test_corrupt_newest_falls_back_to_previous(tmp_path):
    source = _variables(1)
    checkpoint.save(tmp_path, 1, source)
    newest = checkpoint.save(tmp_path, 2, source)
    newest.write_bytes(newest.read_bytes()[:100])
    warnings = []
    assert checkpoint.restore_latest(tmp_path, _variables(3), warn=warnings.append) == (1, 0)
    assert "ckpt-0002.npz is unreadable" in warnings[0]


def test_all_corrupt_is_a_clear_error(tmp_path):
    (tmp_path / "ckpt-0001.npz").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="no readable checkpoint"):
        checkpoint.restore_latest(tmp_path, _variables(1), warn=lambda m: None)


def test_mismatched_model_is_rejected(tmp_path):
    path = checkpoint.save(tmp_path, 1, _variables(1))
    with pytest.raises(CheckpointError, match="does not match the model"):
        checkpoint.load(path, _variables(1)[:1])


def test_no_checkpoint_means_fresh_start(tmp_path):
    assert checkpoint.restore_latest(tmp_path / "missing", _variables(1)) is None


def test_mid_epoch_checkpoints_sort_after_their_epoch(tmp_path):
    source = _variables(4)
    checkpoint.save(tmp_path, 1, source, keep=5)
    checkpoint.save(tmp_path, 1, source, keep=5, step=7)
    checkpoint.save(tmp_path, 0, source, keep=5, step=3)
    names = [p.name for p in checkpoint.list_checkpoints(tmp_path)]
    assert names == ["ckpt-0000-000003.npz", "ckpt-0001.npz", "ckpt-0001-000007.npz"]
    assert checkpoint.restore_latest(tmp_path, _variables(5)) == (1, 7)


def test_model_built_twice_in_one_process_restores(tmp_path):
    """Keras numbers auto-named layers per process; a checkpoint must not depend on that."""
    from genlab.registry import get_model
    from genlab.run import build_model

    spec = get_model("dcgan")
    first = build_model(spec, spec.config(width=8), (28, 28, 1))
    path = checkpoint.save(tmp_path, 1, first.state_variables())
    second = build_model(spec, spec.config(width=8), (28, 28, 1))
    assert checkpoint.load(path, second.state_variables()) == (1, 0)
    for a, b in zip(first.state_variables(), second.state_variables(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
