"""Validation losses after every epoch, for models that report them on held-out images.

The engine calls the function made here at each epoch end (like ``--track-fid``), so its time is
not training time; the values join the epoch's history row, TensorBoard and the loss plot.
"""

from __future__ import annotations

import numpy as np

#: Validation images per batch; memory only, the result is the same for any size.
BATCH = 500


def validation_metrics(model, images_uint8: np.ndarray, value_range):
    """A function ``(epoch) -> {"val_<loss>": mean}``, or None when there is nothing to measure.

    Nothing to measure: no held-out images, or a model whose
    :meth:`~genlab.model.GenerativeModel.validation_losses` reports nothing.
    """
    from keras import ops

    from genlab.backends import compiled_function
    from genlab.data.pipeline import scale
    from genlab.model import GenerativeModel

    declared = getattr(type(model), "validation_losses", GenerativeModel.validation_losses)
    if not len(images_uint8) or declared is GenerativeModel.validation_losses:
        return None
    images = np.asarray(scale(images_uint8, value_range), "float32")
    losses = compiled_function(model.validation_losses, (None, *images.shape[1:]), model.variables)

    def measure(epoch: int) -> dict:
        totals: dict[str, float] = {}
        for start in range(0, len(images), BATCH):
            batch = images[start : start + BATCH]
            for name, value in losses(ops.convert_to_tensor(batch)).items():
                totals[name] = totals.get(name, 0.0) + float(value) * len(batch)
        return {f"val_{name}": round(total / len(images), 6) for name, total in totals.items()}

    return measure
