"""The ``genlab`` command line: the typer app, :func:`main` and error handling.

The commands live in :mod:`genlab.commands` (one module each) and print through
:mod:`genlab.report.console`. Errors a user can fix are printed as one ``error:`` line with a
non-zero exit code; so is a missing package (no TensorFlow, no Optuna for ``tune``: exit 2, with
the install command, see :mod:`genlab.dependencies`). Anything else is a bug: one "unexpected"
line asking for a report. A traceback only with ``--debug`` (or ``GENLAB_DEBUG=1``), accepted
before the command and after it. Heavy imports happen inside the commands, so ``genlab --help``,
``genlab list`` and ``genlab plugins`` stay fast.
Nothing imports this module: it is the console script's entry point (and ``python -m genlab``'s).
"""

from __future__ import annotations

import copy
import os
import sys

import typer

from genlab.commands import register_all
from genlab.errors import GenlabError
from genlab.report import console as output
from genlab.report.console import error, warn
from genlab.version import __version__

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEBUG_HELP = "Show full tracebacks on errors."

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
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
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


def command():
    """The click command of :data:`app` (with the commands plugins added), every subcommand
    also taking ``--debug``: the hint "rerun with --debug" works wherever the user puts it."""
    group = typer.main.get_command(app)
    (debug,) = (p for p in group.params if p.name == "debug")
    _accept_debug(group, debug)
    return group


def _accept_debug(group, debug) -> None:
    for sub in group.commands.values():
        if hasattr(sub, "commands"):
            _accept_debug(sub, debug)
        elif not any("--debug" in p.opts for p in sub.params):
            # main() reads it from sys.argv, before parsing: the command gets no argument
            option = copy.copy(debug)
            option.expose_value = False
            sub.params.append(option)


def _debug_requested(argv: list[str]) -> bool:
    """``--debug`` anywhere before a ``--`` separator, or ``GENLAB_DEBUG`` set."""
    args = argv[: argv.index("--")] if "--" in argv else argv
    return "--debug" in args or os.environ.get("GENLAB_DEBUG", "") not in ("", "0")


def _has_backend_option(group, argv: list[str]) -> bool:
    """Whether the command ``argv`` names takes ``--backend``."""
    command = group
    for arg in argv:
        if arg in getattr(command, "commands", {}):
            command = command.commands[arg]
    return any("--backend" in p.opts for p in command.params)


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
    debug = _debug_requested(sys.argv[1:])
    if not debug:
        _silence_native_logs()
    group = None
    try:
        from genlab.plugins import get_plugin_manager

        for problem in get_plugin_manager().call_hook("register_commands", app=app):
            warn(problem)
        group = command()
        group.main(prog_name="genlab", standalone_mode=True)
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
        from genlab.dependencies import missing_from

        backend_option = group is not None and _has_backend_option(group, sys.argv[1:])
        missing = missing_from(exc, backend_option=backend_option)
        if missing is not None:  # an install to make, not a bug
            from rich.markup import escape

            error(escape(missing))
            sys.exit(2)
        error(
            f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback, "
            "and please report it)"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
