"""genlab: train and compare generative image models with one engine and one metric suite.

The public surface for users and plugin authors: a plugin needs nothing but ``from genlab import
...`` (and :mod:`genlab.testing` in its tests). Importing it is cheap, so ``genlab list`` can read
every plugin's specs without TensorFlow: ``GenerativeModel`` (TensorFlow), ``ArraySplits``,
``RunDir`` and ``NotApplicable`` (numpy) are loaded on first access.
"""

import genlab.backends as _backends
from genlab.config import RunConfig
from genlab.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    DivergenceError,
    GenlabError,
    PluginError,
    RunDirError,
    UnknownNameError,
    UsageError,
)
from genlab.hookspecs import hookimpl
from genlab.search.space import Choice, IntRange, LogUniform, Uniform
from genlab.specs import (
    CAPABILITIES,
    HIGHER,
    LIKELIHOOD,
    LOWER,
    RECONSTRUCT,
    SAMPLE,
    TOWARD_FLOOR,
    DatasetSpec,
    MetricSpec,
    ModelConfig,
    ModelSpec,
)
from genlab.version import __version__

_backends.apply_environment()

__all__ = [
    "CAPABILITIES",
    "HIGHER",
    "LIKELIHOOD",
    "LOWER",
    "RECONSTRUCT",
    "SAMPLE",
    "TOWARD_FLOOR",
    "ArraySplits",
    "CheckpointError",
    "Choice",
    "ConfigError",
    "DataError",
    "DatasetSpec",
    "DivergenceError",
    "GenerativeModel",
    "GenlabError",
    "IntRange",
    "LogUniform",
    "MetricSpec",
    "ModelConfig",
    "ModelSpec",
    "NotApplicable",
    "PluginError",
    "RunConfig",
    "RunDir",
    "RunDirError",
    "Uniform",
    "UnknownNameError",
    "UsageError",
    "__version__",
    "hookimpl",
]


#: Public names whose modules are heavy, imported on first access.
_LAZY = {
    "GenerativeModel": "genlab.model",
    "ArraySplits": "genlab.data.arrays",
    "RunDir": "genlab.run_dir",
    "NotApplicable": "genlab.evaluation.context",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'genlab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
