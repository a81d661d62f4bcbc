"""``genlab explore`` and every run's ``explore/`` folder: the latent-space pictures that apply
to a model (:mod:`genlab.latent` chooses them by capability), their numbers, and
``explore.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genlab.errors import UsageError
from genlab.evaluation.linear_probe import linear_probe_accuracy
from genlab.latent import (
    MAP_IMAGES,
    ROWS,
    TRAVERSAL_DIMS,
    active_dims,
    can_encode,
    check_method,
    class_pairs,
    code_interpolations,
    embed_2d,
    encode_fn,
    has_traversal,
    prior_interpolations,
    traversal,
)
from genlab.report.latent_figures import save_code_map, save_rows
from genlab.specs import SAMPLE


@dataclass
class Exploration:
    """What :func:`explore` produced: picture paths by kind, and its numbers."""

    pictures: dict[str, Path] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


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
            probe = f", linear probe accuracy {summary['linear_probe_accuracy']:.3f}"
        else:
            probe = ""
        method_name = {"tsne": "t-SNE", "pca": "PCA"}.get(used, used)
        title = f"{name}: {len(codes)} test codes ({codes.shape[1]}-d), {method_name}{probe}"
        names = tuple(splits.class_names or ())
        save_code_map(out / "codes.png", xy, shown, names, title, used)
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
