"""What every matplotlib picture of genlab shares: the headless backend, model colours, the
subplot grid, PNG bytes and files, the :class:`Picture` record reports embed, metric names as
users write them (:func:`metric_name`, :func:`metric_label`) and logarithmic axes with plain
tick labels (:func:`log_axis`: ``4k 8k 16k``, ``30 s 1 min 2 min``, ``20 30 50``).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


#: Pixels per inch of every PNG genlab writes.
DPI = 100


@dataclass
class Picture:
    name: str  # file name under report_files/
    title: str
    png: bytes
    caption: str = ""


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (no display needed); imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def model_colors(models: list[str]) -> dict[str, str]:
    """One colour per model, the same in every figure of a report."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(models)}


def png_bytes(fig) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    pyplot().close(fig)
    return buffer.getvalue()


def save_png(fig, path: str | Path) -> None:
    """The figure written to ``path`` as a PNG (atomically); the figure is closed."""
    from genlab.run_dir import atomic_output

    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    pyplot().close(fig)


def panel_grid(plt, count: int, width=4.0, height=3.0, cols=3):
    """``(figure, axes)`` with ``count`` visible panels, ``cols`` to a row."""
    cols = min(cols, count)
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


# -- metric names -------------------------------------------------------------------------------
#: Metric keys as users write them, with their unit: key -> (name, unit).
METRIC_NAMES = {
    "fid": ("FID", ""),
    "inception_fid": ("FID (Inception-v3)", ""),
    "kid": ("KID", ""),
    "kid_std": ("KID std", ""),
    "precision": ("precision", ""),
    "recall": ("recall", ""),
    "density": ("density", ""),
    "coverage": ("coverage", ""),
    "classifier_score": ("classifier score", ""),
    "classifier_score_std": ("classifier score std", ""),
    "classes_covered": ("classes covered", ""),
    "kl_to_real": ("KL to the real class histogram", "nats"),
    "memorization_ratio": ("memorization ratio", ""),
    "median_fake_to_train": ("median distance, samples to training set", ""),
    "median_test_to_train": ("median distance, test to training set", ""),
    "mse": ("MSE", ""),
    "psnr": ("PSNR", "dB"),
    "ssim": ("SSIM", ""),
    "denoise_psnr": ("denoising PSNR", "dB"),
    "denoise_psnr_gain": ("denoising PSNR gain", "dB"),
    "code_near_zero_fraction": ("near-zero code share", ""),
    "linear_probe": ("linear probe accuracy", ""),
    "linear_probe_accuracy": ("linear probe accuracy", ""),
    "elbo": ("ELBO", "nats"),
    "elbo_recon_nats": ("ELBO reconstruction", "nats"),
    "elbo_kl_nats": ("ELBO KL", "nats"),
    "iw_log_likelihood": ("IW log-likelihood", "nats"),
    "params": ("parameters", ""),
    "train_seconds": ("training time", "s"),
    "images_per_s": ("training speed", "images/s"),
    "peak_rss_mb": ("peak memory", "MiB"),
    "sample_ms_per_image": ("sampling time", "ms per image"),
    "network_evals_per_image": ("network evaluations per image", ""),
}


def metric_name(key: str) -> str:
    """``"FID"`` for ``fid``, ``"classifier score"`` for ``classifier_score``; a metric genlab
    does not know (a plugin's) with its underscores as spaces."""
    return METRIC_NAMES.get(key, (key.replace("_", " "), ""))[0]


def metric_label(key: str, better: str = "") -> str:
    """An axis label or a title: the name, its unit and which way is better:
    ``"PSNR (dB; higher is better)"``, ``"FID (lower is better)"``."""
    unit = METRIC_NAMES.get(key, ("", ""))[1]
    notes = "; ".join(n for n in (unit, better) if n)
    return f"{metric_name(key)} ({notes})" if notes else metric_name(key)


# -- logarithmic axes ---------------------------------------------------------------------------
#: Mantissas of the tick ladders of :func:`log_axis` for plain numbers, finest first.
_DECIMAL_LADDERS = (
    (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8),
    (1, 1.5, 2, 3, 5, 7),
    (1, 2, 5),
    (1, 3),
    (1,),
)
#: Width of one character of a tick label, in font sizes (DejaVu Sans digits are 0.64 em).
_CHAR_EM = 0.64
#: Free space between two tick labels, in inches.
_GAP_IN = 0.12
#: Round durations in seconds, each about twice the one before: 1, 2, 4, 8, 15, 30 s, then 1, 2,
#: 4, 8 ... min.
_DURATIONS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, *(60.0 * 2**k for k in range(14)))
#: More labels than this on one axis are not read at a glance.
MAX_TICKS = 7


def count_label(value: float) -> str:
    """``4k`` for 4,096 (a power of two counts in 1,024s), ``10k`` for 10,000, ``1M`` for
    1,048,576, ``500`` for 500."""
    if value <= 0:
        return f"{value:g}"
    exponent = math.log2(value)
    binary = value >= 1024 and abs(exponent - round(exponent)) < 1e-9
    step = 1024 if binary else 1000
    for suffix in ("", "k", "M", "G"):
        if abs(value) < step or suffix == "G":
            return f"{value:.3g}{suffix}"
        value /= step
    return f"{value:.3g}G"  # pragma: no cover - the loop returns


def duration_label(seconds: float) -> str:
    """``7.5 s``, ``30 s``, ``1 min``, ``90 s``, ``2.5 min``, ``128 min``."""
    minutes = seconds / 60
    if seconds < 60 or (seconds < 120 and abs(minutes - round(minutes)) > 1e-9):
        return f"{seconds:.2g} s"
    return f"{minutes:.3g} min"


