"""Shared by the tf.distribute tests: one small default-strategy run to compare losses against."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

#: 512 images, a narrow DCGAN, 2 epochs: seconds per run, yet enough steps for stable losses.
SMALL = ["--limit", "512", "--set", "width=16", "--seed", "5", "--epochs", "2", "--no-eval"]
#: The global batch of every run below; each strategy splits it over its replicas.
GLOBAL_BATCH = 64


def history(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "history.jsonl").read_text().splitlines()]


def assert_comparable(rows, reference_rows) -> None:
    """Finite losses of the same size as the single-device run (GAN losses are noisy)."""
    assert [r["epoch"] for r in rows] == [r["epoch"] for r in reference_rows]
    for key in ("d_loss", "g_loss"):
        value, reference = rows[-1][key], reference_rows[-1][key]
        assert 0.0 < value < 10.0, (key, value)
        assert abs(value - reference) <= 0.35 * reference, (key, value, reference)


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "run"
    result = run_cli("run", "dcgan", "--batch-size", GLOBAL_BATCH, "--out", out, *SMALL)
    assert result.returncode == 0, result.stderr
    return out
