"""Sample-quality statistics computed on feature vectors and class predictions.

Every function takes numpy arrays — ``(n, d)`` features from an embedding network, or ``(n, C)``
class probabilities — and returns plain Python floats, so results can go straight into a report.
Nothing here depends on TensorFlow or SciPy.

The nearest-neighbour metrics (precision/recall, density/coverage, memorization) work through
squared-distance blocks of bounded size, so ten thousand samples against ten thousand never
materialise a full distance matrix.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: Most float32 entries in one block of a pairwise-distance matrix (64 MiB); bounds peak memory.
BLOCK_ELEMENTS = 2**24

#: A class counts as covered when the generated samples give it at least this fraction of the
#: share it has in the real data (0.1 of 10% = 1% of generated samples for balanced classes).
COVERAGE_SHARE = 0.1

#: Added to every bin of a normalised class histogram before taking a KL divergence, so a class
#: the generator never produces gives a large but finite divergence.
HISTOGRAM_EPS = 1e-6

#: Up to this k, nearest-neighbour radii come from repeated argmin instead of ``np.partition``.
_ARGMIN_MAX_K = 16


def _as_features(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array, got shape {x.shape}")
    return x


def _as_pair(a, b, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    a, b = _as_features(a, names[0]), _as_features(b, names[1])
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} have different feature sizes: {a.shape[1]} vs {b.shape[1]}"
        )
    return a, b


# --- Fréchet distance ---------------------------------------------------------------------------


def feature_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of ``(n, d)`` features, accumulated in float64.

    float32 accumulation over tens of thousands of samples loses enough precision to move FID in
    the first decimal, hence the upcast. The covariance is the unbiased (``n - 1``) estimate.
    """
    x = _as_features(features, "features").astype(np.float64, copy=False)
    if x.shape[0] < 2:
        raise ValueError("feature_stats needs at least 2 samples to estimate a covariance")
    mu = x.mean(axis=0)
    sigma = np.atleast_2d(np.cov(x, rowvar=False))
    return mu, sigma


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a PSD matrix; negative eigenvalues from rounding count as 0."""
    w, v = np.linalg.eigh(matrix)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between the Gaussians ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``.

    ``|mu1 - mu2|² + tr(σ1) + tr(σ2) - 2 tr((σ1 σ2)^½)``. The trace of the square root is taken
    as ``tr((σ1^½ σ2 σ1^½)^½)``, which has the same eigenvalues as ``σ1 σ2`` but is symmetric, so
    two ``eigh`` calls replace a general (and, for rank-deficient covariances, unstable) matrix
    square root. The result is clipped at 0, which rounding can otherwise undershoot.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            "frechet_distance needs means of shape (d,) and covariances of shape (d, d); got "
            f"{mu1.shape}, {sigma1.shape}, {mu2.shape}, {sigma2.shape}"
        )
    s1_half = _sqrt_psd((sigma1 + sigma1.T) / 2)
    inner = s1_half @ sigma2 @ s1_half
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2)
    tr_covmean = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    diff = mu1 - mu2
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return float(max(distance, 0.0))


def fid(feats_a, feats_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets."""
    a, b = _as_pair(feats_a, feats_b, ("feats_a", "feats_b"))
    return frechet_distance(*feature_stats(a), *feature_stats(b))


# --- Kernel distance ----------------------------------------------------------------------------


def _poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    k = x @ y.T
    k /= x.shape[1]
    k += 1.0
    return k * k * k


def _mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    m = x.shape[0]
    k_xx = _poly_kernel(x, x)
    k_yy = _poly_kernel(y, y)
    within = k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)
    return within / (m * (m - 1)) - 2.0 * _poly_kernel(x, y).mean()


