"""The metric suite on real Fashion-MNIST: floors, known-answer models, n/a logic, plugins."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from genlab import LIKELIHOOD, RECONSTRUCT, SAMPLE, MetricSpec, hookimpl
from genlab.evaluation.features import reference_floors
from genlab.evaluation.suite import evaluate
from tests.conftest import registered_plugin
from tests.evaluation import fakes

N = 500
SAMPLE_KEYS = ("fid", "kid", "precision", "recall", "density", "coverage", "classifier_score")


def _evaluate(model, spec, splits, **kwargs):
    kwargs.setdefault("reference", False)
    return evaluate(model, spec, fakes.data(splits), n=N, **kwargs)


def test_real_vs_real_floors_are_small_stable_and_cached(small, fashion, evaluator, cache_dir):
    other = dataclasses.replace(
        small,
        train_images=fashion.train_images[20_000:24_000],
        train_labels=fashion.train_labels[20_000:24_000],
    )
    a = reference_floors("fashion", small, evaluator, 1000)
    b = reference_floors("fashion", other, evaluator, 1000)
    assert a["n"] == b["n"] == 1000
    assert 0 < a["fid"] < 5 and 0 < b["fid"] < 5
    assert abs(a["fid"] - b["fid"]) < 1.5
    assert abs(a["kid"]) < 0.01 and abs(b["kid"]) < 0.01  # unbiased: about 0 for real data
    for floor in (a, b):
        assert floor["precision"] > 0.6 and floor["recall"] > 0.6
        assert 0.7 < floor["density"] < 1.3 and floor["coverage"] > 0.8
        assert floor["classes_covered"] == 10 and floor["kl_to_real"] < 0.02
        assert 0.35 < floor["memorization_ratio"] < 0.65
    assert len(list((cache_dir / "floors").glob("fashion-*-n1000-*.json"))) == 2
    assert reference_floors("fashion", small, evaluator, 1000) == a  # read back from the cache


def test_real_images_score_near_the_floor_and_noise_far_from_it(small, held_out):
    real = _evaluate(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small, reference=True)
    floor = real["reference"]
    assert real["n"] == N and floor["n"] == N
    assert real["evaluator"].startswith("fashion-cnn@1:")
    assert real["fid"] < 2 * floor["fid"] + 1.0
    assert real["precision"] > 0.6 and real["classes_covered"] == 10

    noise = _evaluate(fakes.FakeModel(fakes.noise_images(N)), fakes.spec(SAMPLE), small)
    assert noise["fid"] > 20 * real["fid"]
    assert noise["kid"] > 100 * max(real["kid"], 1e-3)
    # Precision is not asserted: the tight noise cluster sits inside a few outliers' large k-NN
    # balls (see docs/metrics.md); density and coverage are the robust pair.
    assert noise["recall"] < 0.05 and noise["coverage"] < 0.05 and noise["density"] < 0.5
    assert noise["classes_covered"] < 10


def test_metrics_a_model_cannot_have_are_none(small, held_out):
    sampler = _evaluate(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small)
    for key in ("mse", "psnr", "ssim", "denoise_psnr_gain", "elbo", "iw_log_likelihood"):
        assert key in sampler and sampler[key] is None, key
    assert sampler["params"] == 0
    assert sampler["train_seconds"] is None  # no run directory, no history

    unit = (0.0, 1.0)
    autoencoder = _evaluate(
        fakes.FakeModel(output_range=unit),
        fakes.spec(RECONSTRUCT, output_range=unit),
        small,
        reference=True,
    )
    assert autoencoder["n"] is None and "reference" not in autoencoder
    assert all(autoencoder[key] is None for key in SAMPLE_KEYS)
    assert autoencoder["mse"] < 1e-12 and autoencoder["ssim"] == pytest.approx(1.0)
    assert autoencoder["psnr"] > 99  # near-identity reconstruction: the documented 100 dB cap
    assert autoencoder["denoise_psnr_gain"] is None  # no corruption defined
    assert 0.3 < autoencoder["code_near_zero_fraction"] < 0.7  # Fashion-MNIST's black background


def test_denoising_gain_uses_the_models_corruption(small):
    def corrupt(x):
        return np.clip(x + np.random.default_rng(0).normal(0, 0.5, x.shape), -1, 1)

    model = fakes.FakeModel(corrupt=corrupt)
    result = _evaluate(model, fakes.spec(RECONSTRUCT), small)
    assert result["denoise_psnr_gain"] == pytest.approx(0.0)  # the identity removes no noise
    assert 5 < result["denoise_psnr"] < 20

    plain = fakes.FakeModel(corrupt=lambda x: x)  # an autoencoder trained on clean inputs
    assert _evaluate(plain, fakes.spec(RECONSTRUCT), small)["denoise_psnr_gain"] is None


def test_likelihood_metrics_use_the_models_methods(small):
    def elbo_terms(x):
        return {"recon": np.full(len(x), 3.0), "kl": np.full(len(x), 2.0)}

    def log_likelihood_iw(x, k):
        return np.full(len(x), -float(k))

    model = fakes.FakeModel(elbo_terms=elbo_terms, log_likelihood_iw=log_likelihood_iw)
    options = {"iw_k": 7, "iw_images": 30}
    result = _evaluate(model, fakes.spec(LIKELIHOOD), small, options=options)
    assert result["elbo"] == -5.0 and result["elbo_recon_nats"] == 3.0
    assert result["elbo_kl_nats"] == 2.0
    assert result["iw_log_likelihood"] == -7.0
    assert result["iw_k"] == 7 and result["iw_images"] == 30

    bare = _evaluate(fakes.FakeModel(), fakes.spec(LIKELIHOOD), small)
    assert bare["elbo"] is None and bare["iw_log_likelihood"] is None and "errors" not in bare


class _ThirdParty:
    @hookimpl
    def register_metrics(self, register):
        register(
            MetricSpec(
                name="mean_brightness",
                description="mean pixel value of the samples",
                compute=lambda ctx: {"mean_brightness": float(ctx.samples.mean()), "extra": 1},
                requires=frozenset({SAMPLE}),
            )
        )
        register(
            MetricSpec(
                name="needs_likelihood",
                description="never applies to a sampler",
                compute=lambda ctx: {"needs_likelihood": 1.0},
                requires=frozenset({LIKELIHOOD}),
            )
        )
        register(MetricSpec(name="broken", description="raises", compute=lambda ctx: 1 / 0))


@pytest.fixture
def third_party():
    with registered_plugin(_ThirdParty(), "third-party-metrics"):
        yield


def test_a_plugin_metric_appears_in_results_and_floors(third_party, small, held_out):
    result = _evaluate(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small, reference=True)
    assert result["mean_brightness"] == pytest.approx(0.29, abs=0.05)
    assert result["extra"] == 1
    assert result["needs_likelihood"] is None
    assert result["broken"] is None and "ZeroDivisionError" in result["errors"]["broken"]
    assert result["reference"]["mean_brightness"] == pytest.approx(0.29, abs=0.05)
    assert result["fid"] is not None  # the built-ins still ran


def test_memorization_with_cached_distances_equals_the_reference_math(small, held_out, evaluator):
    from genlab.evaluation import metrics, stats
    from genlab.evaluation.suite import EvalContext

    ctx = EvalContext(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small, evaluator, n=N)
    expected = stats.memorization(ctx.train_features, ctx.test_features, ctx.sample_features)
    assert metrics.memorization_ratio(ctx) == pytest.approx(expected)
    again = EvalContext(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small, evaluator, n=N)
    assert metrics.memorization_ratio(again) == pytest.approx(expected)  # distances from cache


def test_linear_probe_separates_informative_codes_from_noise(small, held_out):
    unit = (0.0, 1.0)
    spec = fakes.spec(RECONSTRUCT, output_range=unit)
    pixels = _evaluate(fakes.FakeModel(output_range=unit), spec, small)  # codes = the pixels
    assert pixels["linear_probe"] > 0.6  # Fashion-MNIST classes are largely linear in pixels

    rng = np.random.default_rng(0)
    noise = fakes.FakeModel(
        output_range=unit, encode=lambda x, training=False: rng.normal(size=(len(x), 16))
    )
    assert _evaluate(noise, spec, small)["linear_probe"] < 0.25  # about chance (0.1)
    sampler = _evaluate(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small)
    assert sampler["linear_probe"] is None  # no encoder


def test_model_metrics_take_the_first_n_test_images(small):
    """Reconstruction metrics run on as many test images as there are samples: a quick
    evaluation (small n) is quick throughout, and metrics.json says how many."""
    unit = (0.0, 1.0)
    model, spec = fakes.FakeModel(output_range=unit), fakes.spec(RECONSTRUCT, output_range=unit)
    result = evaluate(model, spec, fakes.data(small), n=300, reference=False)
    assert result["model_test_images"] == 300 and result["test_images"] == len(small.test_images)
    whole = evaluate(model, spec, fakes.data(small), n=len(small.test_images), reference=False)
    assert whole["model_test_images"] == len(small.test_images)


def test_real_balls_are_cached_and_give_the_same_precision_recall(
    small, held_out, evaluator, cache_dir
):
    from genlab.evaluation import metrics, stats
    from genlab.evaluation.suite import EvalContext

    ctx = EvalContext(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small, evaluator, n=N)
    expected = stats.precision_recall(ctx.test_features, ctx.sample_features, metrics.PR_K)
    assert (metrics.precision(ctx)["precision"], metrics.recall(ctx)["recall"]) == expected
    [stored] = cache_dir.glob(f"features/radii{metrics.PR_K}-*.npy")
    again = EvalContext(fakes.FakeModel(held_out), fakes.spec(SAMPLE), small, evaluator, n=N)
    np.testing.assert_array_equal(np.load(stored), again.real_radii(metrics.PR_K))
    assert (metrics.precision(again)["precision"], metrics.recall(again)["recall"]) == expected
