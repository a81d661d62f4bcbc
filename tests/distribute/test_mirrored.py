"""MirroredStrategy on two logical CPU devices of one process, through the real CLI."""

from __future__ import annotations

import json

from tests.conftest import run_cli, run_cli_process
from tests.distribute.conftest import GLOBAL_BATCH, SMALL, assert_comparable, history


def test_mirrored_on_two_cpu_devices_matches_the_default_strategy(tmp_path, default_run):
    out = tmp_path / "mirrored"
    # a fresh process: logical CPU devices can only be configured before TensorFlow starts
    result = run_cli_process(
        "run",
        "dcgan",
        "--strategy",
        "mirrored",
        "--batch-size",
        GLOBAL_BATCH // 2,  # per replica
        "--out",
        out,
        *SMALL,
        env={"GENLAB_CPU_DEVICES": "2"},
    )
    assert result.returncode == 0, result.stderr
    device = json.loads((out / "config.json").read_text())["device"]
    assert device["strategy"] == "mirrored" and device["replicas"] == 2
    assert json.loads((out / "status.json").read_text())["state"] == "complete"
    assert (out / "checkpoints" / "ckpt-0002.npz").is_file()
    assert (out / "samples" / "epoch-0002.png").is_file()
    rows = history(out)
    assert all(row["steps"] == 512 // GLOBAL_BATCH for row in rows)
    assert_comparable(rows, history(default_run))


def test_cpu_devices_must_be_a_positive_integer(tmp_path):
    result = run_cli(
        "run", "dcgan", "--out", tmp_path / "r", *SMALL, env={"GENLAB_CPU_DEVICES": "two"}
    )
    assert result.returncode == 2
    assert "GENLAB_CPU_DEVICES must be a positive integer" in result.stderr
