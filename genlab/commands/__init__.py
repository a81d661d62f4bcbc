"""The ``genlab`` commands, one module per command (or group); each has ``register(app)``.

Modules here import only typer/rich and light genlab modules at import time; TensorFlow is
imported inside the commands. A command prints through :mod:`genlab.report.console` and never
imports the CLI module (the app is handed to ``register``). To add a command, write
``genlab/commands/<name>.py`` with a ``register(app)`` function and list the module in
:data:`COMMAND_MODULES`; a third-party command uses the ``register_commands`` hook instead.
"""

from __future__ import annotations

import importlib

#: In the order ``genlab --help`` lists them.
COMMAND_MODULES = (
    "genlab.commands.listing",
    "genlab.commands.plugins",
    "genlab.commands.run",
    "genlab.commands.sample",
    "genlab.commands.evaluate",
    "genlab.commands.explore",
    "genlab.commands.compare",
    "genlab.commands.tune",
    "genlab.commands.new_plugin",
)


def register_all(app) -> None:
    """Add every built-in command to ``app``."""
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
