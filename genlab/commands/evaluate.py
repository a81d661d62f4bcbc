"""``genlab evaluate RUN_DIR`` and the ``genlab evaluator`` group (train, list).

With ``--json`` only the JSON document goes to stdout; progress, notes and warnings go to stderr.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import typer

from genlab.commands import options
from genlab.errors import UsageError
from genlab.report.console import console, print_json, results_table, rows_table, stdout


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_cmd)
    group = typer.Typer(
        help="The domain evaluator whose feature space the sample metrics use.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )
    group.command("train")(train_cmd)
    group.command("list")(list_cmd)
    app.add_typer(group, name="evaluator")


def evaluate_cmd(
    run_dir: Path = typer.Argument(
        ...,
        metavar="PATH",
        help="A finished run directory, a .npy/.npz array of images, or a folder of PNG/JPEG.",
    ),
    n: int = typer.Option(10_000, "--n", "-n", help="Samples for the sample metrics."),
    as_json: bool = options.as_json("Print only JSON on stdout."),
    data_dir: Path = options.data_dir(),
    seed: int = typer.Option(None, "--seed", help="Seed of the sample draws (default: run's)."),
    reference: bool = typer.Option(
        True, "--reference/--no-reference", help="Compute the real-data floors (cached)."
    ),
    inception: bool = typer.Option(
        False, "--inception", help="Also FID in Inception-v3 space (needs local weights)."
    ),
    iw_k: int = typer.Option(50, "--iw-k", help="Importance samples per image (likelihood)."),
    iw_images: int = typer.Option(
        None, "--iw-images", help="Test images for the IW estimate (default 1,000, at most --n)."
    ),
    dataset: str = typer.Option(
        None, "--dataset", "-d", help="Reference dataset of samples (default fashion)."
    ),
):
    """Compute every applicable metric of a run or of samples made elsewhere; print a table.

    A run directory gets metrics.json written into it. An array (N,H,W[,C]) in [0, 1], [-1, 1]
    or uint8, or a folder of PNG/JPEG images, is scored against --dataset's test split with the
    same sample metrics and floors; how its values were read is printed on stderr.
    """
    for flag, value, low in (("--n", n, 2), ("--iw-k", iw_k, 1), ("--iw-images", iw_images, 1)):
        if value is not None and value < low:
            raise UsageError(f"{flag} must be at least {low}, got {value}")
    from genlab.evaluation.external import is_samples_path

    if is_samples_path(run_dir):
        if inception:
            raise UsageError("--inception is available for run directories only")
        _evaluate_samples(run_dir, dataset or "fashion", n, seed, reference, data_dir, as_json)
        return
    if dataset is not None:
        raise UsageError(
            "--dataset applies to sample arrays and image folders; a run is evaluated on the "
            "dataset it was trained on"
        )
    if inception:
        from genlab.evaluation.inception import check_weights

        check_weights()
    from genlab.data.loading import reload_run_data
    from genlab.evaluation.suite import evaluate_run
    from genlab.run import load_run_model

    run, spec, model = load_run_model(run_dir)
    data, full = reload_run_data(run.config, str(data_dir) if data_dir else None)
    kwargs = {} if seed is None else {"seed": seed}
    result = evaluate_run(
        run,
        model=model,
        spec=spec,
        data=data,
        n=n,
        console=console,
        reference_splits=full,
        inception=inception,
        options={"iw_k": iw_k, "iw_images": iw_images},
        **kwargs,
    )
    if as_json:
        print_json(result)
        return
    stdout.print(results_table(result, spec.name, title=f"Metrics of {run.path}"))
    console.print(f"wrote {run / 'metrics.json'}", highlight=False)


def _evaluate_samples(path, dataset, n, seed, reference, data_dir, as_json) -> None:
    """``genlab evaluate`` of an array file or an image folder (nothing is written)."""
    from genlab.data.loading import load
    from genlab.evaluation.external import evaluate_samples, load_samples

    samples = load_samples(path)
    console.print(f"samples: {samples.describe()}", highlight=False)
    with contextlib.redirect_stdout(sys.stderr):  # the loader prints skipped files
        data = load(dataset, str(data_dir) if data_dir else None)
    with console.status("evaluating") as status:
        result = evaluate_samples(
            samples,
            data,
            n=n,
            seed=seed or 0,
            reference=reference,
            progress=lambda text: status.update(f"evaluating: {text}"),
        )
    for name, error in result.get("errors", {}).items():
        console.print(f"[yellow]warning:[/] metric {name} failed: {error}", highlight=False)
    if as_json:
        print_json(result)
        return
    title = f"Metrics of {path} against {data.name}"
    stdout.print(results_table(result, Path(path).name, title=title))


def train_cmd(
    dataset: str = typer.Option(
        ..., "--dataset", "-d", help="Dataset name or a folder of PNG/JPEG images."
    ),
    epochs: int = typer.Option(15, "--epochs", "-e", help="Training epochs."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    data_dir: Path = options.data_dir(),
    image_shape: str = typer.Option(
        None, "--image-shape", help="HxWxC for image folders (default 28x28x1); as for 'run'."
    ),
    force: bool = typer.Option(False, "--force", help="Retrain even if one is cached."),
):
    """Train the evaluator of a dataset and cache it; 'genlab evaluate' then uses it.

    Labeled data (registered datasets, folders with one subfolder per class) gives a classifier;
    an unlabeled folder gives an autoencoder, whose code is the feature space, and the
    classifier metrics (classifier_score, classes_covered, kl_to_real) are n/a.
    """
    if epochs < 1:
        raise UsageError(f"--epochs must be a positive integer, got {epochs}")
    from genlab.data.loading import load, parse_image_shape
    from genlab.evaluation.evaluator import (
        cached_evaluator_dir,
        load_evaluator,
        save_evaluator,
        shipped_evaluators,
        train_evaluator,
    )

    shape = parse_image_shape(image_shape)
    with contextlib.redirect_stdout(sys.stderr):
        data = load(dataset, str(data_dir) if data_dir else None, image_shape=shape)
    target = cached_evaluator_dir(data.name, data.splits)
    record = target / "evaluator.json"
    if record.exists() and not force:
        info = load_evaluator(record).info
        console.print(f"{info.id} is already trained for {data.name} ({target}); --force retrains")
        return
    if data.name in shipped_evaluators():
        console.print(
            f"note: genlab ships an evaluator for {data.name} and 'genlab evaluate' keeps using "
            "it, so results stay comparable between machines; this one is only written to the "
            "cache"
        )
    if not data.splits.labeled or data.splits.num_classes < 2:
        console.print(
            "note: no class labels, so this trains an autoencoder evaluator; classifier_score, "
            "classes_covered and kl_to_real will be n/a"
        )
    console.print(f"training the evaluator of {data.name} for {epochs} epochs")
    weights, info = train_evaluator(
        data.splits, data.name, epochs=epochs, seed=seed, log=lambda s: console.print(s)
    )
    info = save_evaluator(target, "evaluator", weights, info)
    quality = (
        f"test accuracy {info.test_accuracy:.4f}"
        if info.test_accuracy is not None
        else f"test MSE {info.test_mse}"
    )
    console.print(f"[green]trained[/] {info.id}: {quality} -> {target}", highlight=False)


def list_cmd(as_json: bool = options.as_json()):
    """Show the shipped and locally trained evaluators."""
    from genlab.evaluation.cache import cache_root
    from genlab.evaluation.evaluator import EvaluatorInfo, shipped_evaluators

    records = [("shipped", p) for p in shipped_evaluators().values()]
    records += [("cache", p) for p in sorted(cache_root().glob("evaluators/*/evaluator.json"))]
    rows = []
    for where, path in records:
        info = EvaluatorInfo.from_json(path.read_text())
        rows.append(
            {
                "id": info.id,
                "dataset": info.dataset,
                "kind": info.kind,
                "test_accuracy": info.test_accuracy,
                "test_mse": info.test_mse,
                "where": where,
                "path": str(path.with_suffix(".npz")),
            }
        )
    if as_json:
        print_json(rows)
        return
    columns = ("id", "dataset", "kind", "test_accuracy", "where")
    stdout.print(rows_table("Evaluators", rows, columns))
