"""Encoder and decoder builders shared by the autoencoders and the VAE.

Every builder returns a plain functional :class:`keras.Model` of built-in layers, so networks save
as ``.keras`` and load in safe mode without genlab. Layers get explicit names, unique across encoder
and decoder: checkpoints list variables by path, and auto-numbered names (``dense_7``) would
change with build order. The
layers that produce codes, logits and pixels compute in float32, so mixed precision only changes
the hidden layers and every loss is taken in float32.

Decoders end in a float32 layer named ``logits`` followed by a sigmoid named ``pixels``:
:func:`logits_model` reuses the same layers to give losses the numerically stable logits.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from genlab_models.common.layers import DenseTranspose


def parse_sizes(value) -> tuple[int, ...]:
    """Layer sizes from ``"300,150"``, ``300`` or ``(300, 150)``; ``""`` means none."""
    if isinstance(value, int):
        sizes = (value,)
    elif isinstance(value, str):
        sizes = tuple(int(part) for part in value.replace(" ", "").split(",") if part)
    else:
        sizes = tuple(int(v) for v in value)
    if any(size < 1 for size in sizes):
        raise ValueError(f"layer sizes must be positive, got {value!r}")
    return sizes


def _dense(units, activation, name, dtype=None):
    # SELU keeps activations self-normalising only with LeCun-normal weights.
    init = "lecun_normal" if activation == "selu" else "glorot_uniform"
    return layers.Dense(
        units, activation=activation, kernel_initializer=init, name=name, dtype=dtype
    )


def dense_encoder(
    image_shape, hidden, code_dim, activation="selu", code_activation=None, name="encoder"
):
    """Flatten -> Dense(hidden...) -> Dense(code_dim): the stacked autoencoder's encoder."""
    image = keras.Input(tuple(image_shape), name="image")
    x = layers.Flatten(name="flatten")(image)
    for i, units in enumerate(parse_sizes(hidden)):
        x = _dense(units, activation, f"enc_hidden_{i}")(x)
    code = _dense(code_dim, code_activation, "code", dtype="float32")(x)
    return keras.Model(image, code, name=name)


def dense_decoder(code_dim, image_shape, hidden, activation="selu", tied_to=None, name="decoder"):
    """The mirror of :func:`dense_encoder`: Dense(reversed hidden...) -> pixels.

    Args:
        tied_to: the encoder whose Dense kernels this decoder reuses transposed (tied weights);
            ``None`` for a decoder with its own kernels.
    """
    image_shape = tuple(image_shape)
    sizes = [*reversed(parse_sizes(hidden)), math.prod(image_shape)]
    sources = None
    if tied_to is not None:
        sources = [layer for layer in tied_to.layers if isinstance(layer, layers.Dense)][::-1]
    code = keras.Input((code_dim,), name="code")
    x = code
    for i, units in enumerate(sizes):
        last = i == len(sizes) - 1
        act, layer_name = (None, "output") if last else (activation, f"dec_hidden_{i}")
        dtype = "float32" if last else None
        if sources is None:
            x = _dense(units, act, layer_name, dtype=dtype)(x)
        else:
            x = DenseTranspose(sources[i], activation=act, name=layer_name, dtype=dtype)(x)
    logits = layers.Reshape(image_shape, name="logits", dtype="float32")(x)
    pixels = layers.Activation("sigmoid", name="pixels", dtype="float32")(logits)
    return keras.Model(code, pixels, name=name)


def untied_copy(decoder, code_dim, image_shape, hidden, activation="selu"):
    """A plain-Dense copy of a tied :func:`dense_decoder` with the transposed kernels copied in.

    Same function, no custom layer: this is what a tied model exports, so its ``.keras`` file
    loads anywhere Keras does.
    """
    copy = dense_decoder(code_dim, image_shape, hidden, activation, name=decoder.name)
    for layer in copy.layers:
        if isinstance(layer, layers.Dense):
            tied = decoder.get_layer(layer.name)
            layer.set_weights([keras.ops.convert_to_numpy(w) for w in tied.effective_weights()])
    return copy


def conv_encoder(image_shape, filters, code_dim, heads=("code",), name="encoder"):
    """Strided 3x3 convolutions (each halves the image) -> Flatten -> one Dense per head.

    A VAE asks for two heads, ``("mean", "log_var")``; the model then has two outputs.
    """
    image = keras.Input(tuple(image_shape), name="image")
    x = image
    for i, width in enumerate(parse_sizes(filters)):
        x = layers.Conv2D(
            width, 3, strides=2, padding="same", activation="relu", name=f"enc_conv_{i}"
        )(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = [layers.Dense(code_dim, name=head, dtype="float32")(x) for head in heads]
    return keras.Model(image, outputs if len(outputs) > 1 else outputs[0], name=name)


def conv_decoder(code_dim, image_shape, filters, name="decoder"):
    """The mirror of :func:`conv_encoder`: Dense -> strided 3x3 transposed convolutions.

    Each transposed convolution doubles the sides and narrows to the previous encoder width;
    sides that are not a multiple of ``2**len(filters)`` are cropped back at the end.
    """
    height, width, channels = (int(d) for d in image_shape)
    widths = parse_sizes(filters)
    factor = 2 ** len(widths)
    small = (math.ceil(height / factor), math.ceil(width / factor))
    code = keras.Input((code_dim,), name="code")
    x = layers.Dense(small[0] * small[1] * widths[-1], activation="relu", name="project")(code)
    x = layers.Reshape((*small, widths[-1]), name="unflatten")(x)
    for i, out in enumerate((*reversed(widths[:-1]), widths[0])):
        x = layers.Conv2DTranspose(
            out, 3, strides=2, padding="same", activation="relu", name=f"dec_deconv_{i}"
        )(x)
    extra = (small[0] * factor - height, small[1] * factor - width)
    if any(extra):
        x = layers.Cropping2D(((0, extra[0]), (0, extra[1])), name="crop")(x)
    logits = layers.Conv2D(channels, 3, padding="same", name="logits", dtype="float32")(x)
    pixels = layers.Activation("sigmoid", name="pixels", dtype="float32")(logits)
    return keras.Model(code, pixels, name=name)


def logits_model(decoder):
    """The decoder up to its ``logits`` layer, sharing its weights (for stable cross-entropy)."""
    return keras.Model(
        decoder.input, decoder.get_layer("logits").output, name=f"{decoder.name}_logits"
    )
