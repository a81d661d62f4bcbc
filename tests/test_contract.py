"""The model contract (genlab.testing) for every registered model: built-ins and installed plugins.

Models are made small through their own hyperparameters (any field that sizes a layer), so the
whole registry is checked in about a minute on a CPU; no model is special-cased by name.

The same-seed check needs fresh interpreters: rather than two per model (as
``check_same_seed_same_first_step`` starts), two spawned interpreters fingerprint every model's
first step once, and each model's test compares its two fingerprints.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from genlab.config import field_types
from genlab.plugins import DISTRIBUTION, ENTRY_POINT_GROUP, get_plugin_manager
from genlab.testing import (
    ModelUnderTest,
    all_checks,
    check_same_seed_same_first_step,
    registered_models,
)
from tests import first_steps
from tests.contract_models import SPEC as PROBE

#: Hyperparameters that size layers; their defaults are capped to keep every model tiny.
SIZE_FIELDS = ("width", "hidden", "filters", "units", "channels", "base_filters", "embedding_dims")
CAP = 16
#: Hyperparameters that repeat work (blocks per level, sampler steps), capped harder.
REPEAT_FIELDS = {"block_depth": 1, "sampling_steps": 3}


def small_overrides(spec) -> dict:
    """Shrink every layer-size field of the model's config (ints and "a,b" size lists)."""
    defaults = spec.config()
    overrides = {}
    for name, kind in field_types(spec.config).items():
        value = getattr(defaults, name)
        if name in REPEAT_FIELDS and kind is int and value > REPEAT_FIELDS[name]:
            overrides[name] = REPEAT_FIELDS[name]
        if name not in SIZE_FIELDS:
            continue
        if kind is int and value > CAP:
            overrides[name] = CAP
        elif kind is str and all(p.strip().isdigit() for p in str(value).split(",")):
            overrides[name] = ",".join(str(min(int(p), CAP)) for p in str(value).split(","))
    return overrides


SPECS = registered_models()
#: Every check but the same-seed one, which test_same_seed_same_first_step makes for all at once.
CASES = [
    (spec.name, name, check)
    for spec in SPECS
    for name, check in all_checks()
    if check is not check_same_seed_same_first_step
]
_subjects: dict[str, ModelUnderTest] = {}
UNSEEDED = "contract_probe (unseeded noise)"


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


@pytest.fixture(scope="module")
def fresh_first_steps() -> list[dict[str, str]]:
    """Two fresh interpreters (spawned: nothing seeded here carries over), each fingerprinting
    the first training step of every model, with check_same_seed_same_first_step's arguments."""
    subjects = {}
    for spec in SPECS:
        m = ModelUnderTest(spec, overrides=small_overrides(spec), steps=2)
        params = {"spec": m.spec, "image_shape": m.image_shape, "overrides": m.overrides}
        subjects[spec.name] = {**params, "batch_size": m.batch_size, "seed": m.seed}
        try:
            pickle.dumps(subjects[spec.name])
        except Exception:  # noqa: BLE001 - skipped by its test, as the check skips it
            del subjects[spec.name]
    # a model with unseeded noise, to show that this pair of processes tells it apart
    probe = ModelUnderTest(PROBE, overrides={"defect": "unseeded_noise"})
    subjects[UNSEEDED] = {
        "spec": PROBE,
        "image_shape": probe.image_shape,
        "overrides": probe.overrides,
        "batch_size": 8,
        "seed": 0,
    }
    with ProcessPoolExecutor(
        2, mp_context=multiprocessing.get_context("spawn"), initializer=first_steps.set_env
    ) as pool:
        futures = [pool.submit(first_steps.fingerprints, subjects) for _ in range(2)]
        return [future.result(timeout=600) for future in futures]


@pytest.mark.parametrize("model", [spec.name for spec in SPECS])
def test_same_seed_same_first_step(model, fresh_first_steps):
    """check_same_seed_same_first_step's guarantee, for every model from one pair of processes:
    two fresh processes with the same seed end their first training step with the same
    weights."""
    prints = [found.get(model) for found in fresh_first_steps]
    if prints[0] is None:
        pytest.skip("the spec cannot be sent to another process")
    for found in prints:
        assert not found.startswith("error:"), f"the first step failed in a fresh process: {found}"
    assert prints[0] == prints[1], (
        "two fresh processes with the same seed ended the first step with different weights; "
        "draw noise from a keras.random.SeedGenerator (or seeded numpy Generator), never from "
        "unseeded np.random or Python's random"
    )


def test_the_fresh_processes_tell_unseeded_noise_apart(fresh_first_steps):
    a, b = (found[UNSEEDED] for found in fresh_first_steps)
    assert not a.startswith("error:") and a != b


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
