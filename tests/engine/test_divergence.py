"""The divergence guard: its rule, replayed on recorded real loss traces, and a real blow-up.

``benchmarks/results/loss-traces.json`` holds the per-step losses of every built-in model at its
defaults on full Fashion-MNIST (``benchmarks/loss_traces.py``) and of DCGAN at ``lr=1e6``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from genlab.engine.callbacks import GROWTH_LIMIT, DivergenceGuard, divergence
from genlab.run_dir import RunDir
from tests.conftest import run_cli

TRACES = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "loss-traces.json"


def _replay(losses: dict[str, list[float]], steps_per_epoch: int = 10**9):
    """Feed a trace to a real guard as Keras would; return the guard."""
    guard = DivergenceGuard()
    guard.set_model(SimpleNamespace(stop_training=False))
    n = max(map(len, losses.values()))
    for i in range(n):
        epoch, batch = divmod(i, steps_per_epoch)
        if batch == 0:
            guard.on_epoch_begin(epoch)
        guard.on_train_batch_end(batch, {k: v[i] for k, v in losses.items() if i < len(v)})
        if guard.model.stop_training:
            break
    return guard


def test_rule():
    assert divergence(0.69, 0.69) is None
    assert divergence(0.69, 999.0) is None  # floor of 1: 1000 x max(1, 0.69)
    assert "grew to 1e+03" in divergence(0.69, 1001.0)
    assert divergence(550.0, 5.4e5) is None  # a large loss may grow 1000-fold first
    assert divergence(550.0, 5.6e5) is not None
    assert divergence(0.0, -999.0) is None and divergence(0.0, -1001.0) is not None
    assert divergence(1.0, math.nan) == "became non-finite"
    assert divergence(1.0, -math.inf) == "became non-finite"
    assert GROWTH_LIMIT == 1000.0  # docs/reliability.md states this number


def test_guard_names_the_loss_and_the_step_of_the_run():
    losses = {"d_loss": [1.4, 1.3, 1.2, 1.2e3, 3e24], "g_loss": [0.7, 0.8, 0.9, 1.0, 1.1]}
    guard = _replay(losses, steps_per_epoch=3)
    assert guard.where == (2, 2, "d_loss") and guard.reason.startswith("grew to 3e+24")
    resumed = DivergenceGuard()  # a resumed epoch: steps count from where it resumed
    resumed.set_model(SimpleNamespace(stop_training=False))
    resumed.offset = 5
    resumed.on_epoch_begin(1)
    resumed.on_train_batch_end(0, {"loss": 0.1})
    resumed.on_train_batch_end(1, {"loss": math.nan})
    assert resumed.where == (2, 7, "loss") and resumed.model.stop_training


@pytest.fixture(scope="module")
def traces():
    data = json.loads(TRACES.read_text())
    return {(t["model"], json.dumps(t["overrides"])): t for t in data["traces"]}


BUILTINS = ("stacked_ae", "conv_ae", "denoising_ae", "sparse_ae", "vae", "gan", "dcgan")


@pytest.mark.parametrize("model", BUILTINS)
def test_no_alarm_on_real_traces_at_defaults(traces, model):
    trace = traces[(model, "{}")]
    assert trace["state"] == "complete"
    steps = max(map(len, trace["losses"].values()))
    assert steps >= 100, "the recorded trace is too short to mean anything"
    guard = _replay(trace["losses"])
    assert guard.where is None, (model, guard.where, guard.reason)


def test_real_blow_up_is_caught_early(traces):
    trace = traces[("dcgan", json.dumps({"lr": 1e6}))]
    guard = _replay(trace["losses"])
    assert guard.where is not None and guard.where[1] <= 5, guard.where
    assert guard.reason.startswith("grew to")  # finite, so only the growth rule catches it


def test_dcgan_at_lr_1e6_exits_3_with_one_line(tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        "run", "dcgan", "--lr", "1e6", "--epochs", "1", "--limit", "1024", "--out", out
    )
    assert result.returncode == 3, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "training diverged: d_loss grew to" in errors[0] and "epoch 1, step" in errors[0]
    status = RunDir(out).status
    assert status["state"] == "diverged" and status["loss"] == "d_loss"
    assert status["error"] in errors[0]  # what compare and tune show for this run
    assert not (out / "model.npz").exists()
