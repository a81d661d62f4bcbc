"""Fixtures for the model tests: small real Fashion-MNIST slices and a short training helper."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genlab.config import make_model_config
from genlab.data.pipeline import scale, training_dataset
from genlab.registry import get_model
from genlab.run import build_model


@pytest.fixture(scope="session")
def train_images(fashion) -> np.ndarray:
    """4096 uint8 training images (N, 28, 28, 1)."""
    return fashion.train_images[:4096]


@pytest.fixture(scope="session")
def eval_batch(fashion) -> np.ndarray:
    """512 test images as float32 in [0, 1]."""
    return scale(fashion.test_images[:512], (0.0, 1.0))


def make(name, seed=0, **overrides):
    """Build model ``name`` with ``overrides``, seeded, compiled, untrained."""
    spec = get_model(name)
    keras.utils.set_random_seed(seed)
    model = build_model(spec, make_model_config(spec, overrides), (28, 28, 1))
    model.compile()
    return model


def fit(model, images, epochs=1, batch_size=64, seed=0, value_range=(0.0, 1.0)) -> dict:
    """Fit ``model`` on uint8 ``images`` through the engine's input pipeline; the history."""
    data = training_dataset(images, batch_size, value_range, seed, 0, epochs)
    steps = len(images) // batch_size
    return model.fit(data, epochs=epochs, steps_per_epoch=steps, verbose=0, shuffle=False).history


def train(name, images, epochs=1, batch_size=64, seed=0, **overrides):
    """Build and fit model ``name``; returns ``(model, history)``."""
    model = make(name, seed=seed, **overrides)
    value_range = get_model(name).output_range
    return model, fit(model, images, epochs, batch_size, seed, value_range)


@pytest.fixture(scope="session")
def make_model():
    """``make_model(name, seed=0, **overrides)``: a built, untrained model."""
    return make


@pytest.fixture(scope="session")
def fit_model():
    """``fit_model(model, images, epochs=1, batch_size=64, seed=0, value_range=(0, 1))``."""
    return fit


@pytest.fixture(scope="session")
def train_model():
    """``train_model(name, images, epochs=1, batch_size=64, seed=0, **overrides)``."""
    return train
