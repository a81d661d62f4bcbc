"""Stand-in models for suite tests: known outputs, no training."""

from __future__ import annotations

import numpy as np

from genlab.data.loading import LoadedData
from genlab.specs import ModelConfig, ModelSpec


def spec(*capabilities: str, output_range=(-1.0, 1.0)) -> ModelSpec:
    return ModelSpec(
        name="fake",
        description="test stand-in",
        family="test",
        build=lambda config, shape: None,
        capabilities=frozenset(capabilities),
        output_range=output_range,
    )


def data(splits, name: str = "fashion") -> LoadedData:
    return LoadedData(name=name, splits=splits, image_shape=splits.image_shape)


class FakeModel:
    """Samples are drawn from ``images`` ([0, 1]); reconstruction is the identity.

    Optional behaviour is added by keyword, replacing GenerativeModel's defaults: ``corrupt``,
    ``elbo_terms``, ``log_likelihood_iw``, a ``config``.
    """

    def __init__(self, images01=None, output_range=(-1.0, 1.0), config=None, **extra):
        self.images01 = images01
        self.lo, self.hi = output_range
        self.config = config or ModelConfig()
        for name, value in extra.items():
            setattr(self, name, value)

    def _to_model(self, images01):
        return (images01 * (self.hi - self.lo) + self.lo).astype(np.float32)

    def sample(self, n, seed=0, progress=None):
        picked = np.random.default_rng(seed).choice(len(self.images01), n, replace=True)
        return self._to_model(self.images01[picked])

    @staticmethod
    def predict_batches(fn, inputs, batch_size=500):
        return np.concatenate(
            [np.asarray(fn(inputs[i : i + batch_size])) for i in range(0, len(inputs), batch_size)]
        )

    def reconstruct(self, x, training=False):
        return np.asarray(x)

    def encode(self, x, training=False):
        return np.asarray(x).reshape(len(x), -1)

    def networks(self):
        return {}

    # GenerativeModel's optional methods, with its defaults (overridden by keyword).
    def corrupt(self, x):
        return x

    def network_evaluations_per_sample(self):
        return 1

    def elbo_terms(self, x):
        raise NotImplementedError("FakeModel has no elbo_terms()")

    def log_likelihood_iw(self, x, k):
        raise NotImplementedError("FakeModel has no log_likelihood_iw()")


def noise_images(n: int, shape=(28, 28, 1), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, (n, *shape)).astype(np.float32)
