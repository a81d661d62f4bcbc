"""Model hyperparameters from ``--set key=value`` overrides, checked against the model's config."""

from __future__ import annotations

import dataclasses
import typing

from genlab.errors import ConfigError
from genlab.specs import ModelConfig, ModelSpec

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
