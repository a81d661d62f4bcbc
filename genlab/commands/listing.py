"""``genlab list``: the registered models, datasets and metrics."""

from __future__ import annotations

import dataclasses

import typer

from genlab.commands import options
from genlab.report.console import print_json, rows_table, stdout, warn


def list_cmd(as_json: bool = options.as_json()):
    """Show the registered models, datasets and metrics."""
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
            "directions": dict(s.keys),
            "plugin": s.plugin,
        }
        for s in regs.metrics
    ]
    if as_json:
        import genlab.backends as backends

        print_json(
            {
                "models": models,
                "datasets": datasets,
                "metrics": metrics,
                "errors": regs.errors,
                **backends.summary(),
            }
        )
        return
    for title, rows, cols in (
        ("Models", models, ("name", "family", "capabilities", "description")),
        ("Datasets", datasets, ("name", "description")),
        ("Metrics", metrics, ("name", "requires", "description")),
    ):
        stdout.print(rows_table(title, rows, cols))
    import genlab.backends as backends

    stdout.print(backends.summary_line(), highlight=False)
    for error in regs.errors:
        warn(error)


def register(app: typer.Typer) -> None:
    app.command("list")(list_cmd)
