"""What every matplotlib picture of genlab shares: the headless backend, model colours, the
subplot grid, PNG bytes, and the :class:`Picture` record reports embed."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


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
    fig.savefig(buffer, format="png", dpi=100)
    pyplot().close(fig)
    return buffer.getvalue()


def panel_grid(plt, count: int, width=4.0, height=3.0, cols=3):
    """``(figure, axes)`` with ``count`` visible panels, ``cols`` to a row."""
    cols = min(cols, count)
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]
