"""The frozen records that plugins hand to genlab and that runs are described by.

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
    plugin: str = ""

    def __post_init__(self):
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
        higher_is_better: direction of the key ``name`` when ``keys`` does not give it.
        keys: every key ``compute`` returns, with its direction (:data:`HIGHER`, :data:`LOWER`,
            :data:`TOWARD_FLOOR`, or None for a key that is reported but never ranked, such as a
            standard deviation). ``name`` is always one of them. Comparisons and reports read
            directions from here and nowhere else.
        option: the name of an evaluation option that switches the metric on (``inception``);
            such a metric is left out of results entirely unless the option is set.
    """

    name: str
    description: str
    compute: str | Callable[..., Any]
    requires: frozenset[str] = frozenset()
    higher_is_better: bool = False
    keys: Mapping[str, str | None] = field(default_factory=dict)
    option: str | None = None
    plugin: str = ""

    def __post_init__(self):
        default = HIGHER if self.higher_is_better else LOWER
        keys = {self.name: default, **dict(self.keys)}
        bad = {k: v for k, v in keys.items() if v is not None and v not in DIRECTIONS}
        if bad:
            raise ValueError(
                f"metric {self.name!r}: directions must be one of {', '.join(DIRECTIONS)} or "
                f"None, got {bad}"
            )
        object.__setattr__(self, "keys", keys)

    def __hash__(self):
        return hash((self.name, self.plugin))


@dataclass
class RunConfig:
    """Everything that defines a training run; saved as ``config.json`` in the run directory."""

    model: str
    dataset: str = "fashion"
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    limit: int | None = None
    out: str | None = None
    data_dir: str | None = None
    device: str = "auto"
    strategy: str = "default"
    overrides: dict[str, Any] = field(default_factory=dict)
    resume: bool = False
    evaluate: bool = True
    eval_samples: int = 10_000
    budget_minutes: float | None = None
    grids: bool = True
    image_shape: str | None = None
    track_fid: int = 0
    val_fraction: float | None = None  # None: the model's default (genlab.data.validation)
    ema: float | None = None  # None: the family's default (genlab.engine.ema); 0: no average

    def validate(self):
        """Check every option before anything heavy happens; the model's spec and config.

        The one place run options are checked: ``genlab run``, every run of ``genlab compare``
        and anything else that trains goes through here, so they accept and refuse the same.
        """
        from genlab.config import make_model_config
        from genlab.engine.device import DEVICES, STRATEGIES
        from genlab.errors import ConfigError
        from genlab.registry import get_model

        for name in ("epochs", "batch_size", "limit", "eval_samples"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                flag = "--eval-n" if name == "eval_samples" else "--" + name.replace("_", "-")
                raise ConfigError(f"{flag} must be a positive integer, got {value}")
        fid_n = self.track_fid
        if isinstance(fid_n, bool) or not isinstance(fid_n, int) or fid_n < 0:
            raise ConfigError(f"--track-fid must be a number of samples (>= 0), got {fid_n}")
        from genlab.data.validation import check_fraction

        check_fraction(self.val_fraction)
        if self.ema is not None:
            from genlab.engine.ema import check_decay

            check_decay(self.ema)
        if self.budget_minutes is not None and not self.budget_minutes > 0:
            raise ConfigError(f"--budget-minutes must be positive, got {self.budget_minutes}")
        if self.budget_minutes is not None and self.strategy == "multiworker":
            raise ConfigError(
                "--budget-minutes cannot be used with --strategy multiworker (each worker's clock "
                "would stop it at a different step); use --epochs"
            )
        if self.device not in DEVICES:
            raise ConfigError(f"--device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.strategy not in STRATEGIES:
            raise ConfigError(
                f"--strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}"
            )
        spec = get_model(self.model)
        return spec, make_model_config(spec, self.overrides)
