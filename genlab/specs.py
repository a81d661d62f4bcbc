"""The frozen records that plugins hand to genlab: models, datasets, metrics.

Nothing here imports TensorFlow: ``genlab list`` and ``genlab plugins`` read these without paying
for a TensorFlow import. A model spec names its builder as ``"module:function"`` so the heavy
module is imported only when a model is actually built.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: What a model can do; the engine and the metric suite choose by these, never by model name.
SAMPLE = "sample"
RECONSTRUCT = "reconstruct"
LIKELIHOOD = "likelihood"
CAPABILITIES = frozenset({SAMPLE, RECONSTRUCT, LIKELIHOOD})


def resolve(target: str | Callable) -> Callable:
    """Import ``"package.module:attr"`` lazily; callables pass through."""
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters every model has; a model's config subclasses this and adds its own.

    Fields are what ``--set key=value`` can change; their types decide how values are parsed.
    ``search_space`` (a class attribute, not a field) maps field names to the distributions
    ``genlab tune`` draws them from (:mod:`genlab.search.space`); empty: defaults only.
    """

    lr: float = 2e-4

    search_space: ClassVar[Mapping[str, Any]] = {}


@dataclass(frozen=True)
class ModelSpec:
    """What a model is and how to build it.

    Attributes:
        name: canonical name used on the command line (``dcgan``).
        description: one line for ``genlab list``.
        family: ``"autoencoder"``, ``"vae"``, ``"gan"`` or any word a plugin chooses.
        build: ``"module:function"`` or callable ``(config, image_shape) -> GenerativeModel``.
        config: the :class:`ModelConfig` subclass holding the defaults.
        output_range: value range of the images the model consumes and produces.
        capabilities: subset of :data:`CAPABILITIES`.
        aliases: other accepted spellings.
        default_epochs: epochs of a default ``genlab run`` on Fashion-MNIST.
        default_batch_size: batch size of a default run.
        default_ema: decay of the weight average of the sampling networks a run keeps unless
            ``--ema`` says otherwise (:mod:`genlab.engine.ema`); 0, the default: no average.
    """

    name: str
    description: str
    family: str
    build: str | Callable[..., Any]
    config: type[ModelConfig] = ModelConfig
    output_range: tuple[float, float] = (-1.0, 1.0)
    capabilities: frozenset[str] = frozenset({SAMPLE})
    aliases: tuple[str, ...] = ()
    default_epochs: int = 10
    default_batch_size: int = 128
    default_ema: float = 0.0
    plugin: str = ""

    def __post_init__(self):
        if not 0.0 <= self.default_ema < 1.0:
            raise ValueError(f"model {self.name!r}: default_ema must be in [0, 1)")
        unknown = set(self.capabilities) - CAPABILITIES
        if unknown:
            raise ValueError(f"model {self.name!r}: unknown capabilities {sorted(unknown)}")
        if not dataclasses.is_dataclass(self.config) or not issubclass(self.config, ModelConfig):
            raise ValueError(f"model {self.name!r}: config must be a ModelConfig dataclass")

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset genlab can train on.

    Attributes:
        name: canonical name (``fashion``).
        description: one line for ``genlab list``.
        load: ``"module:function"`` or callable ``(data_dir: str | None) -> ArraySplits``.
        image_shape: (height, width, channels) of the images as stored.
        aliases: other accepted spellings.
    """

    name: str
    description: str
    load: str | Callable[..., Any]
    image_shape: tuple[int, int, int] = (28, 28, 1)
    aliases: tuple[str, ...] = ()
    plugin: str = ""


#: Directions of a metric key: which way is better, used to mark the best model in comparisons.
HIGHER = "higher"
LOWER = "lower"
#: Closer to the real-data floor (the same metric for real images) is better: a model that scores
#: "better" than real data is not better (``memorization_ratio`` is about 0.5 for real images).
TOWARD_FLOOR = "floor"
DIRECTIONS = (HIGHER, LOWER, TOWARD_FLOOR)


@dataclass(frozen=True)
class MetricSpec:
    """A metric of the evaluation suite.

    Attributes:
        name: key under which the value is stored (``fid``).
        description: one line.
        requires: capabilities the model needs for the metric to apply.
        compute: ``"module:function"`` or callable ``(context) -> dict[str, float]``.
        keys: every key ``compute`` returns, with its direction (:data:`HIGHER`, :data:`LOWER`,
            :data:`TOWARD_FLOOR`, or None for a key that is reported but never ranked, such as a
            standard deviation). ``name`` is always one of them (:data:`LOWER` when not given).
            The one source of directions: comparisons and reports read them here only.
        option: the name of an evaluation option that switches the metric on (``inception``);
            such a metric is left out of results entirely unless the option is set.
    """

    name: str
    description: str
    compute: str | Callable[..., Any]
    requires: frozenset[str] = frozenset()
    keys: Mapping[str, str | None] = field(default_factory=dict)
    option: str | None = None
    plugin: str = ""

    def __post_init__(self):
        keys = {self.name: LOWER, **dict(self.keys)}
        bad = {k: v for k, v in keys.items() if v is not None and v not in DIRECTIONS}
        if bad:
            raise ValueError(
                f"metric {self.name!r}: directions must be one of {', '.join(DIRECTIONS)} or "
                f"None, got {bad}"
            )
        object.__setattr__(self, "keys", keys)

    def __hash__(self):
        return hash((self.name, self.plugin))
