"""Terminal tables (rich) of metrics."""

from __future__ import annotations

from rich.table import Table


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


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
