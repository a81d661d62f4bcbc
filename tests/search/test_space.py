"""Search spaces: draws stay inside their declared ranges and make valid configs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar

import pytest

from genlab import ConfigError, ModelConfig, ModelSpec
from genlab.search.space import (
    Choice,
    IntRange,
    LogUniform,
    Uniform,
    check_space,
    describe_space,
    draw_params,
    search_space,
)


@dataclass(frozen=True)
class _Config(ModelConfig):
    width: int = 64
    beta: float = 1.0
    kind: str = "a"

    search_space: ClassVar[dict] = {
        "lr": LogUniform(1e-5, 1e-2),
        "beta": Uniform(0.0, 0.9),
        "width": Choice(16, 32, 64),
        "kind": Choice("a", "b"),
    }


@dataclass(frozen=True)
class _Wider(_Config):
    depth: int = 2

    search_space: ClassVar[dict] = {**_Config.search_space, "depth": IntRange(1, 4)}


def _spec(config=_Config, name="toy"):
    return ModelSpec(name=name, description="", family="gan", build="x:y", config=config)


def test_draws_stay_in_range_and_cover_it():
    rng = random.Random(0)
    lrs = [LogUniform(1e-5, 1e-2).draw(rng) for _ in range(2000)]
    assert min(lrs) >= 1e-5 and max(lrs) <= 1e-2
    # log-uniform: about a third of the draws in each decade
    assert 0.25 < sum(lr < 1e-4 for lr in lrs) / len(lrs) < 0.42
    ints = [IntRange(1, 4).draw(rng) for _ in range(400)]
    assert set(ints) == {1, 2, 3, 4}
    logints = [IntRange(1, 64, log=True).draw(rng) for _ in range(400)]
    assert min(logints) >= 1 and max(logints) <= 64 and sum(v < 8 for v in logints) > 100
    assert {Choice("x", "y").draw(rng) for _ in range(50)} == {"x", "y"}
    betas = [Uniform(0.0, 0.9).draw(rng) for _ in range(200)]
    assert min(betas) >= 0.0 and max(betas) <= 0.9


def test_subclass_inherits_and_extends_the_space():
    spec = _spec(_Wider)
    assert set(search_space(spec)) == {"lr", "beta", "width", "kind", "depth"}
    for seed in range(20):
        params = draw_params(spec, random.Random(seed))
        config = spec.config(**params)
        assert config.width in (16, 32, 64) and 1 <= config.depth <= 4
    assert describe_space(spec)["lr"] == "log-uniform [1e-05, 0.01]"


def test_no_space_is_empty():
    spec = _spec(ModelConfig)
    assert search_space(spec) == {} and draw_params(spec, random.Random(0)) == {}


def test_unknown_field_and_bad_distribution_are_named():
    @dataclass(frozen=True)
    class Typo(ModelConfig):
        search_space: ClassVar[dict] = {"learning_rate": LogUniform(1e-4, 1e-3)}

    with pytest.raises(ConfigError, match="'learning_rate', which is not a field"):
        check_space(_spec(Typo))

    @dataclass(frozen=True)
    class NotADistribution(ModelConfig):
        search_space: ClassVar[dict] = {"lr": (1e-4, 1e-3)}

    with pytest.raises(ConfigError, match="must be LogUniform, Uniform, IntRange or Choice"):
        check_space(_spec(NotADistribution))


def test_bad_bounds_are_refused():
    with pytest.raises(ValueError):
        LogUniform(0.0, 1.0)
    with pytest.raises(ValueError):
        Uniform(1.0, 1.0)
    with pytest.raises(ValueError):
        Choice("only")


def test_suggest_goes_through_optuna():
    optuna = pytest.importorskip("optuna")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    trial = study.ask()
    values = {name: dist.suggest(trial, name) for name, dist in _Wider.search_space.items()}
    assert set(values) == set(_Wider.search_space)
    assert 1e-5 <= values["lr"] <= 1e-2 and values["width"] in (16, 32, 64)
    assert 1 <= values["depth"] <= 4 and isinstance(values["depth"], int)


def test_contract_kit_checks_that_draws_are_valid_configs():
    from genlab.testing import ModelUnderTest, check_search_space

    @dataclass(frozen=True)
    class WrongType(ModelConfig):
        width: int = 64

        search_space: ClassVar[dict] = {"width": Choice("32", "64")}

    with pytest.raises(AssertionError, match="drew '(32|64)', but the field is int"):
        check_search_space(ModelUnderTest(_spec(WrongType)))

    @dataclass(frozen=True)
    class Invalid(ModelConfig):
        width: int = 64

        search_space: ClassVar[dict] = {"width": IntRange(-4, 4)}

        def __post_init__(self):
            if self.width < 1:
                raise ConfigError(f"--set width={self.width}: must be at least 1")

    with pytest.raises(ConfigError, match="must be at least 1"):
        check_search_space(ModelUnderTest(_spec(Invalid)))
    check_search_space(ModelUnderTest(_spec(_Wider)))
