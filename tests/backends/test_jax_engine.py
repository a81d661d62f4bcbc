"""The JAX training loop (genlab.engine.jax_loop). Runs in the JAX leg of the suite
(``KERAS_BACKEND=jax``, see .ci/run); skipped when Keras runs on another backend."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")
if keras.backend.backend() != "jax":
    pytest.skip(
        "Keras runs on another backend (the JAX leg sets KERAS_BACKEND=jax)",
        allow_module_level=True,
    )

from genlab import GenerativeModel  # noqa: E402
from genlab.errors import PluginError  # noqa: E402
from genlab.testing import ModelUnderTest, synthetic_images  # noqa: E402
from tests.conftest import run_cli  # noqa: E402

TINY_DCGAN = {"width": 8, "latent_dim": 16}


def _steps(steps_per_call):
    import jax

    from genlab.engine.jax_loop import JaxSteps, epoch_order

    model = ModelUnderTest("dcgan", overrides=TINY_DCGAN).build()
    images = synthetic_images(64, seed=1)
    steps = JaxSteps(model, model.state_variables(), images, 8, (-1.0, 1.0), steps_per_call)
    return model, steps, jax.device_put(epoch_order(len(images), 0, 0))


def _state(model):
    return [np.asarray(v.numpy()).copy() for v in model.state_variables()]


def test_where_calls_begin_and_end_does_not_change_the_result():
    """Several steps a call: 4+2 steps and 1+3+2 steps end in the same state, bit for bit, as
    a resumed run must (its calls begin at the checkpoint, not where the first run's did)."""
    a, steps_a, order = _steps(4)
    steps_a.run(order, 0, 4)
    steps_a.run(order, 4, 2)
    b, steps_b, order = _steps(4)
    for start, count in ((0, 1), (1, 3), (4, 2)):
        steps_b.run(order, start, count)
    for x, y in zip(_state(a), _state(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert int(a.g_optimizer.iterations.numpy()) == 6


def test_state_is_written_back_after_every_call():
    model, steps, order = _steps(1)
    before = _state(model)
    logs = steps.run(order, 0, 1)
    after = _state(model)
    assert set(logs) == {"d_loss", "g_loss", "d_real_acc"}
    changed = sum(not np.array_equal(x, y) for x, y in zip(before, after, strict=True))
    assert changed > len(before) // 2  # weights, slots, seeds, trackers


def test_a_tensorflow_tape_model_is_refused_with_the_fix():
    class TapeModel(GenerativeModel):
        def train_step(self, data):
            self.apply_loss(None, 0.0, self, None)

    with pytest.raises(PluginError, match="--backend tensorflow.*self.minimize"):
        TapeModel(None, (28, 28, 1)).train_step(None)


def test_run_trains_evaluates_and_resumes_on_jax(tmp_path):
    """`genlab run --backend jax` end to end, and an interrupted run resumed from its epoch-1
    checkpoint ends with exactly the weights of an uninterrupted one."""
    common = ["--limit", "256", "--batch-size", "32", "--set", "width=8", "--curve", "0"]
    full = tmp_path / "full"
    result = run_cli(
        "run",
        "dcgan",
        "--backend",
        "jax",
        "--epochs",
        "2",
        "--eval-n",
        "200",
        "--out",
        full,
        *common,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads((full / "config.json").read_text())
    assert config["backend"] == "jax" and config["device"]["backend"] == "jax"
    metrics = json.loads((full / "metrics.json").read_text())
    assert np.isfinite(metrics["fid"]) and metrics["fid"] > 0

    half = tmp_path / "half"
    args = ("run", "dcgan", "--no-eval", "--out", half, *common)
    assert run_cli(*args, "--epochs", "1").returncode == 0
    assert run_cli(*args, "--epochs", "2", "--resume").returncode == 0
    a, b = np.load(full / "model.npz"), np.load(half / "model.npz")
    assert sorted(a.files) == sorted(b.files)
    for name in a.files:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)

    evaluated = run_cli("evaluate", full, "--json", "-n", "200")
    assert evaluated.returncode == 0, evaluated.stderr


def test_mirrored_splits_each_batch_across_devices_with_the_same_result(tmp_path):
    """``--strategy mirrored`` on JAX: data parallel over every device (two CPU devices here),
    the batch split between them; the weights match one device on the whole batch."""
    import os
    import subprocess
    import sys

    common = ["--backend", "jax", "--epochs", "1", "--limit", "512", "--no-eval", "--curve", "0"]
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    both = tmp_path / "both"
    cmd = [sys.executable, "-m", "genlab", "run", "stacked_ae", *common]
    done = subprocess.run(
        [*cmd, "--strategy", "mirrored", "--batch-size", "16", "--out", str(both)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    device = json.loads((both / "config.json").read_text())["device"]
    assert device["replicas"] == 2 and device["strategy"] == "mirrored"
    one = tmp_path / "one"
    assert run_cli("run", "stacked_ae", *common, "--batch-size", "32", "--out", one).returncode == 0
    a, b = np.load(both / "model.npz"), np.load(one / "model.npz")
    for name in a.files:
        if a[name].dtype.kind == "f":
            np.testing.assert_allclose(a[name], b[name], atol=1e-5, err_msg=name)


def test_multiworker_is_refused_on_jax(tmp_path):
    result = run_cli("run", "stacked_ae", "--strategy", "multiworker", "--out", tmp_path / "r")
    assert result.returncode == 2
    assert "--strategy multiworker needs the tensorflow backend" in result.stderr
