"""Every built-in model of this package survives the basic life cycle on a tiny dataset."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from genlab.data.pipeline import scale
from genlab.registry import get_model

SMALL = {
    "stacked_ae": {"hidden": "64,32", "code_dim": 8},
    "stacked-ae": {"hidden": "64,32", "code_dim": 8, "tied": True},
    "conv_ae": {"filters": "8,16", "code_dim": 8},
    "denoising_ae": {"filters": "8,16", "code_dim": 8, "noise": "mask"},
    "sparse_ae": {"hidden": "64", "code_dim": 16, "penalty": "l1"},
    "vae": {"filters": "8,16", "latent_dim": 4},
    "gan": {"hidden": "32,64", "latent_dim": 8},
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_build_step_sample_reconstruct_save(name, train_images, train_model, tmp_path):
    spec = get_model(name)
    model, history = train_model(name, train_images[:128], batch_size=64, **SMALL[name])
    assert all(np.isfinite(values[-1]) for values in history.values()), history
    model.finalize(scale(train_images[:256], spec.output_range))
    lo, hi = spec.output_range
    samples = model.sample(4)
    assert samples.shape == (4, 28, 28, 1) and samples.dtype == np.float32
    assert lo <= samples.min() and samples.max() <= hi
    if spec.can("reconstruct"):
        recon = np.asarray(model.reconstruct(scale(train_images[:3], spec.output_range)))
        assert recon.shape == (3, 28, 28, 1)
    for net_name, network in model.networks().items():
        path = tmp_path / f"{net_name}.keras"
        network.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
        inputs = np.random.default_rng(0).standard_normal((2, *network.input_shape[1:]))
        expected = keras.tree.flatten(network(inputs.astype("float32")))
        for a, b in zip(
            expected, keras.tree.flatten(loaded(inputs.astype("float32"))), strict=True
        ):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
