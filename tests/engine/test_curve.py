"""The anytime quality curve: log-spaced points, honest points, unchanged training, exact resume.

Tiny real runs: the vanilla GAN on 512 Fashion-MNIST images, batch 32 (16 steps an epoch), two
epochs, points from 64 images seen on, 200 samples a point.
"""

from __future__ import annotations

import numpy as np
import pytest

from genlab.config import RunConfig
from genlab.run import run_one
from genlab.run_dir import RunDir

VALUES = ("images", "step", "fid", "kid", "precision", "recall", "n")
TINY = dict(
    dataset="fashion", limit=512, batch_size=32, eval_samples=200, curve_from=64, grids=False
)


def _run(root, name, **options) -> RunDir:
    config = RunConfig("gan", seed=3, out=str(root / name), **{**TINY, **options})
    run_one(config)
    return RunDir(root / name)


def _values(rows):
    return [{k: r[k] for k in VALUES} for r in rows]


def _weights(run: RunDir) -> list[bytes]:
    """Every saved variable, in order (their names depend on what the process built before)."""
    with np.load(run / "model.npz") as npz:
        return [npz[name].tobytes() for name in sorted(npz.files) if name != "__manifest__"]


@pytest.fixture(scope="module")
def full(tmp_path_factory, fashion):
    """Two whole epochs: points at 64, 128, 256, 512 and 1,024 (the end) images seen."""
    return _run(tmp_path_factory.mktemp("curve"), "full", epochs=2)


def test_points_double_from_the_first_and_end_where_training_ends(full):
    rows = full.read_curve()
    assert [r["images"] for r in rows] == [64, 128, 256, 512, 1024]
    assert [r.get("end", False) for r in rows] == [False] * 4 + [True]
    assert [r["step"] for r in rows] == [2, 4, 8, 16, 32]
    seconds = [r["train_seconds"] for r in rows]
    assert seconds == sorted(seconds) and seconds[0] > 0
    assert all(r["n"] == 200 and r["eval_seconds"] > 0 and r["fid"] > 0 for r in rows)
    assert all(0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1 for r in rows)
    # Evaluation time is not training time: the run's training seconds exclude it.
    history = full.read_history()
    assert rows[-1]["train_seconds"] == pytest.approx(history[-1]["elapsed"], abs=0.05)
    assert full.config["curve"] == 200 and full.config["curve_from"] == 64
    assert (full / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # in its pictures


def test_a_point_equals_a_run_stopped_there(full, tmp_path):
    """The point at 256 images is what a separate run stopped at 256 images scores."""
    stopped = _run(tmp_path, "stopped", epochs=2, images=256)
    rows = stopped.read_curve()
    assert [r["images"] for r in rows] == [64, 128, 256] and rows[-1]["end"]
    assert _values(rows) == _values(full.read_curve()[:3])
    assert stopped.read_history()[-1]["partial"]  # stopped mid-epoch, checkpointed there


def test_the_curve_leaves_training_unchanged(full, tmp_path):
    plain = _run(tmp_path, "plain", epochs=2, curve=0)
    assert plain.read_curve() == [] and "curve" not in plain.config
    assert _weights(plain) == _weights(full)


def test_a_resumed_run_has_the_same_curve(full, tmp_path):
    """Stopped at 384 images (mid-epoch), then resumed to two epochs: the end point at 384 goes,
    every scheduled point is the uninterrupted run's."""
    first = _run(tmp_path, "resumed", epochs=2, images=384)
    assert [r["images"] for r in first.read_curve()] == [64, 128, 256, 384]
    resumed = _run(tmp_path, "resumed", epochs=2, resume=True)
    assert _values(resumed.read_curve()) == _values(full.read_curve())
    assert _weights(resumed) == _weights(full)
