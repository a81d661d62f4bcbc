"""Optional FID in ImageNet Inception-v3 space, for comparison with published numbers.

The domain evaluator is what genlab's FID uses; Inception-FID is offered only because papers
report it. It needs Keras's ImageNet weights file to be present locally: genlab never downloads
it (evaluation must work offline and must not change silently when a remote file changes).
Images are resized to 299x299 (bilinear), grayscale is repeated to three channels, and pixels are
mapped to [-1, 1] as Inception-v3 expects; features are the 2048-d average-pooled activations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genlab.errors import DataError

WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/" + WEIGHTS_FILE
)
INPUT_SIZE = 299
BATCH_SIZE = 50


def weights_path() -> Path:
    """Where Keras keeps the file: ``$KERAS_HOME/models`` (``~/.keras/models`` by default)."""
    from genlab.data.sources import keras_home

    return keras_home() / "models" / WEIGHTS_FILE


def check_weights() -> Path:
    """The weights file, or a one-line :class:`DataError` saying where to put it."""
    path = weights_path()
    if not path.is_file():
        raise DataError(
            f"--inception needs Keras's ImageNet Inception-v3 weights at {path}; genlab does not "
            f"download them. Fetch {WEIGHTS_URL} on a machine with network access and copy it there"
        )
    return path


def preprocess(images, size: int = INPUT_SIZE):
    """``[0, 1]`` images ``(n, h, w, 1 or 3)`` -> float32 ``(n, size, size, 3)`` in [-1, 1]."""
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(images, np.float32))
    x = tf.image.resize(x, (size, size), method="bilinear")
    if x.shape[-1] == 1:
        x = tf.repeat(x, 3, axis=-1)
    return tf.clip_by_value(x, 0.0, 1.0) * 2.0 - 1.0


def build_network(weights: str | Path | None, size: int = INPUT_SIZE):
    """Inception-v3 without its classifier, average-pooled; ``weights=None`` gives random ones."""
    import keras

    return keras.applications.InceptionV3(
        include_top=False, weights=weights, input_shape=(size, size, 3), pooling="avg"
    )


def features(images, network, size: int = INPUT_SIZE, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Pool features of ``[0, 1]`` images (uint8 images are scaled first)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    chunks = [
        np.asarray(network(preprocess(images[i : i + batch_size], size), training=False))
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(chunks)


def inception_fid(samples, test_images) -> float:
    """FID between samples and the test split in Inception-v3 pool space."""
    from genlab.evaluation import stats
    from genlab.evaluation.cache import cached_array, content_hash

    network = build_network(str(check_weights()))
    real = cached_array(
        f"inception-{content_hash(test_images)[:20]}", lambda: features(test_images, network)
    )
    return stats.fid(real, features(samples, network))
