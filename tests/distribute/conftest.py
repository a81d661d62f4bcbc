"""Shared by the tf.distribute tests: the small default-strategy run to compare losses against."""

from __future__ import annotations

import json

import pytest

#: 512 images, a narrow DCGAN, 2 epochs: seconds per run, yet enough steps for stable losses.
#: The session's shared DCGAN run (tests/conftest.py) was made with these options.
SMALL = ["--limit", "512", "--set", "width=16", "--seed", "3", "--epochs", "2", "--no-eval"]
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
def default_run(dcgan_run):
    """The default strategy's run: the session's shared DCGAN run, at this global batch."""
    out, _ = dcgan_run
    config = json.loads((out / "config.json").read_text())
    assert (config["batch_size"], config["seed"], config["limit"]) == (GLOBAL_BATCH, 3, 512)
    assert config["hparams"]["width"] == 16 and config["device"]["strategy"] == "default"
    return out
