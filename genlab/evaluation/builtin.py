"""Built-in metrics, registered through the same hook as third-party ones.

One :class:`~genlab.MetricSpec` per reported number, so comparisons know each one's direction;
metrics computed together (precision and recall) share the work through the evaluation context.
Compute functions are named as strings, so registering imports no TensorFlow.
"""

from genlab import LIKELIHOOD, RECONSTRUCT, SAMPLE, MetricSpec, hookimpl

_M = "genlab.evaluation.metrics:"

#: (name, description, requires, higher_is_better), in the order results are shown.
BUILTIN_METRICS = (
    ("fid", "Fréchet distance of evaluator features, samples vs test split", {SAMPLE}, False),
    ("kid", "Kernel distance (unbiased MMD², cubic kernel) of evaluator features", {SAMPLE}, False),
    ("precision", "Share of samples inside the real feature manifold (k=3)", {SAMPLE}, True),
    ("recall", "Share of real images inside the sample feature manifold (k=3)", {SAMPLE}, True),
    ("density", "Mean number of real k-NN balls holding a sample, / k (k=5)", {SAMPLE}, True),
    ("coverage", "Share of real k-NN balls holding at least one sample (k=5)", {SAMPLE}, True),
    ("classifier_score", "Inception Score analogue from the domain classifier", {SAMPLE}, True),
    ("classes_covered", "Classes given at least 10% of their real share", {SAMPLE}, True),
    ("kl_to_real", "KL(sample class histogram || real class histogram)", {SAMPLE}, False),
    (
        "memorization_ratio",
        "Share of samples nearer the training set than most test images",
        {SAMPLE},
        False,
    ),
    (
        "mse",
        "Mean squared reconstruction error on the test split, [0, 1] pixels",
        {RECONSTRUCT},
        False,
    ),
    ("psnr", "Mean per-image reconstruction PSNR on the test split (dB)", {RECONSTRUCT}, True),
    ("ssim", "Mean reconstruction SSIM on the test split", {RECONSTRUCT}, True),
    (
        "denoise_psnr_gain",
        "PSNR gained by reconstructing corrupted test images (dB)",
        {RECONSTRUCT},
        True,
    ),
    (
        "code_near_zero_fraction",
        "Share of near-zero code activations (sparsity)",
        {RECONSTRUCT},
        True,
    ),
    ("elbo", "Test ELBO in nats per image (recon and KL reported separately)", {LIKELIHOOD}, True),
    (
        "iw_log_likelihood",
        "Importance-weighted log-likelihood bound, nats per image",
        {LIKELIHOOD},
        True,
    ),
    ("params", "Parameters of all trained networks", set(), False),
    ("train_seconds", "Training wall-clock seconds, from history.jsonl", set(), False),
    ("images_per_s", "Training throughput over all epochs", set(), True),
    ("peak_rss_mb", "Peak resident memory while training (MiB)", set(), False),
)


@hookimpl
def register_metrics(register):
    for name, description, requires, higher in BUILTIN_METRICS:
        register(
            MetricSpec(
                name=name,
                description=description,
                compute=_M + name,
                requires=frozenset(requires),
                higher_is_better=higher,
            )
        )
