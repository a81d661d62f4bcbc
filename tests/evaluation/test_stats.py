"""Feature-space metrics checked against closed forms and independent brute-force computations."""

from __future__ import annotations

import numpy as np
import pytest

from genlab.evaluation import stats


def _random_spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def _brute_sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a[:, None, :].astype(np.float64) - b[None, :, :]) ** 2).sum(axis=-1)


def _brute_knn_sq_radii(x: np.ndarray, k: int) -> np.ndarray:
    d2 = _brute_sq_dists(x, x)
    np.fill_diagonal(d2, np.inf)
    return np.sort(d2, axis=1)[:, k - 1]


# --- Fréchet distance ---------------------------------------------------------------------------


def test_feature_stats_match_numpy():
    x = np.random.default_rng(0).standard_normal((300, 6)).astype(np.float32)
    mu, sigma = stats.feature_stats(x)
    assert mu.dtype == sigma.dtype == np.float64
    np.testing.assert_allclose(mu, x.astype(np.float64).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x.astype(np.float64).T), rtol=1e-12)


def test_frechet_distance_diagonal_closed_form():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.standard_normal(7), rng.standard_normal(7)
    var1, var2 = rng.uniform(0.2, 3.0, 7), rng.uniform(0.2, 3.0, 7)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = stats.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_2d_by_hand():
    # For a 2x2 matrix with eigenvalues l1, l2 >= 0: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
    mu1, mu2 = np.array([1.0, -2.0]), np.array([0.5, 0.0])
    s1 = np.array([[2.0, 0.5], [0.5, 1.0]])
    s2 = np.array([[1.0, -0.3], [-0.3, 0.5]])
    product = s1 @ s2
    tr_sqrt = np.sqrt(np.trace(product) + 2.0 * np.sqrt(np.linalg.det(product)))
    expected = 0.25 + 4.0 + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt
    assert stats.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_matches_eigenvalues_of_product():
    # sigma1 @ sigma2 is similar to a PSD matrix: its eigenvalues are real and non-negative.
    rng = np.random.default_rng(2)
    d = 20
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    tr_sqrt = np.sum(np.sqrt(np.linalg.eigvals(s1 @ s2).real))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt
    assert stats.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_fid_of_samples_approaches_gaussian_value():
    rng = np.random.default_rng(3)
    d = 4
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    mu1, mu2 = np.zeros(d), np.full(d, 0.5)
    x = rng.multivariate_normal(mu1, s1, size=40_000)
    y = rng.multivariate_normal(mu2, s2, size=40_000)
    expected = stats.frechet_distance(mu1, s1, mu2, s2)
    assert stats.fid(x, y) == pytest.approx(expected, abs=0.02)


def test_fid_of_identical_features_is_zero():
    x = np.random.default_rng(4).standard_normal((1000, 32)) * np.linspace(0.1, 3.0, 32)
    assert stats.fid(x, x) == pytest.approx(0.0, abs=1e-8)


def test_fid_is_zero_and_finite_for_rank_deficient_covariance():
    x = np.random.default_rng(5).standard_normal((10, 32))  # 10 samples, rank 9 < 32
    assert stats.fid(x, x) == pytest.approx(0.0, abs=1e-8)
    assert np.isfinite(stats.fid(x, x + 1.0))


def test_fid_ignores_sample_order():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((500, 8)), rng.standard_normal((400, 8)) + 0.3
    assert stats.fid(x[rng.permutation(500)], y) == pytest.approx(stats.fid(x, y), rel=1e-10)


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="frechet_distance"):
        stats.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))


# --- Kernel distance ----------------------------------------------------------------------------


