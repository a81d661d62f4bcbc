"""Latent-space maths: what applies to a model, 2-D maps of its codes, paths through its
latent space (interpolations, traversals).

What applies is chosen by what a model can do, never by its name: models that ``encode`` get code
maps and code interpolations, every sampler gets interpolations between latents of its own prior,
and models with a likelihood (latent-variable models with a prior, such as a VAE) get a latent
traversal. Nothing here imports TensorFlow or scikit-learn at import time; the pictures are drawn
by :mod:`genlab.report.latent_figures`, and :mod:`genlab.explore` puts it all together.
"""

from __future__ import annotations

import numpy as np

from genlab.errors import UsageError
from genlab.specs import LIKELIHOOD, RECONSTRUCT, SAMPLE

METHODS = ("auto", "tsne", "pca")
#: Test images in the code map (and the linear probe) unless told otherwise.
MAP_IMAGES = 2000
#: Images per interpolation row (endpoints included) and rows per grid.
STEPS = 9
ROWS = 8
#: Traversal: at most this many dimensions, each swept over this many values in [-3, 3].
TRAVERSAL_DIMS = 10
TRAVERSAL_RANGE = 3.0


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
    """A latent traversal means something for a model with a likelihood and a prior it samples
    from (a latent-variable model such as a VAE): the prior mean, one coordinate swept."""
    return spec.can(LIKELIHOOD) and spec.can(SAMPLE)


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
    """A code-map method genlab knows, or one :class:`UsageError` naming the choices; ``tsne``
    only with scikit-learn installed."""
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "tsne" and not tsne_available():
        from genlab.dependencies import missing_message
        from genlab.errors import MissingDependencyError

        message = missing_message("sklearn", "t-SNE code maps (--method tsne)")
        raise MissingDependencyError(f"{message}, or use --method pca")


def embed_2d(codes: np.ndarray, method: str = "auto", seed: int = 0) -> tuple[np.ndarray, str]:
    """``(xy, method used)``; ``auto`` is t-SNE when scikit-learn is installed, else PCA."""
    check_method(method)
    if method == "pca" or (method == "auto" and not tsne_available()) or len(codes) < 5:
        return pca_2d(codes), "pca"
    return tsne_2d(codes, seed), "tsne"


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
