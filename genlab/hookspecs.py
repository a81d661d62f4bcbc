"""The plugin contract: every hook a genlab plugin can implement.

Built-in models, datasets and metrics are registered through exactly these hooks. Each hook gets a
``register`` callback built by the core, so validation and duplicate detection live in one place
(:mod:`genlab.registry`), and a plugin that raises is reported by name while the others load.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`, made known through
a ``genlab`` entry point. It implements only the hooks it needs; pluggy passes only the arguments a
hook implementation names. ``docs/plugins/hooks.md`` documents each hook with an example.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("genlab")
hookimpl = pluggy.HookimplMarker("genlab")


@hookspec
def register_models(register):
    """Register generative models: call ``register(ModelSpec(...))`` once per model.

    Called once per process when the registry is first needed (``genlab list`` included), so the
    hook must be cheap: point ``ModelSpec.build`` at ``"module:function"`` and keep TensorFlow out
    of the module that defines the hook. A name or alias another plugin already registered is an
    error naming both plugins.
    """


@hookspec
def register_datasets(register):
    """Register datasets: call ``register(DatasetSpec(...))`` once per dataset.

    ``DatasetSpec.load`` is ``(data_dir: str | None) -> genlab.ArraySplits`` with ``uint8`` images;
    it runs only when the dataset is trained on or evaluated.
    """


@hookspec
def register_metrics(register):
    """Register evaluation metrics: call ``register(MetricSpec(...))`` once per metric.

    A metric applies to a model only if the model has every capability in ``MetricSpec.requires``;
    the suite never asks for model names.
    """


@hookspec
def register_callbacks(register, run):
    """Add training callbacks to a run: call ``register(keras.callbacks.Callback)``.

    Called once per ``genlab run`` (and per run of ``genlab compare``) just before training.
    ``run`` is the :class:`genlab.RunDir` being trained; ``run.config`` says what is trained, so a
    plugin can add a callback to some runs only. Callbacks observe; they must not change the data
    order or the model's state, or an interrupted run no longer resumes exactly.
    """


@hookspec
def register_commands(app):
    """Add sub-commands to the ``genlab`` command line; ``app`` is the :class:`typer.Typer`.

    Called at every ``genlab`` start-up: import heavy modules inside the command, not here.
    """
