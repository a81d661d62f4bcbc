"""``genlab compare``: train several models on the same data, budget and seeds; one report."""

from __future__ import annotations

import contextlib
import shlex
import sys
from pathlib import Path

import typer

from genlab.commands import options, tune
from genlab.config import CURVE_FROM, DEFAULT_CURVE_N
from genlab.report.console import comparison_table, console, error, print_json, stdout


def command_line(plan, all_models: bool) -> str:
    """The command that repeats (or, after an interruption, continues) this comparison."""
    args = ["genlab", "compare", *(["--all"] if all_models else plan.models)]
    args += ["--dataset", plan.dataset, "--seeds", str(len(plan.seeds))]
    for flag, value in (
        ("--epochs", plan.epochs),
        ("--budget-minutes", plan.budget_minutes),
        ("--images", plan.images),
        ("--limit", plan.limit),
        ("--batch-size", plan.batch_size),
        ("--data-dir", plan.data_dir),
        ("--track-fid", plan.track_fid or None),
        ("--curve", plan.curve if plan.curve != DEFAULT_CURVE_N else None),
        ("--curve-from", plan.curve_from if plan.curve_from != CURVE_FROM else None),
        ("--ema", plan.ema),
    ):
        if value is not None:
            args += [flag, str(value)]
    args += ["--eval-n", str(plan.eval_samples)] if plan.evaluate else ["--no-eval"]
    if plan.device != "auto":
        args += ["--device", plan.device]
    if plan.strategy != "default":
        args += ["--strategy", plan.strategy]
    if plan.backend and plan.backend != "tensorflow":
        args += ["--backend", plan.backend]
    for name, path in plan.samples.items():
        args += ["--samples", f"{name}={path}"]
    return shlex.join([*args, "--out", str(plan.out)])