def kid(
    feats_a, feats_b, *, subset_size: int = 1000, subsets: int = 100, seed: int = 0
) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased MMD² with the kernel ``(x·y / d + 1)³``.

    Unlike FID it has an unbiased estimator, so it can be compared across sample sizes and is
    about 0 (possibly slightly negative) when both sets come from one distribution. The estimate
    is averaged over ``subsets`` random subsets of ``subset_size`` samples from each set (drawn
    without replacement; the size is clipped to the smaller set).

    Returns:
        ``(mean, std)`` over subsets. The std is the spread of single-subset estimates, not the
        standard error of the mean.
    """
    a, b = _as_pair(feats_a, feats_b, ("feats_a", "feats_b"))
    m = min(subset_size, a.shape[0], b.shape[0])
    if m < 2 or subsets < 1:
        raise ValueError("kid needs subset_size >= 2, subsets >= 1 and at least 2 samples per set")
    a = a.astype(np.float64, copy=False)
    b = b.astype(np.float64, copy=False)
    rng = np.random.default_rng(seed)
    estimates = np.empty(subsets)
    for i in range(subsets):
        x = a[rng.choice(a.shape[0], m, replace=False)]
        y = b[rng.choice(b.shape[0], m, replace=False)]
        estimates[i] = _mmd2_unbiased(x, y)
    return float(estimates.mean()), float(estimates.std())


# --- Nearest-neighbour metrics ------------------------------------------------------------------


def _sq_dist_blocks(a: np.ndarray, b: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(rows, d2)``: squared distances from ``a[rows]`` to every row of ``b``.

    Uses ``|x|² + |y|² - 2 x·y`` with a float32 matmul for speed. Both sets are first centred on
    ``a``'s mean, which keeps the norms small so that expansion loses little to cancellation;
    what rounding still pushes below zero is clipped to 0. The same ``a`` gives bit-identical
    rows against equal ``b`` arrays, so radii and cross distances agree on ties.
    """
    center = a.mean(axis=0, dtype=np.float64)
    a32 = (a - center).astype(np.float32)
    b32 = (b - center).astype(np.float32)
    a_sq = np.einsum("ij,ij->i", a32, a32)
    b_sq = np.einsum("ij,ij->i", b32, b32)
    step = max(1, BLOCK_ELEMENTS // b32.shape[0])
    for start in range(0, a32.shape[0], step):
        rows = slice(start, min(start + step, a32.shape[0]))
        d2 = a32[rows] @ b32.T
        d2 *= -2.0
        d2 += a_sq[rows, None]
        d2 += b_sq[None, :]
        np.maximum(d2, 0.0, out=d2)
        yield rows, d2


def _kth_smallest_per_row(block: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th smallest value of each row (counting repeats); overwrites ``block``.

    For the small ``k`` these metrics use, ``k`` vectorised argmin passes are several times faster
    than ``np.partition``, which dominated the runtime of the nearest-neighbour metrics.
    """
    if k > _ARGMIN_MAX_K:
        return np.partition(block, k - 1, axis=1)[:, k - 1]
    local = np.arange(block.shape[0])
    for _ in range(k - 1):
        block[local, block.argmin(axis=1)] = np.inf
    return block.min(axis=1)


def knn_sq_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row of ``x`` to its ``k``-th nearest other row."""
    n = x.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must be between 1 and n - 1 = {n - 1}, got {k}")
    radii = np.empty(n, dtype=np.float32)
    for rows, d2 in _sq_dist_blocks(x, x):
        local = np.arange(rows.stop - rows.start)
        d2[local, local + rows.start] = np.inf  # a point is not its own neighbour
        radii[rows] = _kth_smallest_per_row(d2, k)
    return radii


def precision_recall(real, fake, k: int = 3, real_radii=None) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019).

    Each set's manifold is the union of balls around its points, each ball reaching the point's
    ``k``-th nearest neighbour in the same set. Precision is the fraction of fake samples inside
    the real manifold (are samples realistic?); recall is the fraction of real samples inside the
    fake manifold (is the real variety produced?). Ball boundaries count as inside.
    ``real_radii``: :func:`knn_sq_radii` of ``real`` and ``k``, when already known.
    """
    real, fake = _as_pair(real, fake, ("real", "fake"))
    r_real = knn_sq_radii(real, k) if real_radii is None else real_radii
    r_fake = knn_sq_radii(fake, k)
    fake_margin = np.full(fake.shape[0], np.inf, dtype=np.float32)  # min over real of d2 - r
    real_inside = np.zeros(real.shape[0], dtype=bool)
    for rows, d2 in _sq_dist_blocks(real, fake):
        np.minimum(fake_margin, (d2 - r_real[rows, None]).min(axis=0), out=fake_margin)
        real_inside[rows] = (d2 - r_fake[None, :]).min(axis=1) <= 0
    return float(np.mean(fake_margin <= 0)), float(np.mean(real_inside))


def density_coverage(real, fake, k: int = 5, real_radii=None) -> tuple[float, float]:
    """Density and coverage (Naeem et al., 2020).

    Both use only the real set's ``k``-NN balls, which makes them less sensitive to fake outliers
    than precision/recall. Density is the number of real balls containing each fake sample,
    divided by ``k`` and averaged: about 1 when fakes follow the real distribution, above 1 when
    they crowd dense regions. Coverage is the fraction of real balls holding at least one fake
    sample. As in the reference implementation, ball boundaries count as outside.
    ``real_radii``: :func:`knn_sq_radii` of ``real`` and ``k``, when already known.
    """
    real, fake = _as_pair(real, fake, ("real", "fake"))
    r_real = knn_sq_radii(real, k) if real_radii is None else real_radii
    hits = 0
    covered = np.zeros(real.shape[0], dtype=bool)
    for rows, d2 in _sq_dist_blocks(real, fake):
        inside = d2 < r_real[rows, None]
        hits += int(np.count_nonzero(inside))
        covered[rows] = inside.any(axis=1)
    return hits / (k * fake.shape[0]), float(np.mean(covered))


def nearest_distances(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Euclidean distance from each query row to its nearest reference row."""
    nearest = np.empty(queries.shape[0], dtype=np.float64)
    for rows, d2 in _sq_dist_blocks(queries, reference):
        nearest[rows] = d2.min(axis=1)
    return np.sqrt(nearest)


def memorization(train_feats, test_feats, fake_feats, test_to_train=None) -> dict[str, float]:
    """How much closer generated samples sit to training images than unseen real images do.

    ``d_test`` is each test image's distance to its nearest training image; the threshold is its
    median. ``memorization_ratio`` is the fraction of generated samples whose nearest training
    image is closer than that threshold: about 0.5 for a model that generalises like held-out
    data, approaching 1.0 for one that reproduces its training set.

    Args:
        test_to_train: ``d_test`` when already known (it is the same for every model trained on
            the same images, so the suite caches it).

    Returns:
        ``memorization_ratio``, ``median_fake_to_train`` and ``median_test_to_train``.
    """
    train, test = _as_pair(train_feats, test_feats, ("train_feats", "test_feats"))
    _, fake = _as_pair(train, fake_feats, ("train_feats", "fake_feats"))
    d_test = nearest_distances(test, train) if test_to_train is None else test_to_train
    d_fake = nearest_distances(fake, train)
    threshold = float(np.median(d_test))
    return {
        "memorization_ratio": float(np.mean(d_fake < threshold)),
        "median_fake_to_train": float(np.median(d_fake)),
        "median_test_to_train": threshold,
    }


# --- Class-prediction metrics -------------------------------------------------------------------


def _as_probs(probs) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] == 0:
        raise ValueError(f"probs must be a non-empty (n, classes) array, got shape {p.shape}")
    return p


