"""What defines a run, and its one check.

* :class:`RunConfig`: one training run, as :func:`genlab.run.run_one` takes it (``config.json``
  records it); :meth:`RunConfig.validate` is the one place run options are checked.
* :class:`RunOptions`: the options many runs share (a comparison, a search); extended by
  :class:`genlab.comparison.plan.Plan` and :class:`genlab.search.study.SearchOptions`, and the
  only thing that builds a :class:`RunConfig` (:meth:`RunOptions.run_config`).
* ``--set key=value`` overrides checked against a model's config dataclass.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

from genlab.errors import ConfigError
from genlab.specs import ModelConfig, ModelSpec

#: Epochs of every run of a comparison or a search without ``--epochs`` or ``--budget-minutes``.
DEFAULT_EPOCHS = 5
#: With only ``--budget-minutes`` or ``--images``, the budget ends training; this caps epochs.
BUDGET_EPOCH_CAP = 10_000
#: Samples per quality-curve point (``--curve``; at most ``--eval-n``), see evaluation/curve.py.
DEFAULT_CURVE_N = 2000
#: Images seen at the first curve point (``--curve-from``); the next points double it.
CURVE_FROM = 4096

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["lr=1e-3", "width=32"]`` -> ``{"lr": "1e-3", "width": "32"}``."""
    result = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {item!r}")
        result[key.strip().replace("-", "_")] = value.strip()
    return result


def _convert(key: str, value, kind):
    if not isinstance(value, str):
        return value
    try:
        if kind is bool:
            lowered = value.lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError
            return lowered in _TRUE
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
    except ValueError:
        raise ConfigError(f"--set {key}={value!r}: expected {kind.__name__}") from None
    return value


def field_types(config_cls: type[ModelConfig]) -> dict[str, type]:
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints.get(f.name, str) for f in dataclasses.fields(config_cls)}


def make_model_config(spec: ModelSpec, overrides: dict | None = None) -> ModelConfig:
    """The spec's config with ``overrides`` applied; unknown keys and bad values are rejected."""
    types = field_types(spec.config)
    values = {}
    for key, value in (overrides or {}).items():
        if key not in types:
            valid = ", ".join(sorted(types))
            raise ConfigError(
                f"unknown --set key {key!r} for model {spec.name!r}; valid keys: {valid}"
            )
        kind = types[key]
        values[key] = _convert(key, value, kind if kind in (bool, int, float) else str)
    config = spec.config(**values)
    for key, kind in types.items():
        value = getattr(config, key)
        if kind in (int, float) and isinstance(value, (int, float)) and value < 0:
            raise ConfigError(f"--set {key}={value}: must not be negative")
    return config


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
    backend: str | None = None  # None: GENLAB_BACKEND, KERAS_BACKEND, else tensorflow
    overrides: dict[str, Any] = field(default_factory=dict)
    resume: bool = False
    evaluate: bool = True
    eval_samples: int = 10_000
    budget_minutes: float | None = None
    images: int | None = None
    grids: bool = True
    image_shape: str | None = None
    track_fid: int = 0
    curve: int = DEFAULT_CURVE_N
    curve_from: int = CURVE_FROM
    #: What the curve is scored against: "test" (the test split, as the final evaluation) or
    #: "holdout" (the search's held-out training images: a trial, even without --eval).
    curve_on: str = "test"
    val_fraction: float | None = None  # None: the model's default (genlab.data.split)
    ema: float | None = None  # None: the model's default (ModelSpec.default_ema); 0: no average

    def validate(self):
        """Check every option before anything heavy happens; the model's spec and config.

        The one place run options are checked: ``genlab run``, every run of ``genlab compare``
        and anything else that trains goes through here, so they accept and refuse the same.
        """
        from genlab.config import make_model_config
        from genlab.engine.device import DEVICES, STRATEGIES
        from genlab.errors import ConfigError
        from genlab.registry import get_model

        for name in ("epochs", "batch_size", "limit", "eval_samples", "images", "curve_from"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                flag = "--eval-n" if name == "eval_samples" else "--" + name.replace("_", "-")
                raise ConfigError(f"{flag} must be a positive integer, got {value}")
        for flag, n in (("--track-fid", self.track_fid), ("--curve", self.curve)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ConfigError(f"{flag} must be a number of samples (>= 0), got {n}")
        from genlab.data.split import check_fraction

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
        import genlab.backends as backends

        self.backend = backends.select(self.backend)
        spec = get_model(self.model)
        return spec, make_model_config(spec, self.overrides)

    def curve_record(self) -> dict:
        """What ``config.json`` records of the quality curve: samples per point (at most
        ``--eval-n``) and the first point; empty when the run records none."""
        if not self.curve or (self.curve_on == "test" and not self.evaluate):
            return {}
        record = {"curve": min(self.curve, self.eval_samples), "curve_from": self.curve_from}
        return record if self.curve_on == "test" else {**record, "curve_on": self.curve_on}


@dataclass(kw_only=True)
class RunOptions:
    """Options that every run made from them gets unchanged: data, budget, device, evaluation.

    ``genlab run`` uses them for its one run (``epochs`` None: the model's own default);
    options shared by several runs (:attr:`shared` True, as in a comparison or a search) give
    every model the same number of epochs, :data:`DEFAULT_EPOCHS` unless told otherwise.
    """

    dataset: str = "fashion"
    epochs: int | None = None
    budget_minutes: float | None = None
    limit: int | None = None
    batch_size: int | None = None
    data_dir: str | None = None
    device: str = "auto"
    strategy: str = "default"
    backend: str | None = None
    evaluate: bool = True
    eval_samples: int = 10_000
    images: int | None = None
    track_fid: int = 0
    curve: int = DEFAULT_CURVE_N
    curve_from: int = CURVE_FROM
    ema: float | None = None  # None: the model's default; 0: no weight average

    #: True for options shared by several runs: one epoch count for every model.
    shared: ClassVar[bool] = False

    @property
    def run_epochs(self) -> int | None:
        """The epochs each run is given: ``--epochs``; with only a budget (``--images``,
        ``--budget-minutes``) a cap the budget ends first, for one run as for many; else the
        model's default for one run, :data:`DEFAULT_EPOCHS` for many."""
        if self.epochs is not None:  # an explicit one, checked (0 too) by RunConfig.validate
            return self.epochs
        if self.budget_minutes or self.images:
            return BUDGET_EPOCH_CAP
        return DEFAULT_EPOCHS if self.shared else None

    def budget_text(self, per: str = "run") -> str:
        """``"2 min of training per run (at most 3 epochs)"`` or ``"5 epochs per run"``."""
        if self.budget_minutes:
            cap = f" (at most {self.epochs} epochs)" if self.epochs else ""
            return f"{self.budget_minutes:g} min of training per {per}{cap}"
        if self.images:
            cap = f" (at most {self.epochs} epochs)" if self.epochs else ""
            return f"{self.images:,} training images per {per}{cap}"
        epochs = self.run_epochs
        if epochs is None:
            return f"each model's default epochs per {per}"
        return f"{epochs} epoch{'s' if epochs > 1 else ''} per {per}"

    def run_config(self, model: str, *, seed: int = 0, out=None, **specific) -> RunConfig:
        """The :class:`RunConfig` of one run made with these options; ``specific`` sets what
        only this run has (``resume``, ``overrides``, ``grids``, a narrower ``limit``, ...)."""
        shared = {f.name: getattr(self, f.name) for f in dataclasses.fields(RunOptions)}
        shared["epochs"] = self.run_epochs
        out = None if out is None else str(out)
        return RunConfig(model, seed=seed, out=out, **{**shared, **specific})
