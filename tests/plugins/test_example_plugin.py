"""The example plugin genlab-wgan-gp, installed as a package, driven through the real CLI.

``scripts/setup.sh`` installs it; without it these tests are skipped. The ``evaluate`` and
``compare`` tests switch on by themselves once those commands exist.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata

import numpy as np
import pytest

from tests.conftest import fashion_available, run_cli

DIST = "genlab-wgan-gp"


def installed() -> bool:
    try:
        metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        return False
    return True


@cache
def has_command(name: str) -> bool:
    return run_cli(name, "--help").returncode == 0


pytestmark = [
    pytest.mark.skipif(
        not installed(), reason=f"{DIST} is not installed (pip install -e plugins/{DIST})"
    ),
]


@pytest.fixture(scope="module")
def wgan_run(tmp_path_factory):
    if not fashion_available():
        pytest.skip("Fashion-MNIST is not installed")
    out = tmp_path_factory.mktemp("wgan") / "run"
    result = run_cli(
        "run", "wgan_gp", "--dataset", "fashion", "--epochs", "1", "--limit", "512",
        "--out", out, "--no-eval",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_found_through_its_entry_point():
    result = run_cli("plugins", "--json", check=True)
    info = next(p for p in json.loads(result.stdout) if p["name"] == "wgan_gp")
    assert info["distribution"] == DIST and info["version"] == metadata.version(DIST)
    assert info["builtin"] is False and info["error"] is None
    assert info["hooks"] == ["register_models"] and info["registered"] == {"models": ["wgan_gp"]}

    listing = json.loads(run_cli("list", "--json", check=True).stdout)
    model = next(m for m in listing["models"] if m["name"] == "wgan_gp")
    assert model["plugin"] == "wgan_gp" and model["family"] == "gan"
    assert model["hparams"]["n_critic"] == 5 and model["hparams"]["gp_weight"] == 10.0


def test_run_leaves_a_complete_run_directory(wgan_run):
    status = json.loads((wgan_run / "status.json").read_text())
    config = json.loads((wgan_run / "config.json").read_text())
    assert status["state"] == "complete"
    assert config["model"] == "wgan_gp" and config["plugin"] == "wgan_gp"
    history = [json.loads(line) for line in (wgan_run / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1
    assert {"d_loss", "g_loss", "gp", "w_distance"} <= set(history[0])
    assert all(np.isfinite(history[0][k]) for k in ("d_loss", "gp", "w_distance"))
    assert {p.name for p in (wgan_run / "networks").iterdir()} == {
        "generator.keras",
        "critic.keras",
    }


def test_sample(wgan_run, tmp_path):
    result = run_cli("sample", wgan_run, "-n", "16", "-o", tmp_path / "a.npy", "--seed", "4")
    assert result.returncode == 0, result.stderr
    images = np.load(tmp_path / "a.npy")
    assert images.shape == (16, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0


def test_evaluate(wgan_run):
    if not has_command("evaluate"):
        pytest.skip("genlab evaluate does not exist yet")
    result = run_cli("evaluate", wgan_run, "--json", "-n", "500", "--no-reference")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["mse"] is None, "a GAN cannot reconstruct: n/a"
    assert metrics["fid"] is None or metrics["fid"] > 0
    assert json.loads((wgan_run / "metrics.json").read_text()) == metrics


def test_compare_with_a_builtin(tmp_path):
    if not has_command("compare"):
        pytest.skip("genlab compare does not exist yet")
    if not fashion_available():
        pytest.skip("Fashion-MNIST is not installed")
    result = run_cli(
        "compare", "wgan_gp", "dcgan", "--dataset", "fashion", "--epochs", "1", "--seeds", "1",
        "--limit", "128", "--batch-size", "64", "--no-eval", "--out", tmp_path / "cmp", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    comparison = json.loads(result.stdout)
    assert comparison["models"] == ["wgan_gp", "dcgan"]
    assert {r["model"]: r["state"] for r in comparison["runs"]} == {
        "wgan_gp": "complete",
        "dcgan": "complete",
    }
