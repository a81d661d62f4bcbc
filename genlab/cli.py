"""The ``genlab`` command line: parses, calls the library, prints.

Errors a user can fix are printed as one ``error:`` line with a non-zero exit code; a traceback
only with ``--debug`` (or ``GENLAB_DEBUG=1``). Heavy imports happen inside the commands, so
``genlab --help``, ``genlab list`` and ``genlab plugins`` stay fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from genlab import __version__
from genlab.errors import GenlabError, UsageError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    help="Train and compare generative image models (autoencoders, VAEs, GANs).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console(stderr=True, soft_wrap=True)
out = Console()


def _version(value: bool):
    if value:
        print(f"genlab {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
):
    """genlab: one engine, one metric suite, many generative models."""


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


# -- list -----------------------------------------------------------------------------------
@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout.")):
    """Show the registered models, datasets and metrics."""
    import dataclasses

    from genlab.registry import get_registries

    regs = get_registries()
    models = [
        {
            "name": s.name,
            "family": s.family,
            "description": s.description,
            "capabilities": sorted(s.capabilities),
            "aliases": list(s.aliases),
            "plugin": s.plugin,
            "output_range": list(s.output_range),
            "default_epochs": s.default_epochs,
            "default_batch_size": s.default_batch_size,
            "hparams": dataclasses.asdict(s.config()),
        }
        for s in regs.models
    ]
    datasets = [
        {
            "name": s.name,
            "description": s.description,
            "aliases": list(s.aliases),
            "image_shape": list(s.image_shape),
            "plugin": s.plugin,
        }
        for s in regs.datasets
    ]
    metrics = [
        {
            "name": s.name,
            "description": s.description,
            "requires": sorted(s.requires),
            "higher_is_better": s.higher_is_better,
            "plugin": s.plugin,
        }
        for s in regs.metrics
    ]
    if as_json:
        _print_json(
            {"models": models, "datasets": datasets, "metrics": metrics, "errors": regs.errors}
        )
        return
    for title, rows, cols in (
        ("Models", models, ("name", "family", "capabilities", "description")),
        ("Datasets", datasets, ("name", "description")),
        ("Metrics", metrics, ("name", "requires", "description")),
    ):
        table = Table(title=title, title_justify="left")
        for col in cols:
            table.add_column(col)
        for row in rows:
            table.add_row(
                *[", ".join(v) if isinstance(v, list) else str(v) for v in (row[c] for c in cols)]
            )
        out.print(table)
    for error in regs.errors:
        console.print(f"[yellow]warning:[/] {error}", soft_wrap=True)


# -- plugins --------------------------------------------------------------------------------
def _short_list(items: list[str], keep: int = 3) -> str:
    more = f" +{len(items) - keep} more" if len(items) > keep else ""
    return ", ".join(items[:keep]) + more


@app.command("plugins")
def plugins_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout.")):
    """Show every plugin: distribution, version, hooks, what it registered, load errors."""
    import dataclasses

    from genlab.plugins import get_plugin_manager
    from genlab.registry import get_registries

    get_registries()  # fills in what each plugin registered
    infos = [dataclasses.asdict(i) for i in get_plugin_manager().infos.values()]
    if as_json:
        _print_json(infos)
        return
    table = Table(title="Plugins", title_justify="left")
    for col in ("name", "distribution", "version", "hooks: what they registered"):
        table.add_column(col, no_wrap=col in ("name", "distribution", "version"))
    for i in infos:
        hooks = []
        for hook in i["hooks"]:
            kind = hook.removeprefix("register_")
            names = i["registered"].get(kind)
            hooks.append(f"{kind}: {_short_list(names)}" if names else kind)
        name = i["name"] + (" (failed)" if i["error"] else "")
        table.add_row(name, i["distribution"], i["version"], "; ".join(hooks))
    out.print(table)
    for i in infos:
        if i["error"]:
            console.print(f"[red]error:[/] plugin {i['name']!r}: {i['error']}", soft_wrap=True)


# -- run ------------------------------------------------------------------------------------
@app.command("run")
def run_cmd(
    model: str = typer.Argument(..., help="Model name (see 'genlab list')."),
    dataset: str = typer.Option(
        "fashion", "--dataset", "-d", help="Dataset name or a folder of PNG/JPEG images."
    ),
    epochs: int = typer.Option(None, "--epochs", "-e", help="Epochs (default: the model's)."),
    batch_size: int = typer.Option(None, "--batch-size", "-b", help="Batch size."),
    lr: float = typer.Option(None, "--lr", help="Learning rate (same as --set lr=X)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: same seed, same run."),
    limit: int = typer.Option(None, "--limit", help="Train on the first N training images."),
    out_dir: Path = typer.Option(None, "--out", "-o", help="Run directory."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or gpu."),
    strategy: str = typer.Option(
        "default", "--strategy", help="tf.distribute strategy: default, mirrored, multiworker."
    ),
    overrides: list[str] = typer.Option(None, "--set", help="Model hyperparameter key=value."),
    data_dir: Path = typer.Option(None, "--data-dir", help="Folder holding the dataset files."),
    image_shape: str = typer.Option(
        None, "--image-shape", help="HxWxC for image folders (default 28x28x1)."
    ),
    evaluate: bool = typer.Option(True, "--eval/--no-eval", help="Evaluate after training."),
    eval_n: int = typer.Option(10_000, "--eval-n", help="Samples for the evaluation."),
    budget_minutes: float = typer.Option(
        None, "--budget-minutes", help="Stop after this much training time."
    ),
    track_fid: int = typer.Option(
        0,
        "--track-fid",
        help="FID of N samples after every epoch (quality over time; not training time).",
    ),
):
    """Train MODEL on a dataset; leave samples, checkpoints, history and metrics in --out."""
    from genlab.config import parse_assignments
    from genlab.pipeline import run_one
    from genlab.specs import RunConfig

    sets = parse_assignments(overrides)
    if lr is not None:
        sets["lr"] = lr
    if image_shape:
        from genlab.data.loading import parse_image_shape

        parse_image_shape(image_shape)
    config = RunConfig(
        model=model,
        dataset=dataset,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        limit=limit,
        out=str(out_dir) if out_dir else None,
        data_dir=str(data_dir) if data_dir else None,
        device=device,
        strategy=strategy,
        overrides=sets,
        resume=resume,
        evaluate=evaluate,
        eval_samples=eval_n,
        budget_minutes=budget_minutes,
        image_shape=image_shape,
        track_fid=track_fid,
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
        from genlab.report.tables import metrics_table

        out.print(metrics_table({summary["model"]: summary["metrics"]}))


# -- sample ---------------------------------------------------------------------------------
@app.command("sample")
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
    from genlab.pipeline import load_run_model
    from genlab.report.images import save_grid
    from genlab.runs import save_npy

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


def _add_command_modules() -> None:
    import importlib

    from genlab.commands import COMMAND_MODULES

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)


_add_command_modules()


def _silence_native_logs() -> None:
    """Send TensorFlow's C++ start-up chatter (written straight to fd 2) to /dev/null.

    Python's ``sys.stderr`` is moved to a duplicate of the real stderr first, so genlab's own
    messages, warnings and tracebacks still reach the terminal. ``--debug`` keeps everything.
    """
    try:
        sys.stderr.flush()
        real = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(real, "w", buffering=1, encoding="utf-8", errors="replace")
        console.file = sys.stderr
    except OSError:
        pass


def main() -> None:
    """Console-script entry point: one-line errors, proper exit codes."""
    debug = "--debug" in sys.argv or os.environ.get("GENLAB_DEBUG", "") not in ("", "0")
    if not debug:
        _silence_native_logs()
    try:
        from genlab.plugins import get_plugin_manager

        for error in get_plugin_manager().call_hook("register_commands", app=app):
            console.print(f"[yellow]warning:[/] {error}", soft_wrap=True)
        typer.main.get_command(app).main(prog_name="genlab", standalone_mode=True)
    except GenlabError as exc:
        if debug:
            raise
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        console.print(
            f"[red]error:[/] unexpected {type(exc).__name__}: {exc} (rerun with --debug for "
            "the traceback, and please report it)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
