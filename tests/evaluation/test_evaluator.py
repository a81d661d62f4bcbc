"""The domain evaluator: shipped weights, integrity, batch-size invariance, training a new one."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from genlab.errors import DataError
from genlab.evaluation import evaluator as ev


def test_shipped_evaluator_is_small_recorded_and_accurate(evaluator, fashion):
    record = ev.shipped_evaluators()["fashion"]
    info = json.loads(record.read_text())
    weights = record.with_suffix(".npz")
    assert weights.stat().st_size < 2 * 2**20
    assert info["sha256"] == ev.sha256_file(weights)
    assert info["version"] == ev.ARCH_VERSION and info["test_accuracy"] >= 0.92
    assert evaluator.id == f"fashion-cnn@{ev.ARCH_VERSION}:{info['sha256'][:12]}"

    features, probs = evaluator.predict(fashion.test_images[:2000])
    assert features.shape == (2000, ev.FEATURE_DIM) and features.dtype == np.float32
    assert probs.shape == (2000, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert np.mean(probs.argmax(axis=1) == fashion.test_labels[:2000]) > 0.9


def test_features_do_not_depend_on_batch_size_or_input_dtype(evaluator, fashion):
    images = fashion.test_images[:301]
    reference, probs = evaluator.predict(images, batch_size=301)
    for batch_size in (1, 7, 64, 500):
        features, other = evaluator.predict(images, batch_size=batch_size)
        np.testing.assert_allclose(features, reference, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(other, probs, rtol=1e-5, atol=1e-6)
    as_float, _ = evaluator.predict(images.astype(np.float32) / 255.0)
    np.testing.assert_allclose(as_float, reference, rtol=1e-6, atol=1e-6)


def test_wrong_image_shape_is_a_clear_error(evaluator):
    with pytest.raises(DataError, match=r"takes images shaped \(28, 28, 1\)"):
        evaluator.predict(np.zeros((2, 32, 32, 3), np.float32))


def test_tampered_weights_are_refused(tmp_path):
    record = ev.shipped_evaluators()["fashion"]
    shutil.copy(record, tmp_path / record.name)
    data = bytearray(record.with_suffix(".npz").read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / record.with_suffix(".npz").name).write_bytes(bytes(data))
    with pytest.raises(DataError, match="sha256"):
        ev.load_evaluator(tmp_path / record.name)


def _write_folder(root, fashion, classes, per_class):
    for label in classes:
        folder = root / str(label) if classes != [None] else root
        folder.mkdir(parents=True, exist_ok=True)
        picked = np.flatnonzero(fashion.train_labels == (label or 0))[:per_class]
        for i in picked:
            Image.fromarray(fashion.train_images[i, :, :, 0]).save(folder / f"{i}.png")


def test_evaluator_train_caches_a_classifier_for_a_labeled_folder(tmp_path, fashion, cache_dir):
    from typer.testing import CliRunner

    from genlab.cli import app
    from genlab.data.folder import load_image_folder

    root = tmp_path / "clothes"
    _write_folder(root, fashion, [0, 1, 7], per_class=40)
    result = CliRunner().invoke(app, ["evaluator", "train", "--dataset", str(root), "-e", "1"])
    assert result.exit_code == 0, result.output
    splits, _ = load_image_folder(root)
    found = ev.find_evaluator(str(root.resolve()), splits)
    assert found is not None and found.info.kind == "classifier"
    assert found.info.class_names == ("0", "1", "7") and found.info.test_accuracy is not None
    assert found.id.startswith("clothes-cnn@")
    assert ev.cached_evaluator_dir(str(root.resolve()), splits).parent == cache_dir / "evaluators"
    again = CliRunner().invoke(app, ["evaluator", "train", "--dataset", str(root)])
    assert again.exit_code == 0 and "already trained" in again.output


def test_unlabeled_data_gets_an_autoencoder_evaluator(fashion):
    from genlab.data.arrays import ArraySplits

    splits = ArraySplits(fashion.train_images[:96], None, fashion.test_images[:16], None)
    weights, info = ev.train_evaluator(splits, "/data/unlabeled", epochs=1)
    assert info.kind == "autoencoder" and info.name == "unlabeled-ae"
    assert info.test_accuracy is None and 0 < info.test_mse < 0.5
    features, probs = ev.Evaluator(info, weights).predict(splits.test_images)
    assert features.shape == (16, ev.FEATURE_DIM) and probs is None


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    from genlab.evaluation.cache import cache_root

    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    monkeypatch.delenv("GENLAB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "genlab"
