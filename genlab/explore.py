"""Latent spaces made visible: code maps, interpolations, traversals, linear separability.

What applies is chosen by what a model can do, never by its name:

* models that can ``encode`` (autoencoders, VAEs): a 2-D map of the test codes coloured by class
  (t-SNE when scikit-learn is installed, ``pip install 'genlab[explore]'``, else PCA), rows of
  decoded linear interpolations between the codes of two test images of different classes, and
  ``linear_probe_accuracy``, how linearly separable the classes are in code space;
* every sampler: rows of decoded linear interpolations between two latents drawn by
  ``sample_latents`` (the model's own prior);
* the ``vae`` family: a latent traversal, one row per latent dimension (the most active first),
  the prior mean with that one coordinate swept from -3 to 3.

:func:`explore` writes the pictures and ``explore.json`` into a folder and returns what it wrote.
Nothing here imports TensorFlow or scikit-learn at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genlab.errors import UsageError
from genlab.specs import RECONSTRUCT, SAMPLE

METHODS = ("auto", "tsne", "pca")
#: Test images in the code map (and the linear probe) unless told otherwise.
MAP_IMAGES = 2000
#: Images per interpolation row (endpoints included) and rows per grid.
STEPS = 9
ROWS = 8
#: Traversal: at most this many dimensions, each swept over this many values in [-3, 3].
TRAVERSAL_DIMS = 10
TRAVERSAL_RANGE = 3.0
#: Ridge penalties the linear probe chooses from (times the number of fitted codes).
PROBE_RIDGES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
TRAVERSAL_FAMILIES = frozenset({"vae"})


@dataclass
class Exploration:
    """What :func:`explore` produced: picture paths by kind, and its numbers."""

    pictures: dict[str, Path] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


# -- what applies -------------------------------------------------------------------------------
def encode_fn(model):
    """``x -> codes`` (the first output when ``encode`` returns several), or None."""

    def encode(x, training=False):
        out = model.encode(x, training=training)
        return out[0] if isinstance(out, (tuple, list)) else out

    return encode


def can_encode(model, spec) -> bool:
    """True for models with the ``reconstruct`` capability whose ``encode`` works."""
    if not spec.can(RECONSTRUCT):
        return False
    try:
        model.encode(np.zeros((1, *model.image_shape), "float32"))
    except NotImplementedError:
        return False
    return True


def has_traversal(spec) -> bool:
    return spec.family in TRAVERSAL_FAMILIES and spec.can(SAMPLE)


# -- 2-D maps -----------------------------------------------------------------------------------
def tsne_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None


def pca_2d(codes: np.ndarray) -> np.ndarray:
    """Projection onto the two leading principal components, ``(n, 2)``."""
    x = np.asarray(codes, np.float64)
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    xy = u[:, :2] * s[:2]
    if xy.shape[1] < 2:  # a one-dimensional code
        xy = np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))
    return xy.astype(np.float32)


def tsne_2d(codes: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE (van der Maaten & Hinton 2008) via scikit-learn; PCA to 50 dims first if wider."""
    from sklearn.manifold import TSNE

    x = np.asarray(codes, np.float32)
    if x.shape[1] > 50:
        x = _pca(x, 50)
    perplexity = float(min(30, max(2, (len(x) - 1) // 3)))
    tsne = TSNE(2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed)
    return tsne.fit_transform(x).astype(np.float32)


def _pca(x: np.ndarray, k: int) -> np.ndarray:
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    return (u[:, :k] * s[:k]).astype(np.float32)


def check_method(method: str) -> None:
    """A code-map method genlab knows, or one :class:`UsageError` naming the choices."""
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")


def embed_2d(codes: np.ndarray, method: str = "auto", seed: int = 0) -> tuple[np.ndarray, str]:
    """``(xy, method used)``; ``auto`` is t-SNE when scikit-learn is installed, else PCA."""
    check_method(method)
    if method == "tsne" and not tsne_available():
        raise UsageError(
            "t-SNE needs scikit-learn: pip install 'genlab[explore]' (or use --method pca)"
        )
    if method == "pca" or (method == "auto" and not tsne_available()) or len(codes) < 5:
        return pca_2d(codes), "pca"
    return tsne_2d(codes, seed), "tsne"


# -- the metric ---------------------------------------------------------------------------------
def linear_probe_accuracy(codes, labels, seed: int = 0) -> float:
    """Accuracy of a linear classifier on the codes (a linear probe, Alain & Bengio 2016).

    The codes are split in two halves (seeded). A ridge-regression classifier (one-hot targets,
    standardised features, prediction = argmax of the outputs) is fitted on one half and scored
    on the other; its penalty is the one of :data:`PROBE_RIDGES` that scores best when the
    fitting half is split once more. 1 means the classes are linearly separable in code space;
    chance is about ``1 / classes``.
    """
    x = np.asarray(codes, np.float64).reshape(len(codes), -1)
    y = np.asarray(labels, np.int64)
    if len(x) != len(y) or len(x) < 8:
        raise ValueError("linear_probe_accuracy needs at least 8 codes, one label each")
    order = np.random.default_rng(seed).permutation(len(x))
    fit, held = order[: len(x) // 2], order[len(x) // 2 :]
    mean, std = x[fit].mean(axis=0), x[fit].std(axis=0) + 1e-8
    design = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    inner, check = fit[: len(fit) // 2], fit[len(fit) // 2 :]
    ridge = max(PROBE_RIDGES, key=lambda r: _probe(design, y, inner, check, r))
    return _probe(design, y, fit, held, ridge)


def _probe(design, y, fit, held, ridge: float) -> float:
    """Accuracy on ``held`` of the ridge classifier fitted on ``fit`` (penalty ridge · |fit|)."""
    classes = np.unique(y[fit])
    targets = (y[fit, None] == classes[None, :]).astype(np.float64)
    a = design[fit]
    weights = np.linalg.solve(a.T @ a + ridge * len(fit) * np.eye(a.shape[1]), a.T @ targets)
    return float(np.mean(classes[(design[held] @ weights).argmax(axis=1)] == y[held]))


# -- latent paths -------------------------------------------------------------------------------
def lerp(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """``(rows, steps, dim)``: ``(1 - t) a + t b`` for ``steps`` values of t from 0 to 1."""
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    return (1.0 - t) * a[:, None, :] + t * b[:, None, :]


def decode_paths(model, spec, latents: np.ndarray) -> np.ndarray:
    """Decode ``(rows, steps, dim)`` latents into ``(rows, steps, H, W, C)`` images in [0, 1]."""
    from genlab.data.pipeline import unscale

    rows, steps = latents.shape[:2]
    flat = latents.reshape(rows * steps, -1).astype(np.float32)
    images = unscale(model.predict_batches(model.generate, flat), spec.output_range)
    return images.reshape(rows, steps, *images.shape[1:])


def class_pairs(labels: np.ndarray, rows: int, seed: int = 0) -> list[tuple[int, int]]:
    """``rows`` index pairs of images of different classes: class c with class c + C/2."""
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError("interpolating between classes needs images of at least two classes")
    pairs = []
    for r in range(rows):
        a = classes[r % len(classes)]
        b = classes[(r + max(1, len(classes) // 2)) % len(classes)]
        pairs.append(
            (
                int(rng.choice(np.flatnonzero(labels == a))),
                int(rng.choice(np.flatnonzero(labels == b))),
            )
        )
    return pairs


def code_interpolations(model, spec, images, pairs, steps: int = STEPS) -> np.ndarray:
    """Decoded interpolations between the codes of ``images[i]`` and ``images[j]`` per pair.

    ``images`` are model-range; the first and last column are the two reconstructions.
    """
    first = np.array([i for i, _ in pairs])
    second = np.array([j for _, j in pairs])
    codes = model.predict_batches(
        encode_fn(model), np.asarray(images, np.float32)[np.r_[first, second]]
    )
    codes = codes.reshape(len(codes), -1)
    return decode_paths(model, spec, lerp(codes[: len(pairs)], codes[len(pairs) :], steps))


def prior_interpolations(model, spec, rows: int = ROWS, steps: int = STEPS, seed: int = 0):
    """Decoded interpolations between pairs of latents drawn from the model's own prior."""
    z = model.sample_latents(2 * rows, seed=seed).reshape(2 * rows, -1)
    return decode_paths(model, spec, lerp(z[:rows], z[rows:], steps))


def active_dims(codes: np.ndarray, k: int = TRAVERSAL_DIMS) -> np.ndarray:
    """The ``k`` latent dimensions whose codes vary most over the data (most active first).

    The variance of the posterior means over the data is the activity measure of Burda et al.
    (2016); collapsed dimensions have almost none.
    """
    variance = np.asarray(codes, np.float64).reshape(len(codes), -1).var(axis=0)
    return np.argsort(-variance, kind="stable")[:k]


def traversal(model, spec, dims, steps: int = STEPS, span: float = TRAVERSAL_RANGE):
    """``(len(dims), steps, H, W, C)``: the zero latent (the prior mean) with one coordinate
    swept from ``-span`` to ``span`` per row."""
    values = np.linspace(-span, span, steps, dtype=np.float32)
    latents = np.zeros((len(dims), steps, model.latent_dim), np.float32)
    for row, dim in enumerate(dims):
        latents[row, :, dim] = values
    return decode_paths(model, spec, latents)


# -- pictures -----------------------------------------------------------------------------------
def code_map_figure(xy, labels, class_names=(), title: str = ""):
    """A matplotlib figure: the 2-D codes, one scatter (one colour) per class, with a legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    ax.set_title(title, fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=3, frameon=False)
    fig.tight_layout()
    return fig


def save_code_map(path, xy, labels, class_names=(), title: str = "") -> None:
    """:func:`code_map_figure` written as a PNG."""
    import matplotlib.pyplot as plt

    from genlab.run_dir import atomic_output

    fig = code_map_figure(xy, labels, class_names, title)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def save_rows(path, rows: np.ndarray, left=None, right=None) -> None:
    """A grid with one row per path; ``left``/``right`` (the originals) framed beside them."""
    from genlab.report.images import save_grid

    images = rows
    if left is not None:
        gap = np.ones_like(left)[:, None]
        images = np.concatenate([left[:, None], gap, rows, gap, right[:, None]], axis=1)
    save_grid(path, images.reshape(-1, *images.shape[2:]), cols=images.shape[1])


# -- everything at once -------------------------------------------------------------------------
def explore(
    model,
    spec,
    splits,
    out_dir,
    *,
    method: str = "auto",
    n: int = MAP_IMAGES,
    seed: int = 0,
    title: str = "",
) -> Exploration:
    """Write every picture that applies to ``model`` into ``out_dir``, plus ``explore.json``.

    Args:
        splits: the dataset; the test images (and labels, when there are any) are used.
        method: ``auto``, ``tsne`` or ``pca`` for the code map.
        n: test images in the code map and the linear probe.
    """
    from genlab.data.pipeline import scale, unscale
    from genlab.run_dir import atomic_write_json

    check_method(method)
    if n < 5:
        raise UsageError(f"--n must be at least 5, got {n}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = Exploration(summary={"model": spec.name, "family": spec.family, "seed": seed})
    name = title or spec.name
    test = splits.test_images[:n]
    labels = None if splits.test_labels is None else np.asarray(splits.test_labels[:n])
    if can_encode(model, spec):
        x = scale(test, spec.output_range)
        codes = model.predict_batches(encode_fn(model), x)
        codes = codes.reshape(len(codes), -1)
        xy, used = embed_2d(codes, method, seed)
        shown = labels if labels is not None else np.zeros(len(codes), np.int64)
        summary = {"map_method": used, "map_points": len(codes), "code_dim": codes.shape[1]}
        if labels is not None and len(np.unique(labels)) > 1:
            summary["linear_probe_accuracy"] = linear_probe_accuracy(codes, labels, seed)
            summary["linear_probe_pixels"] = linear_probe_accuracy(test, labels, seed)
            probe = f", linear probe {summary['linear_probe_accuracy']:.3f}"
        else:
            probe = ""
        title = f"{name}: {len(codes)} test codes ({codes.shape[1]}-d), {used.upper()}{probe}"
        save_code_map(out / "codes.png", xy, shown, tuple(splits.class_names or ()), title)
        result.pictures["codes"] = out / "codes.png"
        result.summary.update(summary)
        if labels is not None and len(np.unique(labels)) > 1:
            pairs = class_pairs(labels, ROWS, seed)
            rows = code_interpolations(model, spec, x, pairs)
            originals = unscale(x, spec.output_range)
            save_rows(
                out / "interpolation.png",
                rows,
                originals[[i for i, _ in pairs]],
                originals[[j for _, j in pairs]],
            )
            result.pictures["interpolation"] = out / "interpolation.png"
    if spec.can(SAMPLE):
        save_rows(out / "interpolation-prior.png", prior_interpolations(model, spec, seed=seed))
        result.pictures["interpolation_prior"] = out / "interpolation-prior.png"
    if has_traversal(spec):
        dims = active_dims(codes) if "codes" in result.pictures else np.arange(model.latent_dim)
        dims = dims[:TRAVERSAL_DIMS]
        save_rows(out / "traversal.png", traversal(model, spec, dims))
        result.pictures["traversal"] = out / "traversal.png"
        result.summary["traversal_dims"] = [int(d) for d in dims]
    result.summary["pictures"] = {k: p.name for k, p in result.pictures.items()}
    atomic_write_json(out / "explore.json", result.summary)
    return result
