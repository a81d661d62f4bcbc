"""The vanilla GAN: alternating updates, each network with its own optimizer."""

from __future__ import annotations

import numpy as np


def test_one_step_updates_both_networks_with_their_own_optimizers(
    train_images, make_model, fit_model
):
    model = make_model("gan", hidden="32,64", latent_dim=8)
    assert model.alternating
    before = {
        "generator": [w.copy() for w in model.generator.get_weights()],
        "discriminator": [w.copy() for w in model.discriminator.get_weights()],
    }
    history = fit_model(model, train_images[:64], batch_size=64, value_range=(-1.0, 1.0))
    assert {"d_loss", "g_loss", "d_real_acc"} <= set(history)
    for (optimizer, network), name in zip(
        model.optimizer_pairs(), ("generator", "discriminator"), strict=True
    ):
        assert network is getattr(model, name)
        assert int(optimizer.iterations.numpy()) == 1, name
        after = network.get_weights()
        assert all(not np.array_equal(a, b) for a, b in zip(before[name], after, strict=True))
    assert model.g_optimizer is not model.d_optimizer
    samples = model.sample(8)
    assert samples.min() >= -1.0 and samples.max() <= 1.0