def classifier_score(probs, splits: int = 10) -> tuple[float, float]:
    """Inception-Score analogue ``exp(E_x KL(p(y|x) || p(y)))`` from a domain classifier.

    High when each sample is classified confidently (low-entropy ``p(y|x)``) and the classes are
    used evenly (high-entropy ``p(y)``); it ranges from 1 to the number of classes. As in the
    original, the samples are cut into ``splits`` parts, each scored with its own marginal.

    Returns:
        ``(mean, std)`` over the splits.
    """
    p = _as_probs(probs)
    if not 1 <= splits <= p.shape[0]:
        raise ValueError(f"splits must be between 1 and the number of samples, got {splits}")
    tiny = np.finfo(np.float64).tiny
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        log_ratio = np.log(np.maximum(part, tiny)) - np.log(np.maximum(marginal, tiny))
        scores.append(np.exp(np.sum(part * log_ratio, axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_histogram(probs_or_labels, num_classes: int) -> np.ndarray:
    """Counts per class, from ``(n, C)`` probabilities (argmax) or ``(n,)`` integer labels."""
    values = np.asarray(probs_or_labels)
    if values.ndim == 2:
        if values.shape[1] != num_classes:
            raise ValueError(f"probs have {values.shape[1]} classes, expected {num_classes}")
        labels = values.argmax(axis=1)
    elif values.ndim == 1:
        if values.size and not np.issubdtype(values.dtype, np.integer):
            raise ValueError(f"labels must be integers, got dtype {values.dtype}")
        labels = values.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"labels must lie in [0, {num_classes}), got {labels.min()} to {labels.max()}"
            )
    else:
        raise ValueError(f"expected (n, C) probabilities or (n,) labels, got shape {values.shape}")
    return np.bincount(labels, minlength=num_classes)


def mode_coverage(pred_labels, real_labels, num_classes: int) -> dict[str, float | int]:
    """How well the generated class mix matches the real one, judged by a classifier.

    A class present in the real data is covered when generated samples receive at least
    :data:`COVERAGE_SHARE` of its real share, so a collapsed mode shows up as an uncovered class
    even if a handful of samples land in it. ``kl_to_real`` is ``KL(fake || real)`` between the
    class histograms after adding :data:`HISTOGRAM_EPS` to every bin.

    Args:
        pred_labels: Classifier output on generated samples, ``(n,)`` labels or ``(n, C)`` probs.
        real_labels: Labels (or probabilities) of the real images, same forms.
        num_classes: Number of classes ``C``.
    """
    fake = class_histogram(pred_labels, num_classes).astype(np.float64)
    real = class_histogram(real_labels, num_classes).astype(np.float64)
    if fake.sum() == 0 or real.sum() == 0:
        raise ValueError("mode_coverage needs at least one generated and one real label")
    p, q = fake / fake.sum(), real / real.sum()
    covered = int(np.count_nonzero((q > 0) & (p >= COVERAGE_SHARE * q)))
    p = (p + HISTOGRAM_EPS) / (1.0 + num_classes * HISTOGRAM_EPS)
    q = (q + HISTOGRAM_EPS) / (1.0 + num_classes * HISTOGRAM_EPS)
    return {"classes_covered": covered, "kl_to_real": float(np.sum(p * np.log(p / q)))}
