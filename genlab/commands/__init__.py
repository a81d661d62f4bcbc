"""Sub-command groups of the ``genlab`` CLI, one module per area; each has ``register(app)``.

Modules here import only typer/rich at import time; TensorFlow is imported inside the commands.
"""

COMMAND_MODULES = (
    "genlab.commands.evaluate",
    "genlab.commands.compare",
    "genlab.commands.plugin_tools",
)
