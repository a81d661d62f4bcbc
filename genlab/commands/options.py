"""Option definitions shared by the commands that train (``run``, ``compare``, and any command
that trains runs the same way): one spelling, one meaning, one check (:meth:`RunConfig.validate`).

Each function returns a fresh :func:`typer.Option` to use as a parameter default; ``help`` can be
reworded where a command gives the option a slightly different role::

    def my_cmd(dataset: str = options.dataset(), epochs: int = options.epochs("Epochs per run.")):
        ...
"""

from __future__ import annotations

import typer

from genlab.config import CURVE_FROM, DEFAULT_CURVE_N


def dataset(help: str = "Dataset name or a folder of PNG/JPEG images."):
    return typer.Option("fashion", "--dataset", "-d", help=help)


def epochs(help: str = "Epochs (default: the model's)."):
    return typer.Option(None, "--epochs", "-e", help=help)


def batch_size(help: str = "Batch size."):
    return typer.Option(None, "--batch-size", "-b", help=help)


def limit(help: str = "Train on the first N training images."):
    return typer.Option(None, "--limit", help=help)


def out(help: str = "Run directory."):
    return typer.Option(None, "--out", "-o", help=help)


def device(help: str = "auto, cpu or gpu."):
    return typer.Option("auto", "--device", help=help)


def strategy(help: str = "tf.distribute strategy: default, mirrored, multiworker."):
    return typer.Option("default", "--strategy", help=help)


def backend(
    help: str = "Keras backend: tensorflow (default), jax or torch; or set GENLAB_BACKEND.",
):
    return typer.Option(None, "--backend", help=help)


def data_dir(help: str = "Folder holding the dataset files."):
    return typer.Option(None, "--data-dir", help=help)


def evaluate(help: str = "Evaluate after training."):
    return typer.Option(True, "--eval/--no-eval", help=help)


def eval_n(help: str = "Samples for the evaluation."):
    return typer.Option(10_000, "--eval-n", help=help)


def budget_minutes(help: str = "Stop after this much training time."):
    return typer.Option(None, "--budget-minutes", help=help)


def images(help: str = "Stop once this many training images have been seen (any epoch count)."):
    return typer.Option(None, "--images", help=help)


def curve(
    help: str = (
        "Quality curve: score N samples (FID, KID, precision, recall) at 4,096 images seen, "
        "every doubling after, and the end; at most --eval-n; 0 turns it off."
    ),
):
    return typer.Option(DEFAULT_CURVE_N, "--curve", help=help)


def curve_from(help: str = "Images seen at the first curve point (the next ones double it)."):
    return typer.Option(CURVE_FROM, "--curve-from", help=help)


def track_fid(
    help: str = "FID of N samples after every epoch (quality over time; not training time).",
):
    return typer.Option(0, "--track-fid", help=help)


def val_fraction(
    help: str = (
        "Hold out this fraction of the training images (seeded) for validation losses; "
        "0 disables. Default: 0.1 for models that reconstruct, 0 for the others."
    ),
):
    return typer.Option(None, "--val-fraction", help=help)


def ema(
    help: str = (
        "Sample from an exponential moving average of the generator's weights with this decay "
        "(e.g. 0.999; warmed up). Default: the model family's (none for the built-ins)."
    ),
):
    return typer.Option(None, "--ema", help=help)


def no_ema():
    return typer.Option(False, "--no-ema", help="No weight average (same as --ema 0).")


def resolve_ema(ema_decay, off: bool):
    """``--ema``/``--no-ema`` as one value: None (the default), 0 (off) or the decay."""
    from genlab.errors import UsageError

    if off and ema_decay:
        raise UsageError("--ema and --no-ema contradict each other; give one")
    return 0.0 if off else ema_decay


def as_json(help: str = "Print JSON on stdout."):
    return typer.Option(False, "--json", help=help)


__all__ = [
    "as_json",
    "batch_size",
    "budget_minutes",
    "curve",
    "curve_from",
    "data_dir",
    "dataset",
    "device",
    "ema",
    "epochs",
    "eval_n",
    "evaluate",
    "images",
    "limit",
    "no_ema",
    "out",
    "resolve_ema",
    "strategy",
    "track_fid",
    "val_fraction",
]
