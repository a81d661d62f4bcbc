"""Terminal output of every command: the two consoles, JSON, warnings and the rich tables.

Progress, notes, warnings and errors go to :data:`console` (stderr); results (tables, JSON) go to
:data:`stdout`, so ``--json`` output can be piped. Commands import what they print from here,
never from :mod:`genlab.cli`.
"""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

#: Progress, notes, warnings and errors.
console = Console(stderr=True, soft_wrap=True)
#: Results: tables and JSON.
stdout = Console()


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def error(message: str) -> None:
    console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def rows_table(title: str, rows: list[dict], columns, no_wrap=()) -> Table:
    """One row per dict, the given columns; lists shown comma-separated."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=column in no_wrap)
    for row in rows:
        table.add_row(*[_cell(row[c]) for c in columns])
    return table


def metrics_table(results: dict[str, dict], title: str = "Metrics") -> Table:
    """One column per run/model, one row per scalar metric."""
    names = []
    for metrics in results.values():
        for key, value in metrics.items():
            if key not in names and not isinstance(value, (dict, list)):
                names.append(key)
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for label in results:
        table.add_column(label, justify="right")
    for name in names:
        table.add_row(name, *[_fmt(m.get(name)) for m in results.values()])
    return table


def results_table(result: dict, label: str, title: str = "Metrics") -> Table:
    """A run's metrics beside the "real data" floor column (when there are floors)."""
    columns = {label: result}
    if result.get("reference"):
        columns["real data"] = result["reference"]
    return metrics_table(columns, title=f"{title} (evaluator {result.get('evaluator') or 'none'})")


def _short_list(items: list[str], keep: int = 3) -> str:
    more = f" +{len(items) - keep} more" if len(items) > keep else ""
    return ", ".join(items[:keep]) + more


def plugins_table(infos: list[dict]) -> Table:
    """``genlab plugins``: name, distribution, version, and what each hook registered."""
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
    return table


def comparison_table(comparison) -> Table:
    """Metrics as rows, models as columns: mean ± std over seeds, best per row in green."""
    seeds = ", ".join(map(str, comparison.plan.seeds))
    table = Table(
        title=f"{comparison.plan.budget_text()}, seeds {seeds}",
        title_justify="left",
        caption="mean ± std over seeds; ↑/↓ better direction, ≈ closer to real data is better; "
        "best in green",
        caption_justify="left",
    )
    table.add_column("metric")
    for model in comparison.models:
        mark = comparison.model_mark(model)
        label = comparison.label(model)
        table.add_column(label + (f"\n[red]✗ {mark}[/]" if mark else ""), justify="right")
    if comparison.floors:
        table.add_column("real data", justify="right", style="dim")
    for _, keys in comparison.sections:
        for i, key in enumerate(keys):
            cells = []
            for model in comparison.models:
                text = comparison.cell(model, key)
                if model in comparison.best.get(key, []):
                    text = f"[bold green]{text}[/]"
                elif text == "n/a":
                    text = f"[dim]{text}[/]"
                cells.append(text)
            if comparison.floors:
                floor = comparison.floors.get(key)
                cells.append("" if floor is None else f"{floor:.4g}")
            table.add_row(key + comparison.arrow(key), *cells, end_section=i == len(keys) - 1)
    return table
