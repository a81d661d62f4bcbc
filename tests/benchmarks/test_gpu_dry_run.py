"""``benchmarks/gpu.py --dry-run``: every part of the GPU benchmark at toy sizes on the CPU.

The GPU benchmark runs once, on a machine without network, where a broken part costs the whole
attempt; this runs the same code paths here (the raw Keras+JAX step, genlab's runs, sampling,
a two-model compare) and checks that each part measured something and wrote its results.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "jax":
    pytest.skip(
        "runs in the JAX leg of the suite (scripts/test.sh, KERAS_BACKEND=jax)",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[2]
FASHION = Path("/usr/share/datasets/fashion-mnist")
PARTS = ("raw", "genlab", "epoch", "diffusion", "compare")


@pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").exists(), reason="Fashion-MNIST not installed"
)
def test_every_part_runs_at_toy_sizes_and_reports(tmp_path):
    out = tmp_path / "gpu"
    result = subprocess.run(
        [
            sys.executable,
            ROOT / "benchmarks" / "gpu.py",
            "--dry-run",
            "--data-dir",
            FASHION,
            "--out",
            out,
            "--precisions",
            "bf16",  # the GPU's precision; float32 is what every other test trains in
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((out / "results.json").read_text())
    assert data["dry_run"] is True
    assert list(data["parts"]) == list(PARTS)
    assert "| part | case | measured | goal | met |" in (out / "results.md").read_text()
    assert "Results (" in result.stdout

    raw = data["parts"]["raw"]
    assert raw["status"] == "ok", raw.get("error")
    assert {(r["precision"], r["batch"]) for r in raw["rows"]} == {("bf16", 8)}
    assert all(r["images_per_s"] > 0 and r["finite"] for r in raw["rows"])

    for name in PARTS[1:]:
        part = data["parts"][name]
        assert part["status"] == "ok", f"{name}: {part.get('error')}"
    genlab = data["parts"]["genlab"]["rows"]
    assert [(r["precision"], r["batch"]) for r in genlab] == [("bf16", 8)]
    assert all(r["images_per_s"] > 0 and r["ratio"] > 0 for r in genlab)
    assert [r["policy"] for r in genlab] == ["mixed_bfloat16"]
    epochs = data["parts"]["epoch"]["rows"]
    assert [r["batch"] for r in epochs] == [16, 32]  # dcgan's default batch, then the one asked
    assert all(r["train_seconds"] > 0 and r["eval_seconds"] is not None for r in epochs)
    diffusion = data["parts"]["diffusion"]
    assert diffusion["images_per_s"] > 0 and diffusion["eval_sample_ms_per_image"] > 0
    assert diffusion["sample_wall_seconds"] > 0 and diffusion["sample_ms_per_image"] > 0
    assert diffusion["sampling_steps"] == 20
    compare = data["parts"]["compare"]
    assert compare["runs_complete"] == compare["runs"] == 2