def plain_label(value: float) -> str:
    """``0.05``, ``20``, ``150``, ``10k`` for 10,000 and over."""
    return count_label(value) if value >= 10_000 else f"{value:g}"


def _decimal_ticks(low: float, high: float, mantissas) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in mantissas:
            t = float(f"{m * 10.0**exponent:.6g}")
            if low * (1 - 1e-9) <= t <= high * (1 + 1e-9):
                ticks.append(t)
    return ticks


def _decade_ticks(low: float, high: float, stride: int) -> list[float]:
    """``10**k`` in ``[low, high]``, ``k`` a multiple of ``stride``."""
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    return [10.0**k for k in range(first, last + 1) if k % stride == 0]


def _doubling_ticks(low: float, high: float, unit: float, stride: int) -> list[float]:
    """``unit * 2**k`` in ``[low, high]``, ``k`` a multiple of ``stride``."""
    first = math.ceil(math.log2(low / unit) - 1e-9)
    last = math.floor(math.log2(high / unit) + 1e-9)
    return [unit * 2.0**k for k in range(first, last + 1) if k % stride == 0]


def _fits(ticks, labels, low, high, length_in, fontsize, vertical) -> bool:
    """Whether the labels of ``ticks`` on a log axis ``length_in`` inches long leave room
    between each other."""
    if len(ticks) < 2:
        return True
    if len(ticks) > MAX_TICKS:
        return False
    per_decade = length_in / (math.log10(high) - math.log10(low))
    height = fontsize / 72
    for i in range(len(ticks) - 1):
        room = (math.log10(ticks[i + 1]) - math.log10(ticks[i])) * per_decade
        chars = (len(labels[i]) + len(labels[i + 1])) / 2
        need = height * 1.4 if vertical else _CHAR_EM * height * chars
        if room < need + _GAP_IN:
            return False
    return True


def _families(kind: str, low: float, high: float):
    """The tick families :func:`log_ticks` tries for ``kind``, preferred first, each ladder of a
    family finest first; and the label of a tick."""
    decimal = [_decimal_ticks(low, high, m) for m in _DECIMAL_LADDERS]
    decimal += [_decade_ticks(low, high, s) for s in (2, 3, 5)]
    if kind == "count":
        doublings = [_doubling_ticks(low, high, 1.0, s) for s in range(1, 8)]
        return [doublings, decimal], count_label
    if kind == "seconds":
        anchor = _DURATIONS.index(60.0)  # every ladder has 1 min
        durations = [
            [t for i, t in enumerate(_DURATIONS) if (i - anchor) % s == 0 and low <= t <= high]
            for s in range(1, 8)
        ]
        return [durations, decimal], duration_label
    return [decimal], plain_label


def log_ticks(
    low: float,
    high: float,
    kind: str = "plain",
    length_in: float = 4.0,
    fontsize: float = 10,
    vertical: bool = False,
) -> tuple[list[float], list[str]]:
    """``(ticks, labels)`` for a logarithmic axis from ``low`` to ``high``: the finest ladder of
    round values whose labels do not touch on an axis ``length_in`` inches long (and at most
    :data:`MAX_TICKS`), with at least two ticks where the range allows.

    ``kind``: ``count`` (doublings labelled ``4k 8k 16k``, for images seen), ``seconds``
    (doublings of a minute labelled ``30 s 1 min 2 min``), ``plain`` (1-2-5 steps, ``20 50
    100``).
    """  # fmt: skip
    if not (0 < low < high and math.isfinite(high)):
        return [], []
    families, label = _families(kind, low, high)
    best: list[float] = []
    for family in families:
        for ticks in family:  # finest first
            if _fits(ticks, [label(t) for t in ticks], low, high, length_in, fontsize, vertical):
                if len(ticks) > len(best):
                    best = ticks
                break
        if len(best) >= 3:
            break
    if len(best) < 2:  # a narrow range (or a very short axis): its ends, rounded
        ends = {t for t in (float(f"{low:.2g}"), float(f"{high:.2g}")) if low <= t <= high}
        for ticks in (sorted(ends | set(best)), sorted(ends)):
            if _fits(ticks, [label(t) for t in ticks], low, high, length_in, fontsize, vertical):
                best = ticks
                break
    return best, [label(t) for t in best]


def log_axis(ax, which: str = "x", kind: str = "plain") -> None:
    """Make ``ax``'s ``which`` axis logarithmic with plain tick labels (see :func:`log_ticks`),
    no minor labels, over its current limits; call it once everything is drawn."""
    from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    low, high = ax.get_xlim() if which == "x" else ax.get_ylim()
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    length = box.width * width if which == "x" else box.height * height
    fontsize = axis.get_ticklabels()[0].get_fontsize() if axis.get_ticklabels() else 10
    ticks, labels = log_ticks(low, high, kind, length, fontsize, vertical=which == "y")
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FixedFormatter(labels))
    axis.set_minor_locator(NullLocator())
    (ax.set_xlim if which == "x" else ax.set_ylim)(low, high)


def integer_axis(ax, which: str = "x") -> None:
    """Whole-number ticks only (epochs, trials), also when the axis holds one of them; call it
    once everything is drawn."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    axis = ax.xaxis if which == "x" else ax.yaxis
    low, high = ax.get_xlim() if which == "x" else ax.get_ylim()
    whole = list(range(math.ceil(low), math.floor(high) + 1))
    axis.set_major_locator(FixedLocator(whole) if len(whole) < 3 else MaxNLocator(integer=True))
