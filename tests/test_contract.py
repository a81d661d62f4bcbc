"""The model contract (genlab.testing) for every registered model: built-ins and installed plugins.

Models are made small through their own hyperparameters (any field that sizes a layer), so the
whole registry is checked in about a minute on a CPU; no model is special-cased by name.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util

import pytest

from genlab.config import field_types
from genlab.plugins import DISTRIBUTION, ENTRY_POINT_GROUP, get_plugin_manager
from genlab.testing import ModelUnderTest, all_checks, registered_models

#: Hyperparameters that size layers; their defaults are capped to keep every model tiny.
SIZE_FIELDS = ("width", "hidden", "filters", "units", "channels", "base_filters")
CAP = 16


def small_overrides(spec) -> dict:
    """Shrink every layer-size field of the model's config (ints and "a,b" size lists)."""
    defaults = spec.config()
    overrides = {}
    for name, kind in field_types(spec.config).items():
        if name not in SIZE_FIELDS:
            continue
        value = getattr(defaults, name)
        if kind is int and value > CAP:
            overrides[name] = CAP
        elif kind is str and all(p.strip().isdigit() for p in str(value).split(",")):
            overrides[name] = ",".join(str(min(int(p), CAP)) for p in str(value).split(","))
    return overrides


SPECS = registered_models()
CASES = [(spec.name, name, check) for spec in SPECS for name, check in all_checks()]
_subjects: dict[str, ModelUnderTest] = {}


def subject(model: str) -> ModelUnderTest:
    """One subject per model, reused by its checks; the previous model's is let go."""
    if model not in _subjects:
        _subjects.clear()
        spec = next(s for s in SPECS if s.name == model)
        _subjects[model] = ModelUnderTest(spec, overrides=small_overrides(spec), steps=2)
    return _subjects[model]


@pytest.mark.parametrize("model, check_name, check", CASES, ids=[f"{m}-{n}" for m, n, _ in CASES])
def test_contract(model, check_name, check):
    check(subject(model))


def test_every_available_builtin_loads():
    """A built-in whose module exists must load: a broken one would drop out of this file."""
    failures = [
        f"{info.name}: {info.error}"
        for info in get_plugin_manager().infos.values()
        if info.builtin and info.error and importlib.util.find_spec(info.name) is not None
    ]
    assert not failures, failures
    shipped = {
        ep.name
        for ep in importlib.metadata.distribution(DISTRIBUTION).entry_points
        if ep.group == ENTRY_POINT_GROUP
    }
    assert len(shipped) >= 7, "the built-in models are entry points of the genlab distribution"
    assert shipped <= {name for name, i in get_plugin_manager().infos.items() if i.builtin}
