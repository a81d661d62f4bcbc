"""The VAE: separate loss terms, the KL pull to the prior, prior sampling, likelihood estimates."""

from __future__ import annotations

import numpy as np
import pytest

SMALL = {"filters": "8,16", "latent_dim": 8}


@pytest.fixture(scope="module")
def vae(train_images, train_model):
    return train_model("vae", train_images[:2048], epochs=2, **SMALL)


def test_losses_are_logged_separately_and_kl_is_positive(vae):
    _, history = vae
    assert all(kl > 0 for kl in history["kl_loss"])
    for loss, recon, kl in zip(
        history["loss"], history["recon_loss"], history["kl_loss"], strict=True
    ):
        assert loss == pytest.approx(recon + kl, rel=1e-4)
    assert history["loss"][-1] < history["loss"][0]


def test_kl_falls_as_beta_pulls_the_posterior_to_the_prior(
    vae, train_images, make_model, fit_model
):
    # From a random start q(z|x) is already near N(0, I) and the KL first rises while the encoder
    # learns; from the trained encoder, a stronger beta must drive the KL down.
    trained, history = vae
    model = make_model("vae", beta=8.0, **SMALL)
    model.set_weights(trained.get_weights())
    pulled = fit_model(model, train_images[:2048], epochs=2)
    assert pulled["kl_loss"][-1] < pulled["kl_loss"][0] < history["kl_loss"][-1]


def test_samples_decode_draws_from_the_standard_normal_prior(vae, eval_batch):
    model, _ = vae
    model.finalize(eval_batch)  # a VAE has its prior: nothing is fitted
    z = model.sample_latents(20_000, seed=0)
    assert z.shape == (20_000, 8)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=0.03)
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.eye(8), atol=0.04)
    np.testing.assert_allclose(
        model.sample(4, seed=5), model.generate(model.sample_latents(4, seed=5)), atol=1e-6
    )


def test_elbo_terms_and_importance_weighted_log_likelihood(vae, eval_batch):
    model, _ = vae
    x = eval_batch[:64]
    mean, log_var = model.encode_distribution(x)
    assert mean.shape == log_var.shape == (64, 8)
    np.testing.assert_allclose(model.encode(x), mean)
    state = np.asarray(model.seed_generator.state.numpy()).copy()
    terms = model.elbo_terms(x, seed=0, batch_size=32)
    assert terms["recon"].shape == terms["kl"].shape == (64,)
    assert np.all(terms["recon"] > 0) and np.all(terms["kl"] > 0)
    closed_form = -0.5 * np.sum(1 + log_var - np.square(mean) - np.exp(log_var), axis=-1)
    np.testing.assert_allclose(terms["kl"], closed_form, rtol=1e-4)
    np.testing.assert_array_equal(model.elbo_terms(x, seed=0)["recon"], terms["recon"])
    elbo = -(terms["recon"] + terms["kl"]).mean()
    one = model.log_likelihood_iw(x, k=1, seed=0).mean()  # k=1: another ELBO estimate
    many = model.log_likelihood_iw(x, k=64, seed=0, max_decodes=1024)
    assert many.shape == (64,) and np.all(np.isfinite(many))
    assert one == pytest.approx(elbo, rel=0.03)
    assert elbo < many.mean() < elbo + 0.1 * abs(elbo), "IWAE tightens the ELBO, a little"
    # Evaluation draws its own noise: the training RNG state is untouched.
    np.testing.assert_array_equal(model.seed_generator.state.numpy(), state)
