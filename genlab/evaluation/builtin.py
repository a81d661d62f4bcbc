"""Built-in metrics, registered through the same hook as third-party ones.

One :class:`~genlab.MetricSpec` per reported number, so comparisons know each one's direction;
metrics computed together (precision and recall) share the work through the evaluation context.
Compute functions are named as strings, so registering imports no TensorFlow.
"""

from genlab import (
    HIGHER,
    LIKELIHOOD,
    LOWER,
    RECONSTRUCT,
    SAMPLE,
    TOWARD_FLOOR,
    MetricSpec,
    hookimpl,
)

_M = "genlab.evaluation.metrics:"

#: (name, description, requires, every key the metric emits -> its direction; None: reported,
#: never ranked), in the order results are shown.
BUILTIN_METRICS = (
    ("fid", "Fréchet distance of evaluator features, samples vs test split", {SAMPLE}, {
        "fid": LOWER}),
    # Sampling cost, next to the quality it buys.
    ("sample_ms_per_image", "Milliseconds to generate one image on the evaluating device",
        {SAMPLE}, {"sample_ms_per_image": LOWER, "network_evals_per_image": LOWER}),
    ("kid", "Kernel distance (unbiased MMD², cubic kernel) of evaluator features", {SAMPLE}, {
        "kid": LOWER, "kid_std": None}),
    ("precision", "Share of samples inside the real feature manifold (k=3)", {SAMPLE}, {
        "precision": HIGHER}),
    ("recall", "Share of real images inside the sample feature manifold (k=3)", {SAMPLE}, {
        "recall": HIGHER}),
    ("density", "Mean number of real k-NN balls holding a sample, / k (k=5)", {SAMPLE}, {
        "density": HIGHER}),
    ("coverage", "Share of real k-NN balls holding at least one sample (k=5)", {SAMPLE}, {
        "coverage": HIGHER}),
    ("classifier_score", "Inception Score analogue from the domain classifier", {SAMPLE}, {
        "classifier_score": HIGHER, "classifier_score_std": None, "class_histogram": None}),
    ("classes_covered", "Classes given at least 10% of their real share", {SAMPLE}, {
        "classes_covered": HIGHER}),
    ("kl_to_real", "KL(sample class histogram || real class histogram)", {SAMPLE}, {
        "kl_to_real": LOWER}),
    # About 0.5 for real images: lower is not better, closer to the real-data floor is.
    ("memorization_ratio", "Share of samples nearer the training set than most test images",
        {SAMPLE}, {"memorization_ratio": TOWARD_FLOOR, "median_fake_to_train": None,
        "median_test_to_train": None}),
    ("mse", "Mean squared reconstruction error on the test split, [0, 1] pixels",
        {RECONSTRUCT}, {"mse": LOWER}),
    ("psnr", "Mean per-image reconstruction PSNR on the test split (dB)", {RECONSTRUCT}, {
        "psnr": HIGHER}),
    ("ssim", "Mean reconstruction SSIM on the test split", {RECONSTRUCT}, {"ssim": HIGHER}),
    ("denoise_psnr_gain", "PSNR gained by reconstructing corrupted test images (dB)",
        {RECONSTRUCT}, {"denoise_psnr_gain": HIGHER, "denoise_psnr": HIGHER}),
    ("code_near_zero_fraction", "Share of near-zero code activations (sparsity)",
        {RECONSTRUCT}, {"code_near_zero_fraction": HIGHER}),
    ("linear_probe", "Accuracy of a linear classifier on the test codes (class separability)",
        {RECONSTRUCT}, {"linear_probe": HIGHER}),
    ("elbo", "Test ELBO in nats per image (recon and KL reported separately)", {LIKELIHOOD}, {
        "elbo": HIGHER, "elbo_recon_nats": LOWER, "elbo_kl_nats": None}),
    ("iw_log_likelihood", "Importance-weighted log-likelihood bound, nats per image",
        {LIKELIHOOD}, {"iw_log_likelihood": HIGHER, "iw_k": None, "iw_images": None}),
    ("params", "Parameters of all trained networks", set(), {"params": LOWER}),
    ("train_seconds", "Training wall-clock seconds, from history.jsonl", set(), {
        "train_seconds": LOWER}),
    ("images_per_s", "Training throughput over all epochs", set(), {"images_per_s": HIGHER}),
    ("peak_rss_mb", "Peak resident memory while training (MiB)", set(), {"peak_rss_mb": LOWER}),
)  # fmt: skip

#: Metrics computed only when asked for: (name, description, requires, keys, option).
OPT_IN_METRICS = (
    ("inception_fid", "FID in ImageNet Inception-v3 space (genlab evaluate --inception)",
        {SAMPLE}, {"inception_fid": LOWER}, "inception"),
)  # fmt: skip


@hookimpl
def register_metrics(register):
    for name, description, requires, keys in BUILTIN_METRICS:
        register(
            MetricSpec(
                name=name,
                description=description,
                compute=_M + name,
                requires=frozenset(requires),
                keys=keys,
            )
        )
    for name, description, requires, keys, option in OPT_IN_METRICS:
        register(
            MetricSpec(
                name=name,
                description=description,
                compute=_M + name,
                requires=frozenset(requires),
                keys=keys,
                option=option,
            )
        )
