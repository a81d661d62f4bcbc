"""The built-in metrics: each is ``compute(ctx) -> dict`` over a shared :class:`EvalContext`.

A function reads what it needs from the context (samples, features, reconstructions), which
computes each of them once for all metrics. Several metrics that come out of one computation
(precision and recall, for instance) share it through :meth:`EvalContext.shared`. A metric that
does not apply to a model raises :class:`NotApplicable` and is reported as ``None`` (n/a).

The math is in :mod:`genlab.evaluation.stats` and :mod:`genlab.evaluation.image_metrics`.
"""

from __future__ import annotations

import numpy as np

from genlab.evaluation import image_metrics, stats
from genlab.evaluation.context import NotApplicable

#: k of the k-NN balls: 3 for precision/recall (Kynkäänniemi et al.), 5 for density/coverage
#: (Naeem et al.), as in the papers.
PR_K = 3
DC_K = 5
#: KID: subsets of this many samples per set, averaged over this many subsets.
KID_SUBSET_SIZE = 1000
KID_SUBSETS = 50
#: A code activation counts as near zero below this fraction of the 99th percentile of |code|.
NEAR_ZERO_RELATIVE = 0.01
#: Defaults of the importance-weighted likelihood estimate (override with ctx options).
IW_K = 50
IW_IMAGES = 1000


# -- sample quality in evaluator feature space -----------------------------------------------
def _features(ctx) -> tuple[np.ndarray, np.ndarray]:
    return ctx.test_features, ctx.sample_features


def fid(ctx) -> dict:
    return {"fid": stats.fid(*_features(ctx))}


def kid(ctx) -> dict:
    mean, std = stats.kid(
        *_features(ctx), subset_size=KID_SUBSET_SIZE, subsets=KID_SUBSETS, seed=ctx.seed
    )
    return {"kid": mean, "kid_std": std}


def _precision_recall(ctx):
    def compute():
        return stats.precision_recall(*_features(ctx), PR_K, ctx.real_radii(PR_K))

    return ctx.shared("precision_recall", compute)


def precision(ctx) -> dict:
    return {"precision": _precision_recall(ctx)[0]}


def recall(ctx) -> dict:
    return {"recall": _precision_recall(ctx)[1]}


def _density_coverage(ctx):
    def compute():
        return stats.density_coverage(*_features(ctx), DC_K, ctx.real_radii(DC_K))

    return ctx.shared("density_coverage", compute)


def density(ctx) -> dict:
    return {"density": _density_coverage(ctx)[0]}


def coverage(ctx) -> dict:
    return {"coverage": _density_coverage(ctx)[1]}


def _sample_probs(ctx) -> np.ndarray:
    probs = ctx.sample_probs
    if probs is None:
        raise NotApplicable("the evaluator has no classes (trained without labels)")
    return probs


def classifier_score(ctx) -> dict:
    probs = _sample_probs(ctx)
    mean, std = stats.classifier_score(probs, splits=min(10, len(probs)))
    counts = stats.class_histogram(probs, probs.shape[1])
    names = ctx.evaluator.info.class_names
    return {
        "classifier_score": mean,
        "classifier_score_std": std,
        "class_histogram": {name: int(c) for name, c in zip(names, counts, strict=True)},
    }


def _mode_coverage(ctx) -> dict:
    probs = _sample_probs(ctx)
    return ctx.shared(
        "mode_coverage", lambda: stats.mode_coverage(probs, ctx.test_probs, probs.shape[1])
    )


def classes_covered(ctx) -> dict:
    return {"classes_covered": _mode_coverage(ctx)["classes_covered"]}


def kl_to_real(ctx) -> dict:
    return {"kl_to_real": _mode_coverage(ctx)["kl_to_real"]}


def memorization_ratio(ctx) -> dict:
    """:func:`stats.memorization`, with the test-to-train distances read from the cache."""
    return stats.memorization(
        ctx.train_features,
        ctx.test_features,
        ctx.sample_features,
        test_to_train=ctx.test_to_train_distances,
    )


# -- reconstruction --------------------------------------------------------------------------
def mse(ctx) -> dict:
    return {"mse": image_metrics.mse(ctx.reconstructions, ctx.test01)}


def psnr(ctx) -> dict:
    return {"psnr": image_metrics.psnr(ctx.reconstructions, ctx.test01)}


def ssim(ctx) -> dict:
    return {"ssim": image_metrics.ssim(ctx.reconstructions, ctx.test01)}


def denoise_psnr_gain(ctx) -> dict:
    """PSNR of the reconstruction of a corrupted image minus PSNR of the corrupted image.

    Applies to models whose :meth:`~genlab.GenerativeModel.corrupt` changes images.
    """
    noisy = ctx.corrupted
    denoised = ctx.unscale(ctx.predict(ctx.model.reconstruct, noisy))
    before = image_metrics.psnr(ctx.unscale(noisy), ctx.test01)
    after = image_metrics.psnr(denoised, ctx.test01)
    return {"denoise_psnr": after, "denoise_psnr_gain": after - before}


def linear_probe(ctx) -> dict:
    """Accuracy of a linear classifier of the class from the test codes (a linear probe, Alain &
    Bengio 2016; :mod:`genlab.evaluation.linear_probe`): how linearly separable the classes are
    in code space. Needs class labels."""
    from genlab.evaluation.linear_probe import linear_probe_accuracy

    labels = ctx.splits.test_labels
    codes = ctx.codes
    if labels is None or len(np.unique(labels[: len(codes)])) < 2:
        raise NotApplicable("the dataset has no class labels")
    return {"linear_probe": linear_probe_accuracy(codes, labels[: len(codes)], ctx.seed)}


