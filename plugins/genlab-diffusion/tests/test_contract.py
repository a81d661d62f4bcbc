"""The genlab model contract, checked with genlab.testing: one test per check."""

import pytest
from genlab_diffusion import SPEC

from genlab.testing import ModelUnderTest, all_checks

CHECKS = list(all_checks())
#: A tiny U-Net and a short sampler keep the whole kit to seconds.
TINY = {"width": 8, "block_depth": 1, "embedding_dims": 8, "sampling_steps": 3}


@pytest.fixture(scope="module")
def subject():
    return ModelUnderTest(SPEC, overrides=TINY, steps=2)


@pytest.mark.parametrize("name, check", CHECKS, ids=[name for name, _ in CHECKS])
def test_contract(subject, name, check):
    check(subject)


def test_registered_through_the_entry_point():
    """Installed (pip install -e .), genlab finds the model by name; otherwise skip."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("genlab-diffusion")
    except PackageNotFoundError:
        pytest.skip("genlab-diffusion is not installed; pip install -e . to check its entry point")
    from genlab.testing import registered_models

    spec = next((s for s in registered_models() if s.name == "diffusion"), None)
    assert spec is not None and spec.build == SPEC.build
