"""The contract checks catch what they promise to: each one fails on a model with that defect."""

from __future__ import annotations

import pytest

from genlab.testing import (
    ModelUnderTest,
    check_every_network_trains,
    check_fit,
    check_float32_outputs_under_mixed_precision,
    check_same_seed_same_first_step,
    check_sampling_networks,
)
from tests.contract_models import SPEC


def probe(defect: str = "none") -> ModelUnderTest:
    return ModelUnderTest(SPEC, overrides={"defect": defect}, steps=2)


def test_a_sound_model_passes():
    subject = probe()
    check_fit(subject)
    check_every_network_trains(subject)
    check_float32_outputs_under_mixed_precision(subject)
    check_sampling_networks(subject)


def test_a_network_the_train_step_never_updates_is_caught():
    subject = probe("frozen_discriminator")
    check_fit(subject)  # the generator changed, so the old check passes
    with pytest.raises(AssertionError, match=r"\['discriminator'\] did not change"):
        check_every_network_trains(subject)


def test_an_output_left_in_bfloat16_is_caught():
    with pytest.raises(AssertionError, match="bfloat16"):
        check_float32_outputs_under_mixed_precision(probe("bfloat16_output"))


def test_unseeded_noise_is_caught_in_two_fresh_processes():
    with pytest.raises(AssertionError, match="different weights"):
        check_same_seed_same_first_step(probe("unseeded_noise"))


def test_a_sampler_that_names_no_sampling_networks_is_caught():
    """The hole --ema fell through: nothing to average, and nothing said so."""
    with pytest.raises(AssertionError, match="names no network"):
        check_sampling_networks(probe("no_sampling_networks"))


def test_sampling_networks_that_sample_does_not_run_are_caught():
    with pytest.raises(AssertionError, match="not the networks it runs"):
        check_sampling_networks(probe("wrong_sampling_networks"))