def code_near_zero_fraction(ctx) -> dict:
    """Fraction of code activations of the test split that are near zero (sparsity).

    Relative threshold: ``|a| < 0.01 * q99(|a|)``, so the number does not depend on the scale of
    the code, and one huge activation cannot make everything else count as zero.
    """
    magnitude = np.abs(ctx.codes)
    scale = float(np.percentile(magnitude, 99))
    if scale == 0.0:
        return {"code_near_zero_fraction": 1.0}
    return {"code_near_zero_fraction": float(np.mean(magnitude < NEAR_ZERO_RELATIVE * scale))}


# -- likelihood ------------------------------------------------------------------------------
def _optional(method, *args):
    """Call one of the optional :class:`~genlab.GenerativeModel` methods; n/a if not there."""
    try:
        return method(*args)
    except NotImplementedError as exc:
        raise NotApplicable(str(exc)) from None


def _recon_kl(terms) -> tuple[np.ndarray, np.ndarray]:
    """``elbo_terms`` output, a ``{"recon", "kl"}`` dict or a ``(recon, kl)`` pair, as arrays."""
    recon, kl = (terms["recon"], terms["kl"]) if isinstance(terms, dict) else terms
    return np.asarray(recon, np.float64).reshape(-1), np.asarray(kl, np.float64).reshape(-1)


def elbo(ctx) -> dict:
    """Test-split ELBO in nats per image, ``-(reconstruction + KL)``, with both terms.

    Uses the model's :meth:`~genlab.GenerativeModel.elbo_terms` on model-range images:
    per-image reconstruction and KL terms in nats (a ``{"recon", "kl"}`` dict or a pair).
    """
    parts = [_recon_kl(_optional(ctx.model.elbo_terms, b)) for b in ctx.test_batches(500)]
    recon = np.concatenate([r for r, _ in parts])
    kl = np.concatenate([k for _, k in parts])
    return {
        "elbo": float(-(recon + kl).mean()),
        "elbo_recon_nats": float(recon.mean()),
        "elbo_kl_nats": float(kl.mean()),
    }


def iw_log_likelihood(ctx) -> dict:
    """Importance-weighted log-likelihood bound (Burda et al.) on the first test images."""
    k = int(ctx.options.get("iw_k", IW_K))
    images = int(ctx.options.get("iw_images") or min(IW_IMAGES, ctx.n))
    batches = ctx.test_batches(max(1, 5000 // k), limit=images)
    values = np.concatenate(
        [
            np.asarray(_optional(ctx.model.log_likelihood_iw, b, k), np.float64).reshape(-1)
            for b in batches
        ]
    )
    return {"iw_log_likelihood": float(values.mean()), "iw_k": k, "iw_images": len(values)}


# -- cost ------------------------------------------------------------------------------------
def sample_ms_per_image(ctx) -> dict:
    """What one generated image costs: wall-clock milliseconds on the machine that evaluated,
    and the network evaluations the model spends on it."""
    if ctx.model is None:
        raise NotApplicable("real images are not sampled")
    ctx.samples  # noqa: B018 - drawn (and timed) once, shared with the other sample metrics
    if ctx.sample_seconds is None:
        raise NotApplicable("the samples were not drawn by the model here")
    return {
        "sample_ms_per_image": 1000.0 * ctx.sample_seconds / max(1, len(ctx.samples)),
        "network_evals_per_image": int(ctx.model.network_evaluations_per_sample()),
    }


def params(ctx) -> dict:
    try:
        networks = ctx.model.networks().values()
    except NotImplementedError:
        networks = [ctx.model]
    return {"params": int(sum(net.count_params() for net in networks))}


def _history(ctx) -> list[dict]:
    history = ctx.run.read_history() if ctx.run is not None else []
    if not history:
        raise NotApplicable("no training history")
    return history


def train_seconds(ctx) -> dict:
    history = _history(ctx)
    elapsed = history[-1].get("elapsed")
    if elapsed is None:
        elapsed = sum(row.get("seconds", 0.0) for row in history)
    return {"train_seconds": float(elapsed)}


def images_per_s(ctx) -> dict:
    """Training throughput over all epochs: total images / total seconds."""
    rows = [r for r in _history(ctx) if r.get("seconds") and r.get("images_per_s")]
    if not rows:
        raise NotApplicable("no timed epochs")
    seconds = sum(r["seconds"] for r in rows)
    return {"images_per_s": sum(r["images_per_s"] * r["seconds"] for r in rows) / seconds}


def peak_rss_mb(ctx) -> dict:
    """Peak resident memory while training, recorded by the engine at every epoch end."""
    peaks = [row["peak_rss_mb"] for row in _history(ctx) if "peak_rss_mb" in row]
    if not peaks:
        raise NotApplicable("no memory recorded during training")
    return {"peak_rss_mb": max(peaks)}


def inception_fid(ctx) -> dict:
    """FID in ImageNet Inception-v3 space (``genlab evaluate --inception``, local weights)."""
    from genlab.evaluation.inception import inception_fid as compute

    return {"inception_fid": compute(ctx.samples, ctx.splits.test_images)}
