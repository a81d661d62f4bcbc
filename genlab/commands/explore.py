"""``genlab explore RUN_DIR``: code maps, interpolations and traversals of a trained model."""

from __future__ import annotations

from pathlib import Path

import typer

from genlab.commands import options
from genlab.errors import UsageError
from genlab.report.console import console, print_json


def explore_cmd(
    run_dir: Path = typer.Argument(..., help="A finished run directory."),
    method: str = typer.Option(
        "auto", "--method", help="Code map: tsne, pca, or auto (t-SNE if installed, else PCA)."
    ),
    n: int = typer.Option(2000, "--n", "-n", help="Test images in the code map and the probe."),
    seed: int = typer.Option(0, "--seed", help="Seed of the picked images and latent draws."),
    out: Path = typer.Option(None, "--out", "-o", help="Folder (default RUN_DIR/explore)."),
    data_dir: Path = options.data_dir(),
    as_json: bool = options.as_json("Print only the summary JSON on stdout."),
):
    """Picture the latent space: codes coloured by class, interpolations, traversals.

    Models that encode get a 2-D map of the test codes (t-SNE with 'pip install genlab[explore]',
    else PCA), interpolations between test images of different classes and the linear-probe
    accuracy of their codes; every sampler gets interpolations between prior draws; models with a
    likelihood (latent-variable models such as the VAE) a latent traversal. Written to
    RUN_DIR/explore/ with explore.json.
    """
    from genlab.latent import check_method

    check_method(method)  # before the run's model and data are loaded
    if n < 8:
        raise UsageError(f"--n must be at least 8, got {n}")
    from genlab.data.loading import reload_run_data
    from genlab.explore import explore
    from genlab.run import load_run_model

    run, spec, model = load_run_model(run_dir)
    _, full = reload_run_data(run.config, str(data_dir) if data_dir else None)
    target = out or run / "explore"
    with console.status(f"exploring {spec.name} ({method})"):
        result = explore(model, spec, full, target, method=method, n=n, seed=seed)
    if as_json:
        print_json(result.summary)
        return
    for kind, path in result.pictures.items():
        console.print(f"wrote {path} ({kind})", highlight=False)
    if "linear_probe_accuracy" in result.summary:
        s = result.summary
        console.print(
            f"linear probe accuracy of the codes: {s['linear_probe_accuracy']:.3f} "
            f"(of the pixels: {s['linear_probe_pixels']:.3f})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("explore")(explore_cmd)
