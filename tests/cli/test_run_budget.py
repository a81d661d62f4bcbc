"""`genlab run --images` trains to the image budget, as every run of `genlab compare` does; an
explicit `--epochs` that ends the run first says so before training starts."""

from __future__ import annotations

import json

from tests.conftest import run_cli

COMMON = ["--limit", "2048", "--no-eval", "--curve", "0", "--val-fraction", "0"]


def _images_seen(out, batch: int = 128) -> int:
    rows = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    return sum(row["steps"] for row in rows) * batch


def test_run_images_sees_the_whole_budget_past_the_default_epochs(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", "stacked_ae", "--images", "40960", *COMMON, "--out", out)
    assert result.returncode == 0, result.stderr
    # 20 epochs of 2,048 images: twice stacked_ae's default of 10 epochs
    assert _images_seen(out) == 40_960
    assert "note:" not in result.stdout + result.stderr


def test_epochs_that_end_first_are_announced(tmp_path):
    out = tmp_path / "run"
    args = ["run", "stacked_ae", "--images", "40960", "--epochs", "2", *COMMON, "--out", out]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert "--epochs 2 ends this run at 4,096 images, before --images 40,960" in (
        result.stdout + result.stderr
    )
    assert _images_seen(out) == 4_096
