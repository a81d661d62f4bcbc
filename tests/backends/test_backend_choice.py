"""Choosing the Keras backend: the order of --backend, GENLAB_BACKEND and KERAS_BACKEND, and one
line with the fix (exit 2) for a backend that is missing or that Keras cannot switch to."""

from __future__ import annotations

import pytest

from genlab import backends
from genlab.errors import MissingDependencyError, UsageError
from tests.conftest import run_cli


def test_explicit_beats_genlab_backend_beats_keras_backend(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert backends.requested() == "torch"
    monkeypatch.setenv("GENLAB_BACKEND", "jax")
    assert backends.requested() == "jax"
    assert backends.requested("TF") == "tensorflow"
    monkeypatch.delenv("GENLAB_BACKEND")
    monkeypatch.delenv("KERAS_BACKEND")
    assert backends.requested() == "tensorflow"


def test_an_unknown_backend_is_refused():
    with pytest.raises(UsageError, match="--backend must be one of tensorflow, jax, torch"):
        backends.normalize("mxnet")


def test_a_missing_backend_names_its_install_command(monkeypatch):
    monkeypatch.setattr(backends, "installed", lambda name: name == "tensorflow")
    with pytest.raises(MissingDependencyError, match="pip install torch"):
        backends.select("torch")


@pytest.mark.skipif(backends.installed("torch"), reason="PyTorch is installed here")
def test_run_with_a_missing_backend_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", "stacked_ae", "--backend", "torch", "--epochs", "1", "--out", out)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install torch" in lines[0], result.stderr
    assert not out.exists()  # nothing written


def test_keras_cannot_switch_backend_in_a_running_process(monkeypatch):
    import keras

    running = keras.backend.backend()
    other = next(b for b in backends.BACKENDS if b != running)
    monkeypatch.setattr(backends, "installed", lambda name: True)
    with pytest.raises(UsageError, match=f"GENLAB_BACKEND={other}"):
        backends.select(other)


def test_resume_refuses_another_backend(tmp_path):
    """A run records its backend; resuming it on another one is refused before anything is
    written (the same seed on another backend is another run)."""
    import json

    from genlab.run import IDENTITY_KEYS, identity_differences

    recorded = {"backend": "jax"}
    assert "backend" in IDENTITY_KEYS
    assert identity_differences(recorded, {"backend": "tensorflow"}) == ["backend"]
    # runs made before genlab had backends were trained on TensorFlow
    assert identity_differences({}, {"backend": "tensorflow"}) == []

    out = tmp_path / "run"
    args = ["run", "stacked_ae", "--epochs", "1", "--limit", "256", "--no-eval", "--out", out]
    assert run_cli(*args, "--curve", "0").returncode == 0
    config = json.loads((out / "config.json").read_text())
    assert config["backend"] == "tensorflow"
    config["backend"] = "jax"  # as if it had been trained on JAX
    (out / "config.json").write_text(json.dumps(config))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = run_cli(*args, "--curve", "0", "--resume")
    assert result.returncode == 2, result.stderr
    assert "trained on the jax backend" in result.stderr and "--backend jax" in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_comparison_refuses_to_replace_a_run_of_another_backend(tmp_path):
    import json

    from genlab.errors import ConfigError
    from genlab.execution.pipeline import decide

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"model": "gan", "backend": "jax"}))
    (run / "status.json").write_text(json.dumps({"state": "complete"}))
    expected = {"model": "gan", "backend": "tensorflow"}
    with pytest.raises(ConfigError, match="made on the jax backend.*--backend jax"):
        decide(run, expected)
    assert decide(run, {**expected, "backend": "jax"})[0] == "reuse"
    assert decide(run, expected, reuse=False)[0] == "fresh"  # --no-reuse: replaced on purpose
