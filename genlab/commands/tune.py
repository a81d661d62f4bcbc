"""``genlab tune MODEL --trials K``: hyperparameter search for one model, resumable.

Also defines the options that choose how many runs train at once and where (``--jobs``,
``--executor``, ``--address``, and on a Ray cluster ``--storage`` and each run's size) and the
search sampler, shared with ``genlab compare``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import shlex
import sys
from pathlib import Path

import typer

from genlab.commands import options
from genlab.report.console import console, error, print_json, stdout


# -- options shared with compare ----------------------------------------------------------------
def jobs_option():
    return typer.Option(
        1, "--jobs", "-j", help="Runs at a time: local worker processes, or Ray tasks."
    )


def executor_option():
    return typer.Option(
        "local", "--executor", help="local (this machine) or ray (a Ray cluster, genlab[ray])."
    )


def address_option():
    return typer.Option(
        None, "--address", help="Ray cluster to join, HOST:PORT (default: start one here)."
    )


def storage_option():
    return typer.Option(
        None,
        "--storage",
        help="Ray: where nodes deliver runs and checkpoints, a path every node mounts or a URI "
        "(s3://, gs://; needs pyarrow or fsspec). Default: back to this machine through Ray.",
    )


def cpus_per_run_option():
    return typer.Option(
        None,
        "--cpus-per-run",
        help="Ray: CPUs (= TensorFlow threads) per run (default: this machine's thread count, "
        "at most the largest node's CPUs).",
    )


def memory_per_run_option():
    return typer.Option(
        None,
        "--memory-per-run",
        help="Ray: memory per run in GiB (default: the node's memory per CPU x CPUs per run).",
    )


def gpus_per_run_option():
    return typer.Option(
        None, "--gpus-per-run", help="Ray: GPUs per run, may be a fraction (default: 1 on GPUs)."
    )


def cluster_options(storage=None, cpus_per_run=None, memory_per_run=None, gpus_per_run=None):
    """The Ray-only options as given (None: not given)."""
    given = {
        "storage": storage,
        "cpus_per_run": cpus_per_run,
        "memory_per_run": memory_per_run,
        "gpus_per_run": gpus_per_run,
    }
    return {k: v for k, v in given.items() if v is not None}


def cluster_args(cluster: dict) -> list[str]:
    """The Ray-only options of :func:`cluster_options`, as command-line arguments."""
    return [a for k, v in cluster.items() for a in (f"--{k.replace('_', '-')}", str(v))]


def sampler_option():
    return typer.Option(
        "random", "--sampler", help="random (Lucic et al. 2018) or tpe (Optuna's TPE)."
    )


def pruner_option():
    return typer.Option(
        "none",
        "--pruner",
        help="Stop weak trials early on their quality curve: none, asha (successive halving) or "
        "hyperband. Runs trials in this process.",
    )


def total_images_option():
    return typer.Option(
        None,
        "--total-images",
        help="Search budget: stop starting trials once all trials together have seen this many "
        "training images (with a pruner, more trials fit in it).",
    )


def make_executor(
    executor: str, jobs: int, address: str | None, device: str, cluster=None, root=None
):
    """The executor of ``--executor``/``--jobs``/``--address`` and the Ray-only options
    (``cluster``, from :func:`cluster_options`; ``root``: the command's ``--out``); runs made
    in this process show their progress bar on the console."""
    from genlab.execution.choose import make_executor as make

    runner = make(executor, jobs, address, device, console=console, root=root, **(cluster or {}))
    if hasattr(runner, "describe"):
        console.print(runner.describe(), highlight=False, soft_wrap=True)
    return runner


def search_options(
    plan,
    trials: int,
    sampler: str,
    pruner="none",
    total_images=None,
    jobs=1,
    executor="local",
    images=None,
):
    """The search of ``--search``/``tune``: the plan's run options, ``trials`` each, checked;
    ``images`` gives each trial that many training images instead of the plan's budget."""
    import dataclasses

    from genlab.config import RunOptions
    from genlab.dependencies import require
    from genlab.errors import UsageError
    from genlab.search.study import SearchOptions

    require("optuna")  # before anything trains
    shared = {f.name: getattr(plan, f.name) for f in dataclasses.fields(RunOptions)}
    if images is not None:
        if images < 1:
            raise UsageError(f"--search-images must be positive, got {images}")
        shared.update(images=images, budget_minutes=None)
    options = SearchOptions(
        **shared, trials=trials, sampler=sampler, pruner=pruner, total_images=total_images
    )
    options.check()
    if pruner != "none" and (jobs > 1 or executor != "local"):
        raise UsageError(
            "--pruner decides in this process, so it runs one trial at a time here; "
            "drop --jobs/--executor, or use --pruner none"
        )
    return options


# -- tune -------------------------------------------------------------------------------------
def tune_cmd(
    model: str = typer.Argument(..., help="Model name (see 'genlab list')."),
    trials: int = typer.Option(20, "--trials", help="Trials; the first is the model's defaults."),
    dataset: str = options.dataset(),
    epochs: int = options.epochs("Epochs per trial (default 5; a cap with --budget-minutes)."),
    budget_minutes: float = options.budget_minutes("Wall-clock training minutes per trial."),
    seeds: int = typer.Option(
        0,
        "--seeds",
        help="Then train the best configuration with seeds 0..N-1, evaluated on the test split.",
    ),
    limit: int = options.limit("Train on the first N training images (never validation ones)."),
    batch_size: int = options.batch_size(),
    out_dir: Path = options.out("Search directory (default tuning/<model>-<data>-<time>)."),
    eval_n: int = options.eval_n("Samples per validation FID (and per final evaluation)."),
    data_dir: Path = options.data_dir(),
    device: str = options.device(),
    backend: str = options.backend(),
    sampler: str = sampler_option(),
    pruner: str = pruner_option(),
    total_images: int = total_images_option(),
    images: int = options.images("Training images per trial (any epochs)."),
    curve: int = options.curve(),
    curve_from: int = options.curve_from(),
    jobs: int = jobs_option(),
    executor: str = executor_option(),
    address: str = address_option(),
    storage: str = storage_option(),
    cpus_per_run: int = cpus_per_run_option(),
    memory_per_run: float = memory_per_run_option(),
    gpus_per_run: float = gpus_per_run_option(),
    ema: float = options.ema(),
    no_ema: bool = options.no_ema(),
    as_json: bool = options.as_json("Print every trial and the best config as JSON on stdout."),
):
    """Search MODEL's hyperparameters: K trials scored by validation FID; rerun to continue."""
    import genlab.backends as backends
    from genlab.comparison.plan import make_plan
    from genlab.errors import UsageError

    plan = make_plan(
        [model],
        seeds=max(seeds, 1),
        out=out_dir or Path("."),
        dataset=dataset,
        epochs=epochs,
        budget_minutes=budget_minutes,
        images=images,
        curve=curve,
        curve_from=curve_from,
        limit=limit,
        batch_size=batch_size,
        eval_samples=eval_n,
        data_dir=str(data_dir) if data_dir else None,
        device=device,
        backend=backends.select(backend),
        ema=options.resolve_ema(ema, no_ema),
    )
    name = plan.models[0]
    if out_dir is None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        plan.out = Path("tuning") / f"{name}-{Path(plan.dataset).name}-{stamp}"
    if seeds < 0:
        raise UsageError(f"--seeds must be 0 (search only) or more, got {seeds}")
    plan.seeds = list(range(seeds))
    options_ = search_options(plan, trials, sampler, pruner, total_images, jobs, executor)
    cluster = cluster_options(storage, cpus_per_run, memory_per_run, gpus_per_run)
    plan.command = _command_line(name, plan, options_, jobs, executor, address)
    plan.command = shlex.join([*shlex.split(plan.command), *cluster_args(cluster)])
    runner = make_executor(executor, jobs, address, device, cluster, root=plan.out)
    console.print(
        f"tuning {name} on {plan.dataset}: {trials} trials, {options_.budget_text()} -> {plan.out}",
        highlight=False,
    )
    quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    try:
        with quiet:
            result = _tune(name, plan, options_, runner)
    except KeyboardInterrupt:
        console.print(
            f"interrupted: finished trials are kept; continue with '{plan.command}' (the "
            "interrupted trial resumes from its last checkpoint)",
            highlight=False,
        )
        raise typer.Exit(130) from None
    search = result["search"]
    if as_json:
        print_json(result)
    else:
        stdout.print(trials_table(search))
    best = search["best"]
    if best is None:
        error("no trial finished; see the errors above")
        raise typer.Exit(1)
    console.print(
        f"best: trial {best['trial']}, validation FID {best['fid']:.2f} "
        f"({_params_text(best['params'])}); search: {plan.out / 'search.json'}",
        highlight=False,
    )


def _tune(name, plan, options, runner) -> dict:
    """The search (in ``plan.out``), then the best configuration on ``plan.seeds``."""
    from genlab.comparison.report import write_reports
    from genlab.comparison.tuned import search_then_retrain
    from genlab.run_dir import atomic_write_json

    result = {}

    def searched(summary) -> None:
        data = summary.to_json()
        result.update(search=data["models"][name], options=data["options"])
        atomic_write_json(plan.out / "search.json", result)

    _, comparison = search_then_retrain(
        plan, options, runner, {name: plan.out}, console, searched, retrain_defaults=False
    )
    if comparison is not None:
        reports = write_reports(comparison)
        result["final"] = {
            "aggregate": comparison.to_json()["aggregate"][name],
            "runs": [r.run_dir for r in comparison.results],
            "report": {k: str(v) for k, v in reports.items()},
        }
    return result


def trials_table(search: dict):
    from rich.table import Table

    table = Table(title=f"{search['model']}: {len(search['trials'])} trials", title_justify="left")
    for column in ("trial", "state", "validation FID", "train s", "hyperparameters"):
        table.add_column(column, justify="left" if column == "hyperparameters" else "right")
    best = (search.get("best") or {}).get("trial")
    for t in search["trials"]:
        fid = "" if t["fid"] is None else f"{t['fid']:.2f}"
        fid = f"[bold green]{fid}[/]" if t["number"] == best else fid
        colour = {"complete": "", "pruned": "yellow"}.get(t["state"], "red")
        state = f"[{colour}]{t['state']}[/]" if colour else t["state"]
        seconds = "" if t["train_seconds"] is None else f"{t['train_seconds']:.0f}"
        table.add_row(str(t["number"]), state, fid, seconds, _params_text(t["params"]))
    return table


def _params_text(params: dict) -> str:
    if not params:
        return "defaults"
    return ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )


def _command_line(name, plan, search, jobs, executor, address) -> str:
    args = ["genlab", "tune", name, "--trials", str(search.trials), "--dataset", plan.dataset]
    for flag, value in (
        ("--epochs", search.epochs),
        ("--budget-minutes", search.budget_minutes),
        ("--images", search.images),
        ("--total-images", search.total_images),
        ("--limit", search.limit),
        ("--batch-size", search.batch_size),
        ("--data-dir", search.data_dir),
        ("--seeds", len(plan.seeds) or None),
        ("--jobs", jobs if jobs > 1 else None),
        ("--address", address),
        ("--ema", search.ema),
    ):
        if value is not None:
            args += [flag, str(value)]
    args += ["--eval-n", str(search.eval_samples)]
    if search.sampler != "random":
        args += ["--sampler", search.sampler]
    if search.pruner != "none":
        args += ["--pruner", search.pruner]
    if executor != "local":
        args += ["--executor", executor]
    return shlex.join([*args, "--out", str(plan.out)])


def register(app: typer.Typer) -> None:
    app.command("tune")(tune_cmd)
