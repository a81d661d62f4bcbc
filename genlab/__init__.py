"""genlab: train and compare generative image models with one engine and one metric suite.

The public surface for users and plugin authors. Importing it is cheap: TensorFlow is imported only
when a model is built (``GenerativeModel`` is loaded on first access).
"""

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
from genlab.specs import (
    LIKELIHOOD,
    RECONSTRUCT,
    SAMPLE,
    DatasetSpec,
    MetricSpec,
    ModelConfig,
    ModelSpec,
    RunConfig,
)

__version__ = "0.1.0"

__all__ = [
    "LIKELIHOOD",
    "RECONSTRUCT",
    "SAMPLE",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "DatasetSpec",
    "DivergenceError",
    "GenerativeModel",
    "GenlabError",
    "MetricSpec",
    "ModelConfig",
    "ModelSpec",
    "PluginError",
    "RunConfig",
    "RunDirError",
    "UnknownNameError",
    "UsageError",
    "__version__",
    "hookimpl",
]


def __getattr__(name):
    if name == "GenerativeModel":
        from genlab.model import GenerativeModel

        return GenerativeModel
    raise AttributeError(f"module 'genlab' has no attribute {name!r}")
