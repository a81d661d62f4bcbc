"""``--track-fid``: FID after every epoch, without changing the training or its clock."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from genlab.engine.callbacks import EpochRecorder, TimeBudget


def _run(tmp_path, name, track_fid):
    from genlab.run_dir import RunDir
    from tests.conftest import train_tiny_run

    out = tmp_path / name
    train_tiny_run(out, seed=3, track_fid=track_fid)
    with np.load(out / "model.npz", allow_pickle=False) as data:
        weights = {k: data[k] for k in data.files}
    return RunDir(out).read_history(), weights, RunDir(out).config


def test_tracked_run_records_fid_per_epoch_and_trains_exactly_like_an_untracked_one(tmp_path):
    tracked, tracked_weights, config = _run(tmp_path, "tracked", 300)
    plain, plain_weights, _ = _run(tmp_path, "plain", 0)
    assert config["track_fid"] == 300
    fids = [row["fid"] for row in tracked]
    assert len(fids) == 2 and all(math.isfinite(f) and f > 0 for f in fids)
    assert all("fid" not in row for row in plain)
    assert [r["loss"] for r in tracked] == [r["loss"] for r in plain]
    assert tracked_weights.keys() == plain_weights.keys()
    for key in plain_weights:
        np.testing.assert_array_equal(tracked_weights[key], plain_weights[key], err_msg=key)


def test_measuring_is_not_training_time():
    budget = TimeBudget(60.0)
    deadline = budget.deadline

    def slow_metric(epoch):
        time.sleep(0.2)
        return {"fid": float(epoch)}

    recorder = EpochRecorder(
        None, [], 64, 10, None, [], None, epoch_metrics=slow_metric, budget=budget
    )
    values = recorder._measure(3)
    assert values["fid"] == 3.0 and values["measure_seconds"] >= 0.2
    assert budget.deadline - deadline >= 0.2, "the budget's clock must stop while measuring"


def test_negative_track_fid_is_a_config_error():
    from genlab.config import RunConfig
    from genlab.errors import ConfigError

    with pytest.raises(ConfigError, match="--track-fid"):
        RunConfig(model="dcgan", track_fid=-5).validate()
