"""The one custom layer of the built-in models: a Dense layer tied to another's kernel."""

from __future__ import annotations

import keras
from keras import layers, ops


class DenseTranspose(layers.Layer):
    """``activation(x @ source.kernel.T + bias)``: a decoder layer tied to an encoder layer.

    Tied weights (Hinton & Salakhutdinov 2006) halve an autoencoder's parameters. The kernel
    stays owned by ``source``; it is deliberately not tracked here, so this layer's own weights
    are its bias alone and a model holding both networks counts the kernel once. Training-only:
    tied decoders are exported as plain Dense copies (:func:`networks.untied_copy`), so no saved
    file depends on this class.

    Args:
        source: the built :class:`keras.layers.Dense` whose kernel is reused.
        activation: activation applied after the bias.
    """

    def __init__(self, source, activation=None, **kwargs):
        super().__init__(**kwargs)
        object.__setattr__(self, "_source", source)  # not tracked: the encoder owns it
        self.activation = keras.activations.get(activation)
        self.units = int(source.kernel.shape[0])

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        kernel = ops.cast(self._source.kernel, inputs.dtype)
        return self.activation(ops.matmul(inputs, ops.transpose(kernel)) + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def effective_weights(self):
        """``[kernel, bias]`` of the equivalent plain Dense layer."""
        return [ops.transpose(self._source.kernel), self.bias]
