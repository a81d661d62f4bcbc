"""``genlab new-plugin``: scaffold a third-party model plugin package."""

from __future__ import annotations

from pathlib import Path

import typer


def new_plugin(
    name: str = typer.Argument(
        ..., metavar="NAME", help="Model name: lowercase letters, digits, underscores."
    ),
    directory: Path = typer.Option(
        Path("."), "--dir", metavar="DIR", help="Folder in which genlab-NAME/ is created."
    ),
):
    """Create genlab-NAME/: a working model plugin package (entry point, model, tests)."""
    from genlab.scaffold import scaffold

    target = scaffold(name, directory)
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    typer.echo(f"created {target}: the model plugin {name!r}")
    for file in files:
        typer.echo(f"  {file}")
    # The [test] extra brings pytest; "python -m pytest" runs the pytest of this environment.
    typer.echo(
        "next:\n"
        f"  python -m pip install -e '{target}[test]'\n"
        f"  python -m pytest {target}/tests\n"
        f"  genlab run {name} --dataset fashion --epochs 1 --out runs/{name}"
    )


def register(app: typer.Typer) -> None:
    app.command("new-plugin")(new_plugin)
