"""The ``genlab`` command line: the typer app, :func:`main` and error handling.

The commands live in :mod:`genlab.commands` (one module each) and print through
:mod:`genlab.report.console`. Errors a user can fix are printed as one ``error:`` line with a
non-zero exit code; a traceback only with ``--debug`` (or ``GENLAB_DEBUG=1``). Heavy imports
happen inside the commands, so ``genlab --help``, ``genlab list`` and ``genlab plugins`` stay fast.
Nothing imports this module: it is the console script's entry point (and ``python -m genlab``'s).
"""

from __future__ import annotations

import os
import sys

import typer

from genlab.commands import register_all
from genlab.errors import GenlabError
from genlab.report import console as output
from genlab.report.console import error, warn
from genlab.version import __version__

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    help="Train and compare generative image models (autoencoders, VAEs, GANs).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool):
    if value:
        print(f"genlab {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
):
    """genlab: one engine, one metric suite, many generative models."""
    if ctx.invoked_subcommand not in ("list", "plugins"):  # those two show the details
        _warn_about_plugins()


register_all(app)


def _warn_about_plugins() -> None:
    """One line on stderr when a plugin failed to load or two plugins clash; ``genlab plugins``
    has the details."""
    from genlab.registry import get_registries

    errors = get_registries().errors
    if errors:
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        warn(f"{errors[0]}{more}; see 'genlab plugins --check'")


def _silence_native_logs() -> None:
    """Send TensorFlow's C++ start-up chatter (written straight to fd 2) to /dev/null.

    Python's ``sys.stderr`` is moved to a duplicate of the real stderr first, so genlab's own
    messages, warnings and tracebacks still reach the terminal. ``--debug`` keeps everything.
    """
    try:
        sys.stderr.flush()
        real = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(real, "w", buffering=1, encoding="utf-8", errors="replace")
        output.console.file = sys.stderr
    except OSError:
        pass


def main() -> None:
    """Console-script entry point: one-line errors, proper exit codes."""
    debug = "--debug" in sys.argv or os.environ.get("GENLAB_DEBUG", "") not in ("", "0")
    if not debug:
        _silence_native_logs()
    try:
        from genlab.plugins import get_plugin_manager

        for problem in get_plugin_manager().call_hook("register_commands", app=app):
            warn(problem)
        typer.main.get_command(app).main(prog_name="genlab", standalone_mode=True)
    except GenlabError as exc:
        if debug:
            raise
        from rich.markup import escape

        error(escape(str(exc)))  # plain text: "pip install 'genlab[ray]'" keeps its brackets
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        error(
            f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback, "
            "and please report it)"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
