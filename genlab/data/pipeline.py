"""The tf.data input pipeline: in-memory, reshuffled per epoch, batched, scaled, prefetched.

The shuffle order of epoch ``e`` depends only on ``(seed, e)``, so a run resumed at epoch ``e``
sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import numpy as np


def scale(images_uint8, value_range):
    """uint8 pixels -> float32 in ``value_range`` (works on numpy arrays and tensors)."""
    lo, hi = value_range
    factor = (hi - lo) / 255.0
    if isinstance(images_uint8, np.ndarray):
        return images_uint8.astype("float32") * np.float32(factor) + np.float32(lo)
    from keras import ops

    return ops.cast(images_uint8, "float32") * factor + lo


def unscale(images, value_range) -> np.ndarray:
    """Model-range images -> float32 in [0, 1], clipped."""
    lo, hi = value_range
    return np.clip((np.asarray(images, "float32") - lo) / (hi - lo), 0.0, 1.0)


def training_dataset(
    images_uint8: np.ndarray, batch_size: int, value_range, seed: int, start_epoch: int, epochs: int
):
    """Batches for epochs ``start_epoch .. epochs-1``; ``len(images) // batch_size`` per epoch."""
    import tensorflow as tf

    n = int(len(images_uint8))
    images = tf.constant(images_uint8)

    def one_epoch(epoch):
        keys = tf.random.stateless_uniform([n], seed=tf.stack([tf.cast(seed, tf.int64), epoch]))
        order = tf.argsort(keys)
        batches = tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=True)
        return batches.map(lambda idx: scale(tf.gather(images, idx), value_range))

    dataset = tf.data.Dataset.range(start_epoch, epochs).flat_map(one_epoch)
    options = tf.data.Options()
    options.experimental_deterministic = True
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)
