"""Latent exploration on a real (one-epoch) VAE: maps, interpolations, traversals, the probe."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

from genlab import explore as ex
from genlab import latent
from genlab.errors import UsageError
from genlab.evaluation.linear_probe import linear_probe_accuracy
from genlab.report import latent_figures
from genlab.specs import LIKELIHOOD, RECONSTRUCT, SAMPLE, ModelSpec


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    from genlab.config import RunConfig
    from genlab.run import run_one

    out = tmp_path_factory.mktemp("explore") / "vae"
    options = dict(epochs=1, limit=512, batch_size=64, evaluate=False, grids=False)
    run_one(RunConfig(model="vae", dataset="fashion", out=str(out), **options))
    return out


@pytest.fixture(scope="module")
def loaded(vae_run):
    from genlab.run import load_run_model

    _, spec, model = load_run_model(vae_run)
    return spec, model


@pytest.fixture(scope="module")
def small(fashion):
    return dataclasses.replace(
        fashion, test_images=fashion.test_images[:300], test_labels=fashion.test_labels[:300]
    )


def _png_size(path):
    with Image.open(path) as image:
        return image.size


def test_explore_writes_every_picture_a_vae_has(loaded, small, tmp_path):
    spec, model = loaded
    result = ex.explore(model, spec, small, tmp_path, method="pca", n=200)
    assert set(result.pictures) == {"codes", "interpolation", "interpolation_prior", "traversal"}
    summary = json.loads((tmp_path / "explore.json").read_text())
    assert summary["map_points"] == 200 and summary["map_method"] == "pca"
    assert summary["code_dim"] == model.latent_dim
    assert 0.1 < summary["linear_probe_accuracy"] <= 1.0
    cell = 28 + 2  # save_grid: 2-px padding, upscaled twice
    columns = latent.STEPS + 4  # original, gap, the path, gap, original
    assert _png_size(result.pictures["interpolation"]) == (
        2 * (columns * cell + 2),
        2 * (latent.ROWS * cell + 2),
    )
    assert _png_size(result.pictures["interpolation_prior"]) == (
        2 * (latent.STEPS * cell + 2),
        2 * (latent.ROWS * cell + 2),
    )
    rows = min(latent.TRAVERSAL_DIMS, model.latent_dim)
    assert _png_size(result.pictures["traversal"])[1] == 2 * (rows * cell + 2)
    assert len(summary["traversal_dims"]) == rows


def test_interpolation_endpoints_are_the_reconstructions(loaded, small):
    from genlab.data.pipeline import scale, unscale

    spec, model = loaded
    x = scale(small.test_images, spec.output_range)
    pairs = latent.class_pairs(small.test_labels, 4, seed=1)
    assert all(small.test_labels[i] != small.test_labels[j] for i, j in pairs)
    paths = latent.code_interpolations(model, spec, x, pairs, steps=5)
    assert paths.shape == (4, 5, 28, 28, 1)
    recon = unscale(model.predict_batches(model.reconstruct, x), spec.output_range)
    np.testing.assert_allclose(paths[:, 0], recon[[i for i, _ in pairs]], atol=1e-5)
    np.testing.assert_allclose(paths[:, -1], recon[[j for _, j in pairs]], atol=1e-5)
    # The middle column decodes the midpoint of the two codes.
    codes = model.predict_batches(latent.encode_fn(model), x[np.ravel(pairs)]).reshape(4, 2, -1)
    middle = latent.decode_paths(model, spec, codes.mean(axis=1, keepdims=True))[:, 0]
    np.testing.assert_allclose(paths[:, 2], middle, atol=1e-5)
    assert not np.allclose(codes[:, 0], codes[:, 1])  # different images, different codes


def test_traversal_sweeps_one_dimension_from_the_prior_mean(loaded):
    spec, model = loaded
    rows = latent.traversal(model, spec, [0, 3], steps=5)
    centre = latent.decode_paths(model, spec, np.zeros((1, 1, model.latent_dim), np.float32))[0, 0]
    np.testing.assert_allclose(rows[:, 2], np.stack([centre, centre]), atol=1e-6)
    assert not np.allclose(rows[0, 0], rows[1, 0], atol=1e-3)  # different directions


def test_code_map_has_one_point_per_code_and_one_colour_per_class():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    xy = rng.normal(size=(500, 2))
    fig = latent_figures.code_map_figure(xy, labels, tuple(f"class {c}" for c in range(10)))
    ax = fig.axes[0]
    assert len(ax.collections) == 10
    assert sum(len(c.get_offsets()) for c in ax.collections) == 500
    for c, collection in enumerate(ax.collections):
        np.testing.assert_array_equal(collection.get_offsets(), xy[labels == c])
    colours = {tuple(np.round(c.get_facecolor()[0], 3)) for c in ax.collections}
    assert len(colours) == 10
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"class {c}" for c in range(10)]


def test_linear_probe_separable_versus_random_labels():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(5), 100)
    centres = rng.normal(scale=10, size=(5, 8))
    codes = centres[labels] + rng.normal(size=(500, 8))
    assert linear_probe_accuracy(codes, labels) == 1.0
    assert linear_probe_accuracy(codes, rng.permutation(labels)) < 0.35


def test_pca_and_the_tsne_fallback(monkeypatch):
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(100, 6)) * np.array([10, 3, 0.1, 0.1, 0.1, 0.1])
    xy = latent.pca_2d(codes)
    assert xy.shape == (100, 2)
    assert abs(np.corrcoef(xy[:, 0], codes[:, 0])[0, 1]) > 0.99
    monkeypatch.setattr(latent, "tsne_available", lambda: False)
    assert latent.embed_2d(codes, "auto")[1] == "pca"
    with pytest.raises(UsageError, match=r"pip install 'genlab\[explore\]'"):
        latent.embed_2d(codes, "tsne")
    with pytest.raises(UsageError, match="--method must be one of"):
        latent.embed_2d(codes, "umap")


def test_what_applies_is_chosen_by_capability_never_by_family():
    def spec(family, caps):
        return ModelSpec(name="m", description="", family=family, build="x:y", capabilities=caps)

    with_prior = frozenset({SAMPLE, RECONSTRUCT, LIKELIHOOD})
    assert latent.has_traversal(spec("vae", with_prior))
    assert latent.has_traversal(spec("any-name", with_prior))
    assert not latent.has_traversal(spec("vae", frozenset({SAMPLE, RECONSTRUCT})))
    assert not latent.has_traversal(spec("autoencoder", frozenset({SAMPLE, RECONSTRUCT})))
    assert not latent.can_encode(object(), spec("gan", frozenset({SAMPLE})))


def test_explore_command(vae_run, cli):
    result = cli("explore", vae_run, "--method", "pca", "--n", "100", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["map_points"] == 100
    for name in summary["pictures"].values():
        assert (vae_run / "explore" / name).stat().st_size > 1000
    bad = cli("explore", vae_run, "--method", "umap")
    assert bad.returncode == 2 and "error: --method must be one of" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_tsne_keeps_clusters_apart():
    """The t-SNE path itself (scikit-learn, the ``explore`` extra): well-separated clusters in 8-D
    stay separated in 2-D — every point's nearest 2-D neighbour is of its own cluster."""
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 60)
    codes = rng.normal(scale=8, size=(4, 8))[labels] + rng.normal(size=(240, 8))
    xy, method = latent.embed_2d(codes, "auto")
    assert method == "tsne" and xy.shape == (240, 2) and xy.dtype == np.float32
    distances = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    assert (labels[distances.argmin(axis=1)] == labels).mean() > 0.95
    again, _ = latent.embed_2d(codes, "tsne")
    np.testing.assert_array_equal(xy, again)  # seeded: the same map twice
