"""The autoencoders' defining mechanisms: tied weights, sampling from the fitted Gaussian,
training-only corruption, denoising against the plain model of the same size, and sparsity."""

from __future__ import annotations

import keras
import numpy as np

from genlab.engine import checkpoint
from genlab.registry import get_model
from genlab.run import build_model

STACKED = {"hidden": "128,64", "code_dim": 16}
CONV = {"filters": "8,16", "code_dim": 32}


def _mse(a, b):
    return float(np.mean(np.square(np.asarray(a) - np.asarray(b))))


def test_tied_decoder_reuses_transposed_encoder_kernels(train_images, train_model, tmp_path):
    tied, _ = train_model("stacked_ae", train_images[:256], tied=True, **STACKED)
    untied, _ = train_model("stacked_ae", train_images[:256], **STACKED)
    # The tied decoder owns only its biases: 64 + 128 + 784.
    assert tied.decoder.count_params() == 64 + 128 + 784
    assert tied.count_params() < untied.count_params()
    kernel = tied.encoder.get_layer("enc_hidden_0").kernel
    np.testing.assert_array_equal(
        tied.decoder.get_layer("output").effective_weights()[0], np.transpose(kernel)
    )
    # The exported decoder is plain Keras, computes the same function and loads in safe mode.
    exported = tied.networks()["decoder"]
    exported.save(tmp_path / "decoder.keras")
    loaded = keras.saving.load_model(tmp_path / "decoder.keras", safe_mode=True, compile=False)
    codes = tied.encode(train_images[:8].astype("float32") / 255.0)
    np.testing.assert_allclose(loaded(codes), tied.decoder(codes), atol=1e-5)


def test_samples_come_from_a_gaussian_fitted_to_the_codes(train_images, train_model, tmp_path):
    images = train_images[:1024].astype("float32") / 255.0
    model, _ = train_model("stacked_ae", train_images[:512], **STACKED)
    model.finalize(images)
    codes = model.predict_batches(model.encode, images)
    draws = model.sample_latents(20_000, seed=1)
    np.testing.assert_allclose(draws.mean(0), codes.mean(0), atol=0.05 * codes.std() + 1e-3)
    np.testing.assert_allclose(
        np.cov(draws, rowvar=False), np.cov(codes, rowvar=False), atol=0.08 * codes.var(0).max()
    )
    # The fitted Gaussian is part of the saved state: a rebuilt model samples the same images.
    checkpoint.write_state(tmp_path / "model.npz", 1, model.state_variables())
    spec = get_model("stacked_ae")
    rebuilt = build_model(spec, model.config, (28, 28, 1))
    checkpoint.load(tmp_path / "model.npz", rebuilt.state_variables())
    np.testing.assert_allclose(rebuilt.sample(8, seed=3), model.sample(8, seed=3), atol=1e-6)


def test_denoising_corrupts_training_inputs_only(train_images, train_model, eval_batch):
    model, _ = train_model("denoising_ae", train_images[:128], **CONV)
    calls = []
    corrupt = model.corrupt
    model.corrupt = lambda x: calls.append(1) or corrupt(x)
    x = eval_batch[:16]
    first, second = np.asarray(model.reconstruct(x)), np.asarray(model.reconstruct(x))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, model.decoder(model.encoder(x)), atol=1e-6)
    assert not calls, "inference must not corrupt its input"
    model.train_step(x)
    assert calls, "training must corrupt its input"
    noisy = np.asarray(corrupt(x))
    assert 0.2 < np.std(noisy - x) < 0.35 and noisy.min() >= 0.0 and noisy.max() <= 1.0


def test_masking_noise_zeroes_the_configured_fraction(train_images, train_model, eval_batch):
    model, _ = train_model("denoising_ae", train_images[:128], noise="mask", mask_rate=0.3, **CONV)
    x = np.ones_like(eval_batch[:64])
    assert abs(1.0 - float(np.mean(model.corrupt(x))) - 0.3) < 0.01


def test_denoising_beats_the_plain_autoencoder_on_noisy_images(
    train_images, train_model, eval_batch
):
    # Clipped Gaussian noise also brightens the background, a shift the plain model never saw.
    short = {"epochs": 5, "batch_size": 32, "lr": 3e-3, **CONV}
    denoiser, _ = train_model("denoising_ae", train_images, noise_std=0.5, **short)
    plain, _ = train_model("conv_ae", train_images, **short)
    rng = np.random.default_rng(0)
    noisy = np.clip(eval_batch + rng.normal(0.0, 0.5, eval_batch.shape), 0, 1).astype("float32")
    denoised = _mse(denoiser.predict_batches(denoiser.reconstruct, noisy), eval_batch)
    plain_denoised = _mse(plain.predict_batches(plain.reconstruct, noisy), eval_batch)
    assert denoised < 0.85 * plain_denoised, (denoised, plain_denoised)


def test_sparsity_penalty_lowers_the_code_activation(train_images, train_model, eval_batch):
    sparse_cfg = {"hidden": "128", "code_dim": 64}
    sparse, history = train_model("sparse_ae", train_images, epochs=2, **sparse_cfg)
    dense, _ = train_model("sparse_ae", train_images, epochs=2, sparsity_weight=0.0, **sparse_cfg)
    sparse_mean = float(np.mean(sparse.predict_batches(sparse.encode, eval_batch)))
    dense_mean = float(np.mean(dense.predict_batches(dense.encode, eval_batch)))
    assert sparse_mean < 0.6 * dense_mean, (sparse_mean, dense_mean)
    assert history["code_mean"][-1] < history["code_mean"][0]
    assert history["sparsity"][-1] > 0.0 and "recon_loss" in history
    l1, _ = train_model("sparse_ae", train_images, epochs=2, penalty="l1", **sparse_cfg)
    assert float(np.mean(l1.predict_batches(l1.encode, eval_batch))) < 0.6 * dense_mean
