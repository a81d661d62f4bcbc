"""The pictures of latent spaces: a 2-D code map coloured by class, and rows of decoded paths."""

from __future__ import annotations

import numpy as np

from genlab.report.figure import pyplot, save_png

#: Axis names of the code maps, by method.
MAP_AXES = {
    "tsne": ("t-SNE 1", "t-SNE 2"),
    "pca": ("principal component 1", "principal component 2"),
}


def code_map_figure(xy, labels, class_names=(), title: str = "", method: str = ""):
    """A matplotlib figure: the 2-D codes, one scatter (one colour) per class, with a legend;
    the axes named after ``method`` (``tsne``, ``pca``)."""
    plt = pyplot()
    labels = np.asarray(labels)
    classes = np.unique(labels)
    cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    fig, ax = plt.subplots(figsize=(7, 6), dpi=100)
    for i, c in enumerate(classes):
        mask = labels == c
        name = class_names[c] if c < len(class_names) else str(c)
        ax.scatter(xy[mask, 0], xy[mask, 1], s=5, alpha=0.7, color=cmap(i % cmap.N), label=name)
    ax.set_xticks([])
    ax.set_yticks([])
    if method in MAP_AXES:  # no units: only distances on the map mean something
        ax.set_xlabel(MAP_AXES[method][0])
        ax.set_ylabel(MAP_AXES[method][1])
    ax.set_title(title, fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=3, frameon=False)
    fig.tight_layout()
    return fig


def save_code_map(path, xy, labels, class_names=(), title: str = "", method: str = "") -> None:
    """:func:`code_map_figure` written as a PNG."""
    save_png(code_map_figure(xy, labels, class_names, title, method), path)


def save_rows(path, rows: np.ndarray, left=None, right=None) -> None:
    """A grid with one row per path; ``left``/``right`` (the originals) framed beside them."""
    from genlab.report.images import save_grid

    images = rows
    if left is not None:
        gap = np.ones_like(left)[:, None]
        images = np.concatenate([left[:, None], gap, rows, gap, right[:, None]], axis=1)
    save_grid(path, images.reshape(-1, *images.shape[2:]), cols=images.shape[1])
