"""Sample grids, GIFs and loss curves, written atomically."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from genlab.report.figure import DPI
from genlab.run_dir import HISTORY_BOOKKEEPING, atomic_output


def grid(images: np.ndarray, cols: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile (N, H, W, C) images in [0, 1] into one uint8 (rows*H, cols*W, C) picture."""
    images = np.clip(np.asarray(images, "float32"), 0.0, 1.0)
    n, h, w, c = images.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.ones((rows * (h + pad) + pad, cols * (w + pad) + pad, c), "float32")
    for i, image in enumerate(images):
        r, k = divmod(i, cols)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + k * (w + pad) :][:, :w] = image
    return (out * 255).round().astype("uint8")


def _pil(array: np.ndarray, scale: int = 1):
    from PIL import Image

    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def save_grid(path: str | Path, images: np.ndarray, cols: int | None = None, scale: int = 2):
    """Save images in [0, 1] as a PNG grid (nearest-neighbour upscaled for viewing)."""
    picture = _pil(grid(images, cols), scale)
    with atomic_output(path) as tmp:
        picture.save(tmp, format="PNG")


def save_gif(path: str | Path, frames: list[Path], duration_ms: int = 400) -> None:
    """An animated GIF of the given PNG frames (the per-epoch grids)."""
    from PIL import Image

    if not frames:
        return
    images = [Image.open(f).convert("P") for f in frames]
    with atomic_output(path) as tmp:
        images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0
        )


def validation_style(key: str, colors: dict) -> dict:
    """``val_<loss>`` is drawn dashed in the colour of ``<loss>`` (already drawn: ``colors``)."""
    train = key.removeprefix("val_")
    return {"linestyle": "--", "color": colors[train]} if train != key and train in colors else {}


def plot_losses(path: str | Path, history: list[dict], title: str = "") -> None:
    """Loss curves per epoch, one line per logged loss."""
    from genlab.report.figure import integer_axis, pyplot, save_png

    plt = pyplot()
    keys = [k for k in (history[0] if history else {}) if k not in HISTORY_BOOKKEEPING]
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=DPI)
    epochs = [row["epoch"] for row in history]
    colors: dict[str, str] = {}
    for key in keys:
        style = validation_style(key, colors)
        line = ax.plot(epochs, [row.get(key) for row in history], marker="o", label=key, **style)
        colors[key] = line[0].get_color()
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean over the epoch")
    integer_axis(ax, "x")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    if keys:
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, path)


def plot_curve(path: str | Path, curve: list[dict], title: str = "") -> None:
    """The run's quality curve: FID against images seen (log scale), precision and recall
    beside it, from ``curve.jsonl``."""
    from genlab.report.figure import log_axis, metric_label, metric_name, pyplot, save_png

    plt = pyplot()
    images = [row["images"] for row in curve]
    fig, (fid, pr) = plt.subplots(1, 2, figsize=(9, 3.5), dpi=DPI)
    fid.plot(images, [row["fid"] for row in curve], marker="o")
    fid.set_ylabel(metric_label("fid", "lower is better"))
    fid.set_title(f"FID of {curve[-1]['n']:,} samples", fontsize=10)
    for key in ("precision", "recall"):
        pr.plot(images, [row.get(key) for row in curve], marker="o", label=metric_name(key))
    pr.set_ylim(0, 1)
    pr.set_ylabel("share, 0 to 1 (higher is better)")
    pr.set_title("precision and recall", fontsize=10)
    pr.legend(fontsize=8)
    for ax in (fid, pr):
        ax.set_xlabel("training images seen")
        ax.grid(alpha=0.3)
        log_axis(ax, "x", "count")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save_png(fig, path)
