"""Real training: a broken and a diverging model do not stop the others; a rerun reuses."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from rich.console import Console

from genlab import ModelSpec, hookimpl
from genlab.comparison.compare import run_comparison
from genlab.comparison.plan import make_plan
from genlab.comparison.report import write_reports
from tests.conftest import registered_plugin

pytest.importorskip("genlab_models.dcgan")
from genlab_models.dcgan.config import DCGANConfig  # noqa: E402


@dataclasses.dataclass(frozen=True)
class TinyConfig(DCGANConfig):
    width: int = 4
    latent_dim: int = 8


@dataclasses.dataclass(frozen=True)
class ExplodingConfig(TinyConfig):
    lr: float = 1e30


def _refuse(config, image_shape):
    raise RuntimeError("this model refuses to be built")


class _TestModels:
    @hookimpl
    def register_models(self, register):
        common = {"family": "gan", "default_batch_size": 64}
        dcgan = "genlab_models.dcgan.model:build"
        register(ModelSpec("cmp_tiny", "tiny dcgan", build=dcgan, config=TinyConfig, **common))
        register(ModelSpec("cmp_boom", "diverges", build=dcgan, config=ExplodingConfig, **common))
        register(ModelSpec("cmp_broken", "cannot be built", build=_refuse, **common))


@pytest.fixture
def compare_models():
    with registered_plugin(_TestModels(), "compare-test-models"):
        yield


def test_failures_are_recorded_and_the_others_still_run(compare_models, tmp_path, fashion):
    console = Console(record=True, width=200)
    options = {"epochs": 1, "limit": 128, "evaluate": False}
    plan = make_plan(["cmp_broken", "cmp_boom", "cmp_tiny"], seeds=1, out=tmp_path, **options)
    comparison = run_comparison(plan, console=console)
    states = {r.model: r.state for r in comparison.results}
    assert states == {"cmp_broken": "failed", "cmp_boom": "diverged", "cmp_tiny": "complete"}
    errors = {r.model: r.error for r in comparison.results}
    assert "refuses to be built" in errors["cmp_broken"]
    assert "non-finite" in errors["cmp_boom"]
    log = console.export_text(clear=False)
    assert "[1/3] cmp_broken seed 0: training" in log and "[3/3] cmp_tiny seed 0" in log
    assert comparison.model_mark("cmp_boom") == "1/1 diverged"
    saved = json.loads((tmp_path / "comparison.json").read_text())
    assert saved["aggregate"]["cmp_tiny"]["training"]["epochs"]["mean"] == 1

    again = run_comparison(plan, console=console)  # same plan: finished runs are reused
    log = console.export_text(clear=False)
    assert re.search(r"cmp_tiny seed 0: reused finished run .*cmp_tiny-s0 \(complete\)", log)
    assert "cmp_boom seed 0: reused finished run" in log
    assert {r.model: r.reused for r in again.results}["cmp_tiny"] is True
    assert write_reports(again)["html"].is_file()
