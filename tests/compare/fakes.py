"""Hand-written run directories, so report and reuse tests need no training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genlab import __version__
from genlab.comparison.aggregate import Comparison
from genlab.comparison.plan import Plan
from genlab.comparison.results import read_run
from genlab.report.images import save_grid
from genlab.run_dir import RunDir, save_npy

HPARAMS = {"lr": 0.0002, "latent_dim": 8}


def make_run(
    path: Path,
    model: str,
    seed: int,
    *,
    state: str = "complete",
    metrics: dict | None = None,
    capabilities=("sample",),
    epochs: int = 2,
    config: dict | None = None,
    curve: list[dict] | None = None,
) -> RunDir:
    run = RunDir(path)
    run.path.mkdir(parents=True, exist_ok=True)
    run.write_config(
        {
            "model": model,
            "hparams": HPARAMS,
            "dataset": "fashion",
            "image_shape": [28, 28, 1],
            "train_images": 512,
            "batch_size": 64,
            "seed": seed,
            "epochs": epochs,
            "limit": 512,
            "budget_minutes": None,
            "capabilities": list(capabilities),
            "versions": {"genlab": __version__, "tensorflow": "2.21.0"},
            "device": {"description": "CPU; strategy default x1"},
            **(config or {}),
        }
    )
    rng = np.random.default_rng(seed)
    run.write_history(
        [
            {"epoch": e, "loss": 1.0 / e + rng.random() * 0.1, "elapsed": 3.0 * e, "steps": 8}
            | {"images_per_s": 170.0 + seed, "seconds": 3.0}
            for e in range(1, epochs + 1)
        ]
    )
    images = rng.random((16, 28, 28, 1)).astype("float32")
    save_grid(run / "samples.png", images)
    save_grid(run.samples / f"epoch-{epochs:04d}.png", images, cols=8)
    save_npy(run / "fixed_latents.npy", np.random.default_rng(seed).standard_normal((16, 8)))
    if metrics is not None:
        run.write_metrics(metrics)
    if curve is not None:
        run.write_curve(curve)
    if state == "diverged":
        run.set_status(state, epoch=1, step=2, loss="d_loss")
    else:
        run.set_status(state)
    return run


def fake_comparison(root: Path, runs: dict[tuple[str, int], dict], **plan) -> Comparison:
    """A comparison over hand-written runs: ``{(model, seed): make_run keyword arguments}``."""
    models = list(dict.fromkeys(m for m, _ in runs))
    seeds = sorted({s for _, s in runs})
    plan = Plan(models=models, seeds=seeds, out=root, epochs=2, limit=512, **plan)
    results = []
    for (model, seed), kwargs in runs.items():
        make_run(plan.run_dir(model, seed), model, seed, **kwargs)
        results.append(read_run(plan.run_dir(model, seed), model, seed))
    return Comparison(plan, results)