def test_kid_matches_direct_double_loop():
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((30, 3)), rng.standard_normal((30, 3)) + 0.2
    m, d = 30, 3

    def k(u, v):
        return (u @ v / d + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    expected = (xx + yy) / (m * (m - 1)) - 2.0 * xy / m**2
    # One subset of the full size is a permutation of each set; MMD² does not depend on order.
    mean, std = stats.kid(x, y, subset_size=m, subsets=1)
    assert mean == pytest.approx(expected, rel=1e-10)
    assert std == 0.0


def test_kid_near_zero_for_one_distribution():
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((2000, 16)), rng.standard_normal((2000, 16))
    mean, std = stats.kid(x, y, subset_size=500, subsets=50)
    assert abs(mean) < 3 * std
    assert abs(mean) < 1e-3


def test_kid_positive_for_shifted_distribution():
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((2000, 16)), rng.standard_normal((2000, 16)) + 0.5
    mean, std = stats.kid(x, y, subset_size=500, subsets=50)
    assert mean > 10 * std
    assert mean > 0.01


def test_kid_estimator_is_unbiased():
    # Averaged over many independent small samples of one distribution, the unbiased estimate
    # centres on 0, while the biased (V-statistic) estimate stays clearly positive.
    rng = np.random.default_rng(10)
    m, d, reps = 20, 4, 400
    unbiased, biased = [], []
    for _ in range(reps):
        x, y = rng.standard_normal((m, d)), rng.standard_normal((m, d))
        unbiased.append(stats.kid(x, y, subset_size=m, subsets=1)[0])
        k_xx, k_yy, k_xy = ((u @ v.T / d + 1.0) ** 3 for u, v in ((x, x), (y, y), (x, y)))
        biased.append(k_xx.mean() + k_yy.mean() - 2.0 * k_xy.mean())
    stderr = np.std(unbiased) / np.sqrt(reps)
    assert abs(np.mean(unbiased)) < 3 * stderr
    assert np.mean(biased) > 10 * stderr


def test_kid_clips_subset_size_and_is_seeded():
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal((50, 4)), rng.standard_normal((80, 4))
    assert stats.kid(x, y, subset_size=1000, subsets=5, seed=3) == stats.kid(
        x, y, subset_size=50, subsets=5, seed=3
    )
    assert stats.kid(x, y, subsets=5, seed=1) != stats.kid(x, y, subsets=5, seed=2)


# --- Nearest-neighbour metrics ------------------------------------------------------------------


def _brute_precision_recall(real, fake, k):
    d2 = _brute_sq_dists(real, fake)
    r_real, r_fake = _brute_knn_sq_radii(real, k), _brute_knn_sq_radii(fake, k)
    precision = np.mean((d2 <= r_real[:, None]).any(axis=0))
    recall = np.mean((d2 <= r_fake[None, :]).any(axis=1))
    return precision, recall


def _brute_density_coverage(real, fake, k):
    d2 = _brute_sq_dists(real, fake)
    r_real = _brute_knn_sq_radii(real, k)
    density = np.sum(d2 < r_real[:, None]) / (k * fake.shape[0])
    coverage = np.mean(d2.min(axis=1) < r_real)
    return density, coverage


def _clusters(rng, centers, per_cluster, spread=1.0):
    points = [c + spread * rng.standard_normal((per_cluster, centers.shape[1])) for c in centers]
    return np.concatenate(points)


@pytest.fixture
def small_blocks(monkeypatch):
    """Force many small distance blocks so the blockwise bookkeeping is exercised."""
    monkeypatch.setattr(stats, "BLOCK_ELEMENTS", 1000)


def test_knn_radii_match_brute_force(small_blocks):
    x = np.random.default_rng(12).standard_normal((200, 5))
    for k in (1, 3, 20):  # 20 takes the np.partition path
        np.testing.assert_allclose(stats.knn_sq_radii(x, k), _brute_knn_sq_radii(x, k), rtol=1e-4)


def test_knn_radii_count_duplicates():
    x = np.array([[0.0], [0.0], [0.0], [5.0]])
    np.testing.assert_array_equal(stats.knn_sq_radii(x, 2), [0.0, 0.0, 0.0, 25.0])


def test_precision_recall_match_brute_force(small_blocks):
    rng = np.random.default_rng(13)
    real, fake = rng.standard_normal((300, 5)), 1.3 * rng.standard_normal((250, 5)) + 0.4
    got = stats.precision_recall(real, fake, k=3)
    np.testing.assert_allclose(got, _brute_precision_recall(real, fake, 3), atol=1 / 250)


def test_density_coverage_match_brute_force(small_blocks):
    rng = np.random.default_rng(14)
    real, fake = rng.standard_normal((300, 5)), 0.7 * rng.standard_normal((250, 5)) + 0.2
    got = stats.density_coverage(real, fake, k=5)
    np.testing.assert_allclose(got, _brute_density_coverage(real, fake, 5), atol=1 / 250)


def test_identical_sets_score_perfectly():
    real = np.random.default_rng(15).standard_normal((500, 8))
    assert stats.precision_recall(real, real.copy()) == (1.0, 1.0)
    density, coverage = stats.density_coverage(real, real.copy())
    assert coverage == 1.0
    assert density == pytest.approx(1.0, abs=0.01)


def test_far_apart_sets_score_zero():
    rng = np.random.default_rng(16)
    real, fake = rng.standard_normal((300, 8)), rng.standard_normal((300, 8)) + 100.0
    assert stats.precision_recall(real, fake) == (0.0, 0.0)
    assert stats.density_coverage(real, fake) == (0.0, 0.0)


def test_half_the_modes_gives_half_recall():
    # Two dimensions, so 250 points per mode fill it and k-NN balls cover it almost entirely.
    rng = np.random.default_rng(17)
    centers = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0], [50.0, 50.0]])
    real = _clusters(rng, centers, 250)
    fake = _clusters(rng, centers[:2], 250)  # fresh draws from two of the four modes
    precision, recall = stats.precision_recall(real, fake)
    density, coverage = stats.density_coverage(real, fake)
    assert precision > 0.95
    assert recall == pytest.approx(0.5, abs=0.05)
    assert coverage == pytest.approx(0.5, abs=0.05)
    assert density == pytest.approx(1.0, abs=0.2)


