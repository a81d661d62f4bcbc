"""The pure-Python half of the device plan: TF_CONFIG, run directories, environment overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genlab.engine import device
from genlab.errors import UsageError


def _tf_config(monkeypatch, cluster, task):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))


def test_single_process_strategies_are_always_the_chief(monkeypatch):
    _tf_config(monkeypatch, {"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 1})
    for strategy in ("default", "mirrored"):
        assert device.worker_task(strategy)[2]
        assert device.worker_run_dir(Path("runs/x"), strategy) == Path("runs/x")


def test_worker_zero_is_the_chief_when_the_cluster_has_no_chief(monkeypatch):
    cluster = {"worker": ["a:1", "b:1"]}
    _tf_config(monkeypatch, cluster, {"type": "worker", "index": 0})
    assert device.worker_task("multiworker") == ("worker", 0, True)
    assert device.worker_run_dir(Path("runs/x"), "multiworker") == Path("runs/x")
    _tf_config(monkeypatch, cluster, {"type": "worker", "index": 1})
    assert device.worker_task("multiworker") == ("worker", 1, False)
    assert device.worker_run_dir(Path("runs/x"), "multiworker") == Path("runs/x/workers/worker-1")


def test_a_chief_task_takes_precedence_over_worker_zero(monkeypatch):
    cluster = {"chief": ["c:1"], "worker": ["a:1", "b:1"]}
    _tf_config(monkeypatch, cluster, {"type": "worker", "index": 0})
    assert device.worker_task("multiworker") == ("worker", 0, False)
    assert device.worker_run_dir(Path("r"), "multiworker") == Path("r/workers/worker-0")
    _tf_config(monkeypatch, cluster, {"type": "chief", "index": 0})
    assert device.worker_task("multiworker") == ("chief", 0, True)


def test_no_tf_config_is_a_single_worker(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert device.worker_task("multiworker") == ("worker", 0, True)


def test_malformed_tf_config_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UsageError, match="TF_CONFIG"):
        device.worker_task("multiworker")


def test_bf16_detection_reads_cpu_flags(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni\n")
    assert device.cpu_has_bf16(info)
    info.write_text("flags\t\t: fpu sse avx2 avx512f avx512bw\n")
    assert not device.cpu_has_bf16(info)
    assert not device.cpu_has_bf16(tmp_path / "missing")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GENLAB_XLA", "maybe", "GENLAB_XLA must be 0 or 1"),
        ("GENLAB_MIXED_PRECISION", "2", "GENLAB_MIXED_PRECISION must be 0 or 1"),
        ("GENLAB_STEPS_PER_EXECUTION", "0", "positive integer"),
        ("GENLAB_CPU_DEVICES", "-1", "positive integer"),
    ],
)
def test_bad_environment_overrides_are_usage_errors(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(UsageError, match=message):
        device.place("cpu")
