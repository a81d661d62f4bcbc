"""``genlab compare``: train several models on the same data, budget and seeds; one report."""

from __future__ import annotations

import contextlib
import shlex
import sys
from pathlib import Path

import typer
from rich.table import Table


def comparison_table(comparison) -> Table:
    """Metrics as rows, models as columns: mean ± std over seeds, best per row in green."""
    seeds = ", ".join(map(str, comparison.plan.seeds))
    table = Table(
        title=f"{comparison.plan.budget_text()}, seeds {seeds}",
        title_justify="left",
        caption="mean ± std over seeds; ↑/↓ better direction; best in green",
        caption_justify="left",
    )
    table.add_column("metric")
    for model in comparison.plan.models:
        mark = comparison.model_mark(model)
        table.add_column(model + (f"\n[red]✗ {mark}[/]" if mark else ""), justify="right")
    if comparison.floors:
        table.add_column("real data", justify="right", style="dim")
    for _, keys in comparison.sections:
        for i, key in enumerate(keys):
            arrow = {True: " ↑", False: " ↓"}.get(comparison.directions.get(key), "")
            cells = []
            for model in comparison.plan.models:
                text = comparison.cell(model, key)
                if model in comparison.best.get(key, []):
                    text = f"[bold green]{text}[/]"
                elif text == "n/a":
                    text = f"[dim]{text}[/]"
                cells.append(text)
            if comparison.floors:
                floor = comparison.floors.get(key)
                cells.append("" if floor is None else f"{floor:.4g}")
            table.add_row(key + arrow, *cells, end_section=i == len(keys) - 1)
    return table


def command_line(plan, all_models: bool) -> str:
    """The command that repeats (or, after an interruption, continues) this comparison."""
    args = ["genlab", "compare", *(["--all"] if all_models else plan.models)]
    args += ["--dataset", plan.dataset, "--seeds", str(len(plan.seeds))]
    for flag, value in (
        ("--epochs", plan.epochs),
        ("--budget-minutes", plan.budget_minutes),
        ("--limit", plan.limit),
        ("--batch-size", plan.batch_size),
        ("--data-dir", plan.data_dir),
        ("--track-fid", plan.track_fid or None),
    ):
        if value is not None:
            args += [flag, str(value)]
    args += ["--eval-n", str(plan.eval_samples)] if plan.evaluate else ["--no-eval"]
    if plan.device != "auto":
        args += ["--device", plan.device]
    if plan.strategy != "default":
        args += ["--strategy", plan.strategy]
    return shlex.join([*args, "--out", str(plan.out)])


def compare_cmd(
    models: list[str] = typer.Argument(None, help="Model names (see 'genlab list')."),
    all_models: bool = typer.Option(False, "--all", help="Compare every registered model."),
    dataset: str = typer.Option(
        "fashion", "--dataset", "-d", help="Dataset name or a folder of PNG/JPEG images."
    ),
    epochs: int = typer.Option(
        None, "--epochs", "-e", help="Epochs per run (default 5; a cap with --budget-minutes)."
    ),
    budget_minutes: float = typer.Option(
        None, "--budget-minutes", help="Wall-clock training minutes per run, the same for all."
    ),
    seeds: int = typer.Option(3, "--seeds", help="Seeds per model (0..K-1), the same for all."),
    limit: int = typer.Option(None, "--limit", help="Train on the first N training images."),
    batch_size: int = typer.Option(
        None, "--batch-size", "-b", help="Batch size for every model (default: each model's)."
    ),
    out_dir: Path = typer.Option(
        None,
        "--out",
        "-o",
        help="Comparison directory (default comparisons/<models>-<data>-<time>).",
    ),
    reuse: bool = typer.Option(
        True,
        "--reuse/--no-reuse",
        help="Reuse matching finished runs in --out; --no-reuse retrains them.",
    ),
    evaluate: bool = typer.Option(True, "--eval/--no-eval", help="Evaluate every run."),
    eval_n: int = typer.Option(10_000, "--eval-n", help="Samples per evaluation."),
    data_dir: Path = typer.Option(None, "--data-dir", help="Folder holding the dataset files."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or gpu."),
    strategy: str = typer.Option(
        "default", "--strategy", help="tf.distribute strategy: default, mirrored, multiworker."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the whole comparison as JSON on stdout (progress on stderr)."
    ),
    track_fid: int = typer.Option(
        0,
        "--track-fid",
        help="FID of N samples after every epoch of every run: quality-over-time curves.",
    ),
):
    """Train MODELs on the same data, budget and seeds; print mean ± std; write report.html."""
    from genlab.cli import _print_json, console, out
    from genlab.compare import make_plan, run_comparison, write_reports
    from genlab.report.markdown import FLOORS_NOTE, unmeasured_note

    plan = make_plan(
        models or [],
        all_models=all_models,
        seeds=seeds,
        out=out_dir,
        dataset=dataset,
        epochs=epochs,
        budget_minutes=budget_minutes,
        limit=limit,
        batch_size=batch_size,
        evaluate=evaluate,
        eval_samples=eval_n,
        data_dir=str(data_dir) if data_dir else None,
        device=device,
        strategy=strategy,
        reuse=reuse,
        track_fid=track_fid,
    )
    plan.command = command_line(plan, all_models)
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
            comparison = run_comparison(plan, console=console)
            reports = write_reports(comparison)
    except KeyboardInterrupt:
        console.print(
            f"interrupted: finished runs are kept; continue with '{plan.command}' "
            "(finished runs are reused, the interrupted one resumes)",
            highlight=False,
        )
        raise typer.Exit(130) from None
    if as_json:
        _print_json({**comparison.to_json(), "report": {k: str(v) for k, v in reports.items()}})
    else:
        out.print(comparison_table(comparison))
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
        console.print("[red]error:[/] no run finished; see the errors above")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