def compare_cmd(
    models: list[str] = typer.Argument(None, help="Model names (see 'genlab list')."),
    all_models: bool = typer.Option(False, "--all", help="Compare every registered model."),
    dataset: str = options.dataset(),
    epochs: int = options.epochs("Epochs per run (default 5; a cap with --budget-minutes)."),
    budget_minutes: float = options.budget_minutes(
        "Wall-clock training minutes per run, the same for all."
    ),
    images: int = options.images("Training images per run, the same for all (any epochs)."),
    curve: int = options.curve(),
    curve_from: int = options.curve_from(),
    seeds: int = typer.Option(3, "--seeds", help="Seeds per model (0..K-1), the same for all."),
    limit: int = options.limit(),
    batch_size: int = options.batch_size("Batch size for every model (default: each model's)."),
    out_dir: Path = options.out(
        "Comparison directory (default comparisons/<models>-<data>-<time>)."
    ),
    reuse: bool = typer.Option(
        True,
        "--reuse/--no-reuse",
        help="Reuse matching finished runs in --out; --no-reuse retrains them.",
    ),
    evaluate: bool = options.evaluate("Evaluate every run."),
    eval_n: int = options.eval_n("Samples per evaluation."),
    data_dir: Path = options.data_dir(),
    device: str = options.device(),
    strategy: str = options.strategy(),
    backend: str = options.backend(),
    as_json: bool = options.as_json(
        "Print the whole comparison as JSON on stdout (progress on stderr)."
    ),
    track_fid: int = options.track_fid(
        "FID of N samples after every epoch of every run: quality-over-time curves."
    ),
    ema: float = options.ema(),
    no_ema: bool = options.no_ema(),
    search: int = typer.Option(
        0, "--search", help="First give every model K tuning trials; compare the best configs."
    ),
    search_images: int = typer.Option(
        None,
        "--search-images",
        help="Training images per search trial (default: the comparison's budget); a smaller "
        "search budget makes --search cheaper, the best configs still train the full budget.",
    ),
    sampler: str = tune.sampler_option(),
    pruner: str = tune.pruner_option(),
    jobs: int = tune.jobs_option(),
    executor: str = tune.executor_option(),
    address: str = tune.address_option(),
    storage: str = tune.storage_option(),
    cpus_per_run: int = tune.cpus_per_run_option(),
    memory_per_run: float = tune.memory_per_run_option(),
    gpus_per_run: float = tune.gpus_per_run_option(),
    samples: list[str] = typer.Option(
        None,
        "--samples",
        help="NAME=PATH: score a .npy/.npz array or image folder made elsewhere beside the "
        "models (repeatable).",
    ),
):
    """Train MODELs on the same data, budget and seeds; print mean ± std; write report.html."""
    import genlab.backends as backends
    from genlab.comparison.compare import comparison_json, run_comparison
    from genlab.comparison.plan import make_plan
    from genlab.comparison.report import write_reports
    from genlab.comparison.samples import parse_sample_sets, with_sample_sets
    from genlab.comparison.tuned import search_then_retrain
    from genlab.errors import UsageError
    from genlab.report.markdown import FLOORS_NOTE, unmeasured_note

    plan = make_plan(
        models or [],
        all_models=all_models,
        seeds=seeds,
        out=out_dir,
        dataset=dataset,
        epochs=epochs,
        budget_minutes=budget_minutes,
        images=images,
        curve=curve,
        curve_from=curve_from,
        limit=limit,
        batch_size=batch_size,
        evaluate=evaluate,
        eval_samples=eval_n,
        data_dir=str(data_dir) if data_dir else None,
        device=device,
        strategy=strategy,
        backend=backends.select(backend),
        reuse=reuse,
        track_fid=track_fid,
        ema=options.resolve_ema(ema, no_ema),
    )
    plan.samples = parse_sample_sets(samples, plan.models)
    plan.command = command_line(plan, all_models)
    cluster = tune.cluster_options(storage, cpus_per_run, memory_per_run, gpus_per_run)
    extra = search_args(search, sampler, jobs, executor, address, pruner, search_images)
    extra += tune.cluster_args(cluster)
    if extra:
        plan.command = shlex.join([*shlex.split(plan.command), *extra])
    search_options = None
    if search_images is not None and not search:
        raise UsageError("--search-images sets the budget of --search trials; add --search K")
    if search:
        search_options = tune.search_options(
            plan, search, sampler, pruner, None, jobs, executor, images=search_images
        )
    runner = tune.make_executor(executor, jobs, address, device, cluster, root=plan.out)
    total = len(plan.models) * len(plan.seeds)
    console.print(
        f"comparing {', '.join(plan.models)} on {plan.dataset}: {plan.budget_text()}, "
        f"seeds {', '.join(map(str, plan.seeds))} ({total} runs) -> {plan.out}",
        highlight=False,
    )
    # Only the JSON may reach stdout with --json; anything a library prints goes to stderr.
    quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    try:
        with quiet:
            if search_options is not None:
                dirs = {m: plan.out / "search" / m for m in plan.models}
                _, comparison = search_then_retrain(plan, search_options, runner, dirs, console)
            else:
                comparison = run_comparison(plan, runner, console)
            comparison = with_sample_sets(comparison, console)
            reports = write_reports(comparison)
    except KeyboardInterrupt:
        console.print(
            f"interrupted: finished runs are kept; continue with '{plan.command}' "
            "(finished runs are reused, the interrupted one resumes)",
            highlight=False,
        )
        raise typer.Exit(130) from None
    if as_json:
        report = {k: str(v) for k, v in reports.items()}
        print_json({**comparison_json(comparison), "report": report})
    else:
        stdout.print(comparison_table(comparison))
        for r in comparison.failures:
            console.print(
                f"[red]✗[/] {r.model} seed {r.seed} {r.state}: {r.error}", highlight=False
            )
        if comparison.floors:
            console.print(FLOORS_NOTE, highlight=False)
        if comparison.unmeasured:
            console.print(unmeasured_note(comparison), highlight=False)
    console.print(f"report: {reports['html']} (and {reports['markdown'].name})", highlight=False)
    if not any(r.ok for r in comparison.results):
        error("no run finished; see the errors above")
        raise typer.Exit(1)


def search_args(
    search, sampler, jobs, executor, address, pruner="none", search_images=None
) -> list[str]:
    """The search and executor options of the command line, as given."""
    args = ["--search", str(search)] if search else []
    if search and search_images:
        args += ["--search-images", str(search_images)]
    if search and sampler != "random":
        args += ["--sampler", sampler]
    if search and pruner != "none":
        args += ["--pruner", pruner]
    args += ["--jobs", str(jobs)] if jobs != 1 else []
    args += ["--executor", executor] if executor != "local" else []
    return args + (["--address", address] if address else [])


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
