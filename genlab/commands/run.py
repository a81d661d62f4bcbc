"""``genlab run MODEL``: train one model; leave a complete run directory."""

from __future__ import annotations

from pathlib import Path

import typer

from genlab.commands import options
from genlab.report.console import console, stdout


def run_cmd(
    model: str = typer.Argument(..., help="Model name (see 'genlab list')."),
    dataset: str = options.dataset(),
    epochs: int = options.epochs(),
    batch_size: int = options.batch_size(),
    lr: float = typer.Option(None, "--lr", help="Learning rate (same as --set lr=X)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: same seed, same run."),
    limit: int = options.limit(),
    out_dir: Path = options.out(),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
    device: str = options.device(),
    strategy: str = options.strategy(),
    backend: str = options.backend(),
    overrides: list[str] = typer.Option(None, "--set", help="Model hyperparameter key=value."),
    data_dir: Path = options.data_dir(),
    image_shape: str = typer.Option(
        None, "--image-shape", help="HxWxC for image folders (default 28x28x1)."
    ),
    evaluate: bool = options.evaluate(),
    eval_n: int = options.eval_n(),
    budget_minutes: float = options.budget_minutes(),
    images: int = options.images(),
    curve: int = options.curve(),
    curve_from: int = options.curve_from(),
    track_fid: int = options.track_fid(),
    val_fraction: float = options.val_fraction(),
    ema: float = options.ema(),
    no_ema: bool = options.no_ema(),
):
    """Train MODEL on a dataset; leave samples, checkpoints, history and metrics in --out."""
    import genlab.backends as backends
    from genlab.config import RunOptions, parse_assignments
    from genlab.run import run_one

    backend = backends.select(backend)

    sets = parse_assignments(overrides)
    if lr is not None:
        sets["lr"] = lr
    if image_shape:
        from genlab.data.loading import parse_image_shape

        parse_image_shape(image_shape)
    shared = RunOptions(
        dataset=dataset,
        epochs=epochs,
        budget_minutes=budget_minutes,
        limit=limit,
        batch_size=batch_size,
        data_dir=str(data_dir) if data_dir else None,
        device=device,
        strategy=strategy,
        backend=backend,
        evaluate=evaluate,
        eval_samples=eval_n,
        images=images,
        curve=curve,
        curve_from=curve_from,
        track_fid=track_fid,
        ema=options.resolve_ema(ema, no_ema),
    )
    config = shared.run_config(
        model,
        seed=seed,
        out=out_dir,
        overrides=sets,
        resume=resume,
        image_shape=image_shape,
        val_fraction=val_fraction,
    )
    try:
        summary = run_one(config, console=console)
    except KeyboardInterrupt:
        target = config.out or "<run dir>"
        console.print(
            f"interrupted: finished epochs are checkpointed; continue with "
            f"'genlab run {model} --out {target} --resume' (same options)"
        )
        raise typer.Exit(130) from None
    if not summary.get("chief", True):
        return
    last = summary["history"][-1] if summary["history"] else {}
    console.print(
        f"[green]done[/]: {summary['model']} {summary['epochs']} epochs in "
        f"{summary['train_seconds']:.1f}s ({last.get('images_per_s', 0):.0f} img/s) -> "
        f"{summary['run_dir']}"
    )
    if summary.get("metrics"):
        from genlab.report.console import metrics_table

        stdout.print(metrics_table({summary["model"]: summary["metrics"]}))


def register(app: typer.Typer) -> None:
    app.command("run")(run_cmd)
