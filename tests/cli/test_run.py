"""`genlab run` and `genlab sample` end to end on a real Fashion-MNIST subset."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genlab.run_dir import RunDir
from tests.conftest import DCGAN_SMALL as SMALL


@pytest.fixture(scope="module")
def finished_run(dcgan_run):
    """The session's shared DCGAN run (tests/conftest.py): 2 epochs, 512 images, width 16,
    seed 3, evaluated on 500 samples."""
    return dcgan_run


def test_run_leaves_a_complete_run_directory(finished_run):
    out, result = finished_run
    run = RunDir(out)
    assert run.status["state"] == "complete"
    for name in (
        "config.json",
        "history.jsonl",
        "samples.png",
        "losses.png",
        "progress.gif",
        "fixed_latents.npy",
        "model.npz",
        "metrics.json",
        "networks/generator.keras",
        "networks/discriminator.keras",
        "samples/epoch-0001.png",
        "samples/epoch-0002.png",
        "checkpoints/ckpt-0002.npz",
    ):
        assert (out / name).is_file(), name
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    config = run.config
    assert config["model"] == "dcgan" and config["train_images"] == 512
    assert config["hparams"]["width"] == 16 and config["seed"] == 3
    assert config["device"]["device"] in ("cpu", "gpu")
    history = run.read_history()
    assert [row["epoch"] for row in history] == [1, 2]
    assert all(row["images_per_s"] > 0 and np.isfinite(row["d_loss"]) for row in history)
    assert "done: dcgan 2 epochs" in result.stderr
    assert not list(out.rglob("*.tmp"))


def test_sample_npy_is_float32_in_unit_range(finished_run, tmp_path, cli):
    out, _ = finished_run
    target = tmp_path / "s.npy"
    result = cli("sample", out, "-n", "16", "-o", target)
    assert result.returncode == 0, result.stderr
    images = np.load(target, allow_pickle=False)
    assert images.shape == (16, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0 and images.std() > 0.01


def test_sample_png_and_seed_reproducibility(finished_run, tmp_path, cli):
    out, _ = finished_run
    for name in ("a.npy", "b.npy"):
        assert cli("sample", out, "-n", "4", "--seed", "9", "-o", tmp_path / name).returncode == 0
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))
    assert cli("sample", out, "-n", "9", "-o", tmp_path / "g.png").returncode == 0
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_existing_run_is_not_overwritten(finished_run, cli):
    out, _ = finished_run
    result = cli("run", "dcgan", "--out", out, *SMALL)
    assert result.returncode == 2 and "already holds a run" in result.stderr


def test_resume_with_other_options_is_refused(finished_run, cli):
    out, _ = finished_run
    result = cli(
        "run",
        "dcgan",
        "--out",
        out,
        "--resume",
        "--limit",
        "256",
        "--batch-size",
        "64",
        "--set",
        "width=16",
        "--seed",
        "3",
    )
    assert result.returncode == 2 and "train_images differ" in result.stderr


def test_metrics_json_is_valid(finished_run):
    out, _ = finished_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert isinstance(metrics, dict) and metrics


def test_ema_is_recorded_sampled_from_and_leaves_training_unchanged(finished_run, tmp_path, cli):
    """--ema: the same training as without it (raw weights in the checkpoints are identical),
    but `sample` draws from the average; resuming with another decay is refused."""
    from genlab.engine.checkpoint import list_checkpoints

    plain, _ = finished_run
    averaged = tmp_path / "ema"
    result = cli(
        "run", "dcgan", "--epochs", "2", "--out", averaged, "--no-eval", "--ema", "0.9", *SMALL
    )
    assert result.returncode == 0, result.stderr
    assert json.loads((averaged / "config.json").read_text())["ema"] == 0.9
    assert "ema" not in json.loads((plain / "config.json").read_text())  # off by default
    with (
        np.load(list_checkpoints(plain / "checkpoints")[-1]) as raw,
        np.load(list_checkpoints(averaged / "checkpoints")[-1]) as with_average,
    ):
        shared = [k for k in raw.files if k.startswith("v")]
        assert len(with_average.files) > len(raw.files)  # the average is checkpointed too
        for key in shared:
            np.testing.assert_array_equal(raw[key], with_average[key])
    samples = {}
    for name, run in (("plain", plain), ("ema", averaged)):
        target = tmp_path / f"{name}.npy"
        assert cli("sample", run, "-n", "16", "--seed", "5", "-o", target).returncode == 0
        samples[name] = np.load(target)
    assert np.abs(samples["plain"] - samples["ema"]).max() > 1e-3
    refused = cli("run", "dcgan", "--out", averaged, "--resume", "--no-ema", *SMALL)
    assert refused.returncode == 2 and "ema differ" in refused.stderr, refused.stderr
