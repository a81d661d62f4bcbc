"""Evaluation fixtures: a private cache, the shipped evaluator, small real Fashion-MNIST splits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("genlab-cache")


@pytest.fixture(autouse=True)
def _private_cache(cache_dir, monkeypatch):
    """Every test caches features and floors in one per-session folder, never in ~/.cache."""
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(cache_dir))


@pytest.fixture(scope="session")
def evaluator():
    from genlab.evaluation.evaluator import load_evaluator, shipped_evaluators

    return load_evaluator(shipped_evaluators()["fashion"])


@pytest.fixture(scope="session")
def small(fashion):
    """4,000 training and 2,000 test images of real Fashion-MNIST."""
    return dataclasses.replace(
        fashion,
        train_images=fashion.train_images[:4000],
        train_labels=fashion.train_labels[:4000],
        test_images=fashion.test_images[:2000],
        test_labels=fashion.test_labels[:2000],
    )


@pytest.fixture(scope="session")
def held_out(fashion) -> np.ndarray:
    """2,000 real training images that ``small`` does not contain, in [0, 1]."""
    return fashion.train_images[50_000:52_000].astype(np.float32) / 255.0
