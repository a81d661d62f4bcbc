"""Search spaces: which hyperparameters of a model are searchable, and how they are drawn.

A model declares its space next to its config dataclass, as a class attribute (not a field)::

    @dataclass(frozen=True)
    class MyConfig(ModelConfig):
        lr: float = 1e-4
        width: int = 64

        search_space: ClassVar[dict] = {"lr": LogUniform(1e-5, 1e-3), "width": Choice(32, 64)}

Subclasses inherit it and may extend it (``{**Base.search_space, "beta": Uniform(0, 4)}``). A
config with an empty space is trained with its defaults only. Nothing here imports Optuna: the
distributions draw with :class:`random.Random` (the plugin contract kit) or through an Optuna
trial (``genlab tune``), by the same declaration.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass

from genlab.errors import ConfigError


@dataclass(frozen=True)
class LogUniform:
    """A float drawn uniformly in log space from [low, high]: learning rates, penalty weights."""

    low: float
    high: float

    def __post_init__(self):
        if not 0 < self.low < self.high:
            raise ValueError(f"LogUniform needs 0 < low < high, got {self.low}, {self.high}")

    def draw(self, rng: random.Random) -> float:
        return math.exp(rng.uniform(math.log(self.low), math.log(self.high)))

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high, log=True)

    def describe(self) -> str:
        return f"log-uniform [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly from [low, high]: Adam's beta_1, dropout, noise levels."""

    low: float
    high: float

    def __post_init__(self):
        if not self.low < self.high:
            raise ValueError(f"Uniform needs low < high, got {self.low}, {self.high}")

    def draw(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high)

    def describe(self) -> str:
        return f"uniform [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class IntRange:
    """An integer drawn uniformly from low..high inclusive (in log space with ``log=True``)."""

    low: int
    high: int
    log: bool = False

    def __post_init__(self):
        if not self.low < self.high or (self.log and self.low < 1):
            raise ValueError(f"IntRange needs low < high (and low >= 1 with log), got {self}")

    def draw(self, rng: random.Random) -> int:
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
            return min(int(value), self.high)
        return rng.randint(self.low, self.high)

    def suggest(self, trial, name: str) -> int:
        return trial.suggest_int(name, self.low, self.high, log=self.log)

    def describe(self) -> str:
        return f"integer {self.low}..{self.high}" + (" (log)" if self.log else "")


class Choice:
    """One of a few values (numbers, strings or booleans), each equally likely."""

    def __init__(self, *options):
        if len(options) < 2:
            raise ValueError(f"Choice needs at least two options, got {options}")
        self.options = tuple(options)

    def __eq__(self, other):
        return isinstance(other, Choice) and self.options == other.options

    def __hash__(self):
        return hash(self.options)

    def __repr__(self):
        return f"Choice{self.options!r}"

    def draw(self, rng: random.Random):
        return rng.choice(self.options)

    def suggest(self, trial, name: str):
        return trial.suggest_categorical(name, list(self.options))

    def describe(self) -> str:
        return "one of " + ", ".join(map(str, self.options))


DISTRIBUTIONS = (LogUniform, Uniform, IntRange, Choice)


def search_space(spec) -> dict:
    """The declared space of a model spec (its config's ``search_space``); ``{}`` if none."""
    return dict(getattr(spec.config, "search_space", None) or {})


def check_space(spec) -> dict:
    """The space of ``spec``, checked: names are config fields, values are distributions."""
    space = search_space(spec)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    for name, dist in space.items():
        if name not in fields:
            raise ConfigError(
                f"model {spec.name!r}: search_space names {name!r}, which is not a field of "
                f"{spec.config.__name__} (fields: {', '.join(sorted(fields))})"
            )
        if not isinstance(dist, DISTRIBUTIONS):
            raise ConfigError(
                f"model {spec.name!r}: search_space[{name!r}] must be LogUniform, Uniform, "
                f"IntRange or Choice, got {dist!r}"
            )
    return space


def draw_params(spec, rng: random.Random) -> dict:
    """One random point of the model's space (a dict of hyperparameters)."""
    return {name: dist.draw(rng) for name, dist in check_space(spec).items()}


def describe_space(spec) -> dict[str, str]:
    """``{name: "log-uniform [1e-05, 0.001]"}``, for reports and ``--json``."""
    return {name: dist.describe() for name, dist in search_space(spec).items()}
