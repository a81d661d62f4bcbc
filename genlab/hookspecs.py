"""The plugin contract: every hook a genlab plugin can implement.

Built-in models, datasets and metrics are registered through exactly these hooks. Each hook gets a
``register`` callback built by the core, so validation and duplicate detection live in one place
(:mod:`genlab.registry`).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("genlab")
hookimpl = pluggy.HookimplMarker("genlab")


@hookspec
def register_models(register):
    """Register generative models: call ``register(ModelSpec(...))`` once per model."""


@hookspec
def register_datasets(register):
    """Register datasets: call ``register(DatasetSpec(...))`` once per dataset."""


@hookspec
def register_metrics(register):
    """Register evaluation metrics: call ``register(MetricSpec(...))`` once per metric."""


@hookspec
def register_callbacks(register, run):
    """Add training callbacks to a run: call ``register(keras.callbacks.Callback)``.

    ``run`` is the :class:`genlab.runs.RunDir` being trained; its ``config`` says what is trained.
    """


@hookspec
def register_commands(app):
    """Add sub-commands to the ``genlab`` command line; ``app`` is the :class:`typer.Typer`."""
