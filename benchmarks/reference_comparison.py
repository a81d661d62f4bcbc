"""The reference comparison: every built-in model on full Fashion-MNIST, same clock, 3 seeds.

Every built-in model (the ``genlab_models`` plugins shipped with genlab) trains for the same
wall-clock minutes per run on all 60,000 training images, with seeds 0, 1 and 2, and is evaluated
on 10,000 samples. It is ``genlab compare --budget-minutes M --seeds 3`` with the model list
taken from the built-in plugins, so the numbers in docs/results.md are reproducible with the CLI.

It is resumable: finished runs in ``--out`` are reused and an interrupted one resumes, so rerun
the same command after a crash or Ctrl-C. Run with::

    python benchmarks/reference_comparison.py [--minutes 3] [--seeds 3] \\
        [--out comparisons/reference] [--device auto] [--write-docs docs/results.md]

Seven models x 3 seeds x 3 minutes, plus about 30 s of evaluation and saving per run, took about
75 minutes on a 2-core CPU; docs/results.md holds that run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console


def builtin_models() -> list[str]:
    """Models registered by genlab's own plugins, whatever their names."""
    from genlab.plugins import get_plugin_manager
    from genlab.registry import get_registries

    infos = get_plugin_manager().infos
    return [s.name for s in get_registries().models if infos[s.plugin].builtin]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="training minutes per run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per model (0..K-1)")
    parser.add_argument("--eval-n", type=int, default=10_000, help="samples per evaluation")
    parser.add_argument("--out", type=Path, default=Path("comparisons/reference"))
    parser.add_argument("--device", default="auto", help="auto, cpu or gpu")
    parser.add_argument("--data-dir", default=None, help="folder holding Fashion-MNIST")
    parser.add_argument(
        "--write-docs", type=Path, default=None, help="also write this results page (Markdown)"
    )
    args = parser.parse_args()

    from genlab.commands.compare import command_line
    from genlab.comparison.execute import run_comparison
    from genlab.comparison.plan import make_plan
    from genlab.comparison.report import write_reports
    from genlab.report.console import comparison_table
    from genlab.report.markdown import write_markdown
    from genlab.report.plots import report_figures

    console = Console(stderr=True)
    plan = make_plan(
        builtin_models(),
        seeds=args.seeds,
        out=args.out,
        dataset="fashion",
        budget_minutes=args.minutes,
        eval_samples=args.eval_n,
        device=args.device,
        data_dir=args.data_dir,
    )
    plan.command = command_line(plan, all_models=False)
    console.print(f"reference comparison: {', '.join(plan.models)}; {plan.budget_text()}")
    console.print(f"same as: {plan.command}", highlight=False)
    comparison = run_comparison(plan, console=console)
    reports = write_reports(comparison)
    Console().print(comparison_table(comparison))
    if args.write_docs:
        stem = args.write_docs.stem
        figures = report_figures(comparison)
        write_markdown(comparison, figures, args.write_docs, files=f"{stem}_files")
        console.print(f"wrote {args.write_docs}")
    console.print(f"report: {reports['html']}")
    return 0 if all(r.ok for r in comparison.results) else 1


if __name__ == "__main__":
    sys.exit(main())
