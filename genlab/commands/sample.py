"""``genlab sample RUN_DIR``: draw new images from a trained model."""

from __future__ import annotations

from pathlib import Path

import typer

from genlab.errors import UsageError
from genlab.report.console import console


def sample_cmd(
    run_dir: Path = typer.Argument(..., help="A finished run directory."),
    n: int = typer.Option(64, "-n", help="Number of images."),
    output: Path = typer.Option(
        ..., "-o", "--output", help="PNG grid, or .npy for a float32 array in [0, 1]."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the latent draws."),
):
    """Draw N new images from a trained model."""
    if n < 1:
        raise UsageError(f"-n must be a positive integer, got {n}")
    suffix = output.suffix.lower()
    if suffix not in (".png", ".npy"):
        raise UsageError(f"-o must end in .png or .npy, got {output.name!r}")
    from genlab.data.pipeline import unscale
    from genlab.report.images import save_grid
    from genlab.run import load_run_model
    from genlab.run_dir import save_npy

    _, spec, model = load_run_model(run_dir)
    images = unscale(model.sample(n, seed=seed), spec.output_range)
    try:
        if suffix == ".npy":
            save_npy(output, images.astype("float32"))
        else:
            save_grid(output, images)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output} ({exc.strerror or exc}); choose another -o"
        ) from None
    console.print(f"wrote {n} samples of shape {images.shape[1:]} to {output}")


def register(app: typer.Typer) -> None:
    app.command("sample")(sample_cmd)
