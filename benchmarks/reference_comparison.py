"""The reference study: every built-in model on full Fashion-MNIST, defaults and searched.

Every built-in model (the ``genlab_models`` plugins shipped with genlab) is compared twice at the
same wall-clock budget per run, on all training images, with seeds 0 .. K-1 and 10,000 samples
per evaluation:

1. **defaults**: each model's default hyperparameters
   (``genlab compare ... --budget-minutes M --seeds K``);
2. **searched**: each model first gets the same hyperparameter search, S trials at the same
   budget scored on the validation sample (Lucic et al. 2018), then its best configuration is
   trained with every seed and evaluated on the test split
   (``genlab compare ... --search S --budget-minutes M --seeds K``).

Both run through ``--jobs`` local worker processes. Both are resumable: rerun the same command
after a crash or Ctrl-C and finished runs and trials are reused. ``--write-docs`` writes the
results page: the side-by-side table, then the searched comparison's report; the defaults'
report goes next to it as ``<page>-defaults.md``. Anything above the marker line in an existing
page (the written analysis) is kept. Run with::

    python benchmarks/reference_comparison.py [--minutes 1] [--seeds 3] [--search 5] \\
        [--jobs 2] [--out comparisons/reference] [--write-docs docs/results.md]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from rich.console import Console

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # as the CLI does; the workers inherit it

MARKER = "<!-- Everything below was written by benchmarks/reference_comparison.py. -->"
SIDE_BY_SIDE_KEYS = ("fid", "kid", "precision", "recall", "coverage")


def builtin_models() -> list[str]:
    """Models registered by genlab's own plugins, whatever their names."""
    from genlab.plugins import get_plugin_manager
    from genlab.registry import get_registries

    infos = get_plugin_manager().infos
    return [s.name for s in get_registries().models if infos[s.plugin].builtin]


def side_by_side(defaults, searched) -> str:
    """Markdown: per model, defaults vs searched (mean ± std over seeds) and the FID ranks."""
    from genlab.report.markdown import markdown_table

    def ranks(comparison):
        fids = {m: comparison.stats[m]["fid"]["mean"] for m in comparison.models}
        order = sorted((m for m in fids if fids[m] is not None), key=lambda m: fids[m])
        return {m: i + 1 for i, m in enumerate(order)}

    rank_d, rank_s = ranks(defaults), ranks(searched)
    headers = ["model", "FID rank (defaults → searched)"]
    for key in SIDE_BY_SIDE_KEYS:
        arrow = {"lower": "↓", "higher": "↑"}.get(searched.directions.get(key), "")
        headers += [f"{key} {arrow} defaults", f"{key} searched"]
    rows = []
    for model in sorted(searched.models, key=lambda m: rank_s.get(m, 99)):
        row = [model, f"{rank_d.get(model, '–')} → {rank_s.get(model, '–')}"]
        for key in SIDE_BY_SIDE_KEYS:
            row += [defaults.cell(model, key), searched.cell(model, key)]
        rows.append(row)
    return markdown_table(headers, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="training minutes per run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per model (0..K-1)")
    parser.add_argument("--search", type=int, default=5, help="search trials per model")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (local processes)")
    parser.add_argument("--eval-n", type=int, default=10_000, help="samples per evaluation")
    parser.add_argument("--models", nargs="+", default=None, help="default: every built-in")
    parser.add_argument("--limit", type=int, default=None, help="first N training images")
    parser.add_argument("--out", type=Path, default=Path("comparisons/reference"))
    parser.add_argument("--device", default="auto", help="auto, cpu or gpu")
    parser.add_argument("--data-dir", default=None, help="folder holding Fashion-MNIST")
    parser.add_argument(
        "--write-docs", type=Path, default=None, help="also write this results page (Markdown)"
    )
    args = parser.parse_args()

    from genlab.commands.compare import command_line, search_args
    from genlab.commands.tune import make_executor, search_options
    from genlab.comparison.compare import run_comparison
    from genlab.comparison.plan import make_plan
    from genlab.comparison.report import write_reports
    from genlab.comparison.tuned import search_then_retrain
    from genlab.report.console import comparison_table

    console = Console(stderr=True)
    runner = make_executor("local", args.jobs, None, args.device)
    comparisons, walls = {}, {}
    for name in ("defaults", "searched"):
        plan = make_plan(
            args.models or builtin_models(),
            limit=args.limit,
            seeds=args.seeds,
            out=args.out / name,
            dataset="fashion",
            budget_minutes=args.minutes,
            eval_samples=args.eval_n,
            device=args.device,
            data_dir=args.data_dir,
        )
        search = args.search if name == "searched" else 0
        extra = search_args(search, "random", args.jobs, "local", None)
        plan.command = " ".join([command_line(plan, all_models=False), *extra])
        console.print(f"reference comparison, {name}: {plan.budget_text()}", highlight=False)
        console.print(f"same as: {plan.command}", highlight=False)
        start = time.perf_counter()
        if search:
            options = search_options(plan, search, "random")
            dirs = {m: plan.out / "search" / m for m in plan.models}
            _, comparison = search_then_retrain(plan, options, runner, dirs, console)
        else:
            comparison = run_comparison(plan, runner, console)
        walls[name] = time.perf_counter() - start
        write_reports(comparison)
        Console().print(comparison_table(comparison))
        console.print(f"{name}: {walls[name] / 60:.1f} min wall; report {plan.out / 'report.html'}")
        comparisons[name] = comparison
    table = side_by_side(comparisons["defaults"], comparisons["searched"])
    Console().print(table, highlight=False)
    if args.write_docs:
        write_docs(args.write_docs, comparisons, table)
    ok = all(r.ok for c in comparisons.values() for r in c.results)
    return 0 if ok else 1


def write_docs(page: Path, comparisons: dict, table: str) -> None:
    """The results page (searched, with the side-by-side table) and ``<page>-defaults.md``."""
    from genlab.report.markdown import render_markdown, write_markdown
    from genlab.report.plots import report_figures
    from genlab.run_dir import atomic_write_text

    old = page.read_text() if page.exists() else ""
    head = old.split(MARKER)[0] if MARKER in old else "# Reference results\n\n"
    defaults_page = page.with_name(f"{page.stem}-defaults.md")
    write_markdown(
        comparisons["defaults"],
        report_figures(comparisons["defaults"]),
        defaults_page,
        files=f"{defaults_page.stem}_files",
    )
    searched, files = comparisons["searched"], f"{page.stem}_files"
    figures = report_figures(searched)
    write_markdown(searched, figures, page, files=files)  # the pictures, then the page below
    parts = [head.rstrip() + "\n\n", MARKER, "\n\n## Defaults and searched, side by side\n\n"]
    parts += [
        f"Mean ± std over seeds on the test split. The defaults' full report: "
        f"[{defaults_page.name}]({defaults_page.name}).\n\n",
        table,
        "\n\n",
        # The report's headings one level down: the page has its own title.
        re.sub(r"^(#+) ", r"#\1 ", render_markdown(searched, figures, files=files), flags=re.M),
    ]
    atomic_write_text(page, "".join(parts))


if __name__ == "__main__":
    sys.exit(main())
