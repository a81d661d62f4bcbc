"""The genlab model contract, checked with genlab.testing: one test per check."""

import pytest
from genlab_wgan_gp import SPEC

from genlab.testing import ModelUnderTest, all_checks

CHECKS = list(all_checks())


@pytest.fixture(scope="module")
def subject():
    return ModelUnderTest(SPEC, overrides={"width": 8, "latent_dim": 16}, steps=2)


@pytest.mark.parametrize("name, check", CHECKS, ids=[name for name, _ in CHECKS])
def test_contract(subject, name, check):
    check(subject)


def test_registered_through_the_entry_point():
    """Installed (pip install -e .), genlab finds the model by name; otherwise skip."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("genlab-wgan-gp")
    except PackageNotFoundError:
        pytest.skip("genlab-wgan-gp is not installed; pip install -e . to check its entry point")
    from genlab.testing import registered_models

    spec = next((s for s in registered_models() if s.name == "wgan_gp"), None)
    assert spec is not None and spec.build == SPEC.build
