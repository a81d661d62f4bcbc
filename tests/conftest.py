"""Shared fixtures: small real Fashion-MNIST subsets, quiet TensorFlow, the genlab CLI."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def fashion_available() -> bool:
    try:
        from genlab.data.sources import load_fashion

        load_fashion()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def fashion():
    """Real Fashion-MNIST (ArraySplits); tests take small slices of it."""
    from genlab.data.sources import load_fashion

    try:
        return load_fashion()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Fashion-MNIST not installed ({exc}); apt-get install dataset-fashion-mnist")


def default_sigint() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT: a shell starts background
    jobs with SIGINT ignored, and Python then installs no KeyboardInterrupt handler, so a suite
    run under ``nohup ... &`` would see Ctrl-C ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args, env=None, timeout=600, check=False) -> subprocess.CompletedProcess:
    """Run the real ``genlab`` console entry point in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "genlab", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"genlab {' '.join(map(str, args))} exited {result.returncode}\n{result.stderr}"
        )
    return result


@pytest.fixture
def cli():
    return run_cli


@contextlib.contextmanager
def registered_plugin(plugin, name: str):
    """``plugin`` registered with genlab's plugin manager (registries rebuilt) inside the block."""
    from genlab import registry
    from genlab.plugins import get_plugin_manager

    manager = get_plugin_manager()
    manager.register(plugin, name=name)
    registry.reset()
    try:
        yield
    finally:
        manager.unregister(name)
        registry.reset()


def train_tiny_run(out, **changes):
    """``run_one`` of stacked_ae: 2 epochs on 512 real images, no evaluation, no grids."""
    from genlab.config import RunConfig
    from genlab.run import run_one

    options = dict(model="stacked_ae", dataset="fashion", epochs=2, limit=512, batch_size=64)
    return run_one(RunConfig(**options, out=str(out), evaluate=False, grids=False, **changes))
