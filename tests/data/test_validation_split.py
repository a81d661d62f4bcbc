"""The validation split: seeded, disjoint, reported per epoch for models with held-out losses."""

from __future__ import annotations

import numpy as np
import pytest

from genlab.data.arrays import ArraySplits
from genlab.data.split import check_fraction, resolve_fraction, split
from genlab.errors import ConfigError
from genlab.registry import get_model
from tests.conftest import run_cli, train_tiny_run


def _splits(n=100):
    images = np.arange(n, dtype=np.uint8).reshape(n, 1, 1, 1)
    return ArraySplits(
        train_images=images,
        train_labels=np.arange(n) % 10,
        test_images=images[:0],
        test_labels=np.arange(0),
        class_names=[str(i) for i in range(10)],
    )


def test_split_is_seeded_disjoint_and_keeps_order():
    kept, held = split(_splits(), 0.1, seed=3)
    train = kept.train_images.ravel().tolist()
    assert len(held) == 10 and len(train) == 90
    assert sorted(train + held.ravel().tolist()) == list(range(100))
    assert train == sorted(train)  # the training images keep their order
    assert (kept.train_labels == np.asarray(train) % 10).all()  # labels follow their images
    again, held_again = split(_splits(), 0.1, seed=3)
    assert (held_again == held).all() and (again.train_images == kept.train_images).all()
    _, other = split(_splits(), 0.1, seed=4)
    assert set(other.ravel()) != set(held.ravel())
    unchanged, none = split(_splits(), 0.0, seed=3)
    assert len(none) == 0 and len(unchanged.train_images) == 100


def test_fraction_checks_and_defaults():
    for bad in (-0.1, 0.6, "x", True):
        with pytest.raises(ConfigError, match="--val-fraction"):
            check_fraction(bad)
    check_fraction(0)
    check_fraction(None)
    assert resolve_fraction(None, get_model("conv_ae")) == 0.1
    assert resolve_fraction(None, get_model("vae")) == 0.1
    assert resolve_fraction(None, get_model("dcgan")) == 0.0  # a GAN keeps all its images
    assert resolve_fraction(0.2, get_model("dcgan")) == 0.2
    assert resolve_fraction(0, get_model("vae")) == 0.0


def test_bad_fraction_is_one_error_line(tmp_path):
    result = run_cli("run", "stacked_ae", "--val-fraction", "0.9", "--out", tmp_path / "r")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --val-fraction must be between 0 and 0.5 (0 disables the split), got 0.9"
    ]


@pytest.fixture(scope="module")
def run_with_validation(tmp_path_factory, fashion):
    out = tmp_path_factory.mktemp("val") / "run"
    with pytest.MonkeyPatch.context() as patch:  # float32, to compare with a reloaded model
        patch.setenv("GENLAB_MIXED_PRECISION", "0")
        train_tiny_run(out)  # stacked_ae, 512 images: 51 held out (default 0.1), 461 trained on
    return out


def test_validation_losses_per_epoch(run_with_validation, fashion):
    from genlab.data.loading import first_train_images, reload_run_data
    from genlab.data.pipeline import scale
    from genlab.run import load_run_model
    from genlab.run_dir import RunDir

    run = RunDir(run_with_validation)
    config = run.config
    assert (config["val_fraction"], config["val_images"], config["train_images"]) == (0.1, 51, 461)
    history = run.read_history()
    assert [row["steps"] for row in history] == [7, 7]  # 461 // 64
    assert all("val_loss" in row for row in history)
    assert history[1]["val_loss"] < history[0]["val_loss"]

    # The last value is the loss of the final weights on exactly the held-out images.
    _, held = split(first_train_images(fashion, 512), 0.1, seed=0)
    _, _, model = load_run_model(run_with_validation)
    losses = model.validation_losses(scale(held, (0.0, 1.0)))
    assert float(losses["loss"]) == pytest.approx(history[-1]["val_loss"], rel=1e-5)
    trained, _ = reload_run_data(config)
    assert len(trained.splits.train_images) == 461  # evaluation sees what training saw

    events = b"".join(p.read_bytes() for p in (run_with_validation / "tensorboard").rglob("*"))
    assert b"val_loss" in events


def test_no_split_when_disabled_or_for_gans(tmp_path, fashion):
    from genlab.data.loading import LoadedData
    from genlab.run import run_identity
    from genlab.run_dir import RunDir

    train_tiny_run(tmp_path / "none", val_fraction=0)
    run = RunDir(tmp_path / "none")
    assert run.config["train_images"] == 512 and run.config["val_images"] == 0
    assert "val_fraction" not in run.config
    assert not any(k.startswith("val_") for row in run.read_history() for k in row)

    data = LoadedData("fashion", fashion, (28, 28, 1))
    spec = get_model("dcgan")
    identity = run_identity(spec, spec.config(), data, 128, 0)
    assert identity["train_images"] == 60_000 and "val_fraction" not in identity