def test_nearest_neighbour_metrics_reject_bad_input():
    x = np.zeros((5, 3))
    with pytest.raises(ValueError, match="k must be"):
        stats.precision_recall(x, x, k=5)
    with pytest.raises(ValueError, match="feature sizes"):
        stats.density_coverage(x, np.zeros((5, 4)))


def test_memorization_detects_copies_and_passes_fresh_samples():
    rng = np.random.default_rng(18)
    train = rng.standard_normal((2000, 16))
    test = rng.standard_normal((500, 16))
    copies = stats.memorization(train, test, train[rng.choice(2000, 500, replace=False)])
    fresh = stats.memorization(train, test, rng.standard_normal((500, 16)))
    assert copies["memorization_ratio"] == 1.0
    assert copies["median_fake_to_train"] < 0.01 * copies["median_test_to_train"]
    assert fresh["memorization_ratio"] == pytest.approx(0.5, abs=0.08)
    assert fresh["median_test_to_train"] == copies["median_test_to_train"]


def test_memorization_distances_match_brute_force(small_blocks):
    rng = np.random.default_rng(19)
    train, test, fake = (rng.standard_normal((n, 4)) for n in (150, 60, 70))
    got = stats.memorization(train, test, fake)
    d_test = np.sqrt(_brute_sq_dists(test, train).min(axis=1))
    d_fake = np.sqrt(_brute_sq_dists(fake, train).min(axis=1))
    assert got["median_test_to_train"] == pytest.approx(np.median(d_test), rel=1e-4)
    assert got["median_fake_to_train"] == pytest.approx(np.median(d_fake), rel=1e-4)
    assert got["memorization_ratio"] == np.mean(d_fake < np.median(d_test))


# --- Class-prediction metrics -------------------------------------------------------------------


def test_classifier_score_of_confident_balanced_predictions_is_class_count():
    probs = np.eye(10)[np.arange(1000) % 10]
    mean, std = stats.classifier_score(probs, splits=10)
    assert mean == pytest.approx(10.0, rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "probs", [np.eye(10)[np.zeros(500, dtype=int)], np.full((500, 10), 0.1)], ids=["same", "flat"]
)
def test_classifier_score_without_diversity_or_confidence_is_one(probs):
    assert stats.classifier_score(probs)[0] == pytest.approx(1.0, rel=1e-9)


def test_classifier_score_matches_loop():
    probs = np.random.default_rng(20).dirichlet(np.full(5, 0.3), size=90)
    scores = []
    for part in np.array_split(probs, 3):
        marginal = part.mean(axis=0)
        kls = [sum(p * np.log(p / q) for p, q in zip(row, marginal, strict=True)) for row in part]
        scores.append(np.exp(np.mean(kls)))
    assert stats.classifier_score(probs, splits=3) == pytest.approx(
        (np.mean(scores), np.std(scores)), rel=1e-9
    )


def test_class_histogram_accepts_probs_and_labels():
    labels = np.array([0, 2, 2, 1, 2])
    probs = np.eye(4)[labels] * 0.7 + 0.075
    np.testing.assert_array_equal(stats.class_histogram(labels, 4), [1, 1, 3, 0])
    np.testing.assert_array_equal(stats.class_histogram(probs, 4), [1, 1, 3, 0])
    with pytest.raises(ValueError, match="lie in"):
        stats.class_histogram(np.array([0, 4]), 4)


def test_mode_coverage_counts_collapsed_classes():
    real = np.arange(1000) % 10
    balanced = stats.mode_coverage(np.arange(500) % 10, real, 10)
    assert balanced["classes_covered"] == 10
    assert balanced["kl_to_real"] == pytest.approx(0.0, abs=1e-9)

    # Classes 7 and 8 vanish; class 9 gets 0.5% of samples, under the 1% (10% of 10%) bar.
    fake = np.concatenate([np.arange(995) % 7, np.full(5, 9)])
    partial = stats.mode_coverage(fake, real, 10)
    assert partial["classes_covered"] == 7
    assert partial["kl_to_real"] > balanced["kl_to_real"]

    collapsed = stats.mode_coverage(np.zeros(500, dtype=int), real, 10)
    assert collapsed["classes_covered"] == 1
    assert collapsed["kl_to_real"] == pytest.approx(np.log(10), rel=1e-3)


def test_mode_coverage_ignores_classes_missing_from_real_data():
    real = np.arange(100) % 5  # classes 5..9 never occur
    assert stats.mode_coverage(np.arange(100) % 10, real, 10)["classes_covered"] == 5
