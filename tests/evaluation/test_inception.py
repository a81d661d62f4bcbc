"""Inception-FID's preprocessing and its refusal to run without local weights."""

from __future__ import annotations

import numpy as np
import pytest

from genlab.errors import DataError
from genlab.evaluation import inception


def test_missing_weights_name_the_file_and_where_it_goes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(DataError) as caught:
        inception.check_weights()
    message = str(caught.value)
    assert "\n" not in message
    assert str(tmp_path / "models" / inception.WEIGHTS_FILE) in message
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / inception.WEIGHTS_FILE).write_bytes(b"stand-in")
    assert inception.check_weights() == tmp_path / "models" / inception.WEIGHTS_FILE


def test_preprocessing_resizes_to_three_channels_in_minus_one_one():
    images = np.random.default_rng(0).uniform(0, 1, (3, 28, 28, 1)).astype(np.float32)
    images[0] = 0.0
    x = np.asarray(inception.preprocess(images, size=75))
    assert x.shape == (3, 75, 75, 3) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grayscale repeated
    assert np.all(x[0] == -1.0)  # black stays black


def test_features_batch_through_any_pooled_network():
    import keras

    network = keras.Sequential(
        [keras.Input((75, 75, 3)), keras.layers.Conv2D(4, 3), keras.layers.GlobalAveragePooling2D()]
    )
    images = (np.random.default_rng(1).uniform(0, 1, (7, 28, 28, 1)) * 255).astype(np.uint8)
    whole = inception.features(images, network, size=75, batch_size=7)
    pieces = inception.features(images, network, size=75, batch_size=3)
    assert whole.shape == (7, 4)
    np.testing.assert_allclose(pieces, whole, rtol=1e-5, atol=1e-6)
