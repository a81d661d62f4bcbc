"""Pixel-space reconstruction metrics: MSE, PSNR and SSIM.

Images are float arrays of shape ``(N, H, W, C)`` with values in ``[0, data_range]`` (``[0, 1]``
by default). Each metric has a ``per_image_*`` form, for distributions and worst cases in reports,
and a scalar form that averages it over the batch.
"""

from __future__ import annotations

import numpy as np

#: PSNR reported for a perfect reconstruction (and the cap for all others), where the formula
#: would give infinity; a finite cap keeps batch means and plots meaningful.
MAX_PSNR_DB = 100.0

#: SSIM constants from Wang et al. (2004): 11x11 Gaussian window with sigma 1.5, K1 and K2.
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03

#: Images per SSIM batch; bounds memory for the ten filtered maps.
_SSIM_BATCH = 1024


def _as_image_pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 4 or a.shape != b.shape or a.shape[0] == 0:
        raise ValueError(
            f"expected two non-empty (N, H, W, C) batches of equal shape, got {a.shape}, {b.shape}"
        )
    return a, b


def per_image_mse(a, b) -> np.ndarray:
    """Mean squared error of each image pair, shape ``(N,)``."""
    a, b = _as_image_pair(a, b)
    return np.mean((a - b) ** 2, axis=(1, 2, 3))


def mse(a, b) -> float:
    """Mean squared error over all images."""
    return float(per_image_mse(a, b).mean())


def per_image_psnr(a, b, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio of each image pair in dB, capped at :data:`MAX_PSNR_DB`."""
    err = per_image_mse(a, b)
    with np.errstate(divide="ignore"):
        db = 10.0 * np.log10(data_range**2 / err)
    return np.minimum(db, MAX_PSNR_DB)


def psnr(a, b, data_range: float = 1.0) -> float:
    """Mean of per-image PSNR.

    Averaging per image (rather than taking PSNR of the batch MSE) matches how reconstruction
    papers report it and is not dominated by the few worst images.
    """
    return float(per_image_psnr(a, b, data_range).mean())


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> np.ndarray:
    """Normalised 1-D Gaussian taps; the 2-D window is their outer product."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    w = np.exp(-(x**2) / (2.0 * sigma**2))
    return w / w.sum()


def _filter_valid(x: np.ndarray, taps: np.ndarray, axis: int) -> np.ndarray:
    """Correlate ``x`` with ``taps`` along ``axis``, keeping only fully covered positions."""
    out_len = x.shape[axis] - taps.size + 1
    out = np.zeros(x.shape[:axis] + (out_len,) + x.shape[axis + 1 :])
    window = [slice(None)] * x.ndim
    for t, weight in enumerate(taps):
        window[axis] = slice(t, t + out_len)
        out += weight * x[tuple(window)]
    return out


def per_image_ssim(a, b, data_range: float = 1.0) -> np.ndarray:
    """Structural similarity (Wang et al., 2004) of each image pair, shape ``(N,)``.

    Local statistics use an 11x11 Gaussian window (sigma 1.5), applied as two 1-D passes and
    evaluated only where the window fits inside the image; variances are population (not sample)
    estimates. The SSIM map is averaged over positions and channels. This matches scikit-image's
    ``structural_similarity(..., gaussian_weights=True, use_sample_covariance=False)``.
    """
    a, b = _as_image_pair(a, b)
    if min(a.shape[1], a.shape[2]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW}x{SSIM_WINDOW} pixels")
    taps = gaussian_window()
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    scores = np.empty(a.shape[0])
    for start in range(0, a.shape[0], _SSIM_BATCH):
        x, y = a[start : start + _SSIM_BATCH], b[start : start + _SSIM_BATCH]
        maps = np.stack([x, y, x * x, y * y, x * y])
        mu_x, mu_y, e_xx, e_yy, e_xy = _filter_valid(_filter_valid(maps, taps, 2), taps, 3)
        var_x = e_xx - mu_x * mu_x
        var_y = e_yy - mu_y * mu_y
        cov_xy = e_xy - mu_x * mu_y
        num = (2.0 * mu_x * mu_y + c1) * (2.0 * cov_xy + c2)
        den = (mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2)
        scores[start : start + len(x)] = np.mean(num / den, axis=(1, 2, 3))
    return scores


def ssim(a, b, data_range: float = 1.0) -> float:
    """Mean SSIM over images (and channels); 1.0 for identical batches."""
    return float(per_image_ssim(a, b, data_range).mean())
