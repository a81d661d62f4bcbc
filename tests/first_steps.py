"""Run in fresh interpreters by ``test_contract.py``: every model's first-step fingerprint.

Importable by name, so a spawned process can run it; one process fingerprints every model, so
the fresh-process determinism of the whole registry costs two interpreters, not two per model.
"""

from __future__ import annotations

import os

#: The environment of genlab.testing's same-seed check.
ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_DETERMINISTIC_OPS": "1"}


def set_env() -> None:
    os.environ.update(ENV)


def fingerprints(subjects: dict[str, dict]) -> dict[str, str]:
    """``{model: fingerprint}`` of :func:`genlab.testing.first_step_fingerprint` for each set of
    :class:`~genlab.testing.ModelUnderTest` arguments, or ``error: ...`` where it failed."""
    from genlab.testing import first_step_fingerprint

    prints = {}
    for model, params in subjects.items():
        try:
            prints[model] = first_step_fingerprint(params)
        except Exception as exc:  # noqa: BLE001 - reported per model by the test
            prints[model] = f"error: {type(exc).__name__}: {exc}"
    return prints
