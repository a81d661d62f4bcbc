"""Pixel-space metrics checked against known values and a direct window-by-window SSIM."""

from __future__ import annotations

import numpy as np
import pytest

from genlab.evaluation import image_metrics as im


def _images(seed: int, shape=(4, 28, 28, 1)) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape)


def _loop_ssim(x: np.ndarray, y: np.ndarray, data_range: float = 1.0) -> float:
    """SSIM of one (H, W, C) pair: weighted statistics of each 11x11 window, one at a time."""
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    values = []
    for c in range(x.shape[2]):
        for i in range(x.shape[0] - 10):
            for j in range(x.shape[1] - 10):
                px, py = x[i : i + 11, j : j + 11, c], y[i : i + 11, j : j + 11, c]
                mx, my = np.sum(w * px), np.sum(w * py)
                vx, vy = np.sum(w * (px - mx) ** 2), np.sum(w * (py - my) ** 2)
                cov = np.sum(w * (px - mx) * (py - my))
                num = (2 * mx * my + c1) * (2 * cov + c2)
                values.append(num / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


def test_mse_per_image_and_mean():
    a = np.zeros((2, 3, 3, 1))
    b = np.stack([np.full((3, 3, 1), 0.1), np.full((3, 3, 1), 0.3)])
    np.testing.assert_allclose(im.per_image_mse(a, b), [0.01, 0.09])
    assert im.mse(a, b) == pytest.approx(0.05)


def test_psnr_of_known_mse():
    a = np.zeros((2, 8, 8, 1))
    b = np.stack([np.full((8, 8, 1), 0.1), np.full((8, 8, 1), 0.01)])  # MSE 1e-2 and 1e-4
    np.testing.assert_allclose(im.per_image_psnr(a, b), [20.0, 40.0])
    assert im.psnr(a, b) == pytest.approx(30.0)
    assert im.psnr(a * 255, b * 255, data_range=255.0) == pytest.approx(30.0)


def test_psnr_of_identical_images_is_capped():
    x = _images(0)
    assert im.psnr(x, x) == im.MAX_PSNR_DB


def test_ssim_of_identical_images_is_one():
    x = _images(1, (3, 28, 28, 3))
    assert im.ssim(x, x) == pytest.approx(1.0, abs=1e-12)


def test_ssim_decreases_with_noise():
    rng = np.random.default_rng(2)
    x = _images(3)
    scores = [im.ssim(x, np.clip(x + s * rng.standard_normal(x.shape), 0, 1)) for s in (0.05, 0.2)]
    assert 1.0 > scores[0] > scores[1] > 0.0


def test_ssim_matches_window_loop():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, (2, 16, 14, 2))
    y = np.clip(x + 0.15 * rng.standard_normal(x.shape), 0, 1)
    expected = [_loop_ssim(x[n], y[n]) for n in range(2)]
    np.testing.assert_allclose(im.per_image_ssim(x, y), expected, rtol=1e-10)
    assert im.ssim(x, y) == pytest.approx(np.mean(expected), rel=1e-10)


def test_ssim_of_constant_images_has_closed_form():
    a, b = np.full((1, 12, 12, 1), 0.2), np.full((1, 12, 12, 1), 0.6)
    c1 = (0.01) ** 2
    expected = (2 * 0.2 * 0.6 + c1) / (0.2**2 + 0.6**2 + c1)  # no variance: luminance term only
    assert im.ssim(a, b) == pytest.approx(expected, rel=1e-12)


def test_ssim_batches_give_same_result(monkeypatch):
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 1, (5, 14, 14, 1)), rng.uniform(0, 1, (5, 14, 14, 1))
    whole = im.per_image_ssim(x, y)
    monkeypatch.setattr(im, "_SSIM_BATCH", 2)
    np.testing.assert_allclose(im.per_image_ssim(x, y), whole, rtol=1e-12)


def test_gaussian_window_is_normalised_and_symmetric():
    w = im.gaussian_window()
    assert w.shape == (11,)
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w, w[::-1])


def test_image_metrics_reject_bad_shapes():
    with pytest.raises(ValueError, match="equal shape"):
        im.mse(np.zeros((1, 4, 4, 1)), np.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match="at least 11x11"):
        im.ssim(np.zeros((1, 10, 28, 1)), np.zeros((1, 10, 28, 1)))
