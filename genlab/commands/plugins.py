"""``genlab plugins``: every plugin, what it registered, and what failed."""

from __future__ import annotations

import dataclasses

import typer

from genlab.commands import options
from genlab.report.console import error, plugins_table, print_json, stdout


def plugins_cmd(
    as_json: bool = options.as_json(),
    check: bool = typer.Option(
        False, "--check", help="Exit with status 1 if a plugin failed to load or names clash."
    ),
):
    """Show every plugin: distribution, version, hooks, what it registered, load errors."""
    from genlab.plugins import get_plugin_manager
    from genlab.registry import get_registries

    regs = get_registries()  # also fills in what each plugin registered
    infos = [dataclasses.asdict(i) for i in get_plugin_manager().infos.values()]
    if as_json:
        print_json(infos)
    else:
        import genlab.backends as backends

        stdout.print(plugins_table(infos))
        stdout.print(backends.summary_line(), highlight=False)
        for i in infos:
            if i["error"]:
                error(f"plugin {i['name']!r}: {i['error']}")
    if check and (regs.errors or any(i["error"] for i in infos)):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins_cmd)
