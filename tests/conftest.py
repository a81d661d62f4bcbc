"""Shared fixtures: small real Fashion-MNIST subsets, quiet TensorFlow, the genlab CLI in this
process (:func:`run_cli`) or in a fresh one (:func:`run_cli_process`)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import traceback
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


def run_cli_process(*args, env=None, timeout=600, check=False) -> subprocess.CompletedProcess:
    """Run the real ``genlab`` console entry point in a fresh subprocess.

    Only for tests where the process is the point (signals, kill -9, a fresh interpreter, what
    a process imports, several workers); everything else uses :func:`run_cli`."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "genlab", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    return _checked(result, args, check)


def _checked(result, args, check: bool):
    if check and result.returncode != 0:
        raise AssertionError(
            f"genlab {' '.join(map(str, args))} exited {result.returncode}\n{result.stderr}"
        )
    return result


def run_cli(*args, env=None, check=False) -> subprocess.CompletedProcess:
    """Run ``genlab ARGS`` in this process through the console script's own entry point.

    ``genlab.cli.main()`` runs as it does under ``genlab``: with ``sys.argv`` set, its exit code,
    its one-line ``error:`` output, ``--debug``, and its redirection of native (C++) logs away
    from file descriptor 2. File descriptors 1 and 2 point at temporary files for the call, so
    ``stdout`` and ``stderr`` hold everything a subprocess's pipes would, native writes
    included. ``env`` is applied to ``os.environ`` (``PYTHONPATH`` entries also go on
    ``sys.path``). Like a fresh process, the call starts with freshly discovered plugins; what
    it changes is restored afterwards: the environment, ``sys.path``, ``sys.argv``, the working
    directory, the standard streams, the plugin state, the commands plugins add to the app and
    Keras' global dtype policy. Keras' session is cleared first, so layers get the names they
    get in a new process.
    """
    import importlib

    from genlab.plugins import reset_plugin_manager

    argv = ["genlab", *map(str, args)]
    env = {k: str(v) for k, v in (env or {}).items()}
    saved_env = dict(os.environ)
    saved_path, saved_argv, saved_cwd = list(sys.path), sys.argv, os.getcwd()
    saved_streams = sys.stdout, sys.stderr
    policy = _keras_policy()
    captured = {}
    with contextlib.ExitStack() as stack:
        files = {fd: stack.enter_context(tempfile.TemporaryFile()) for fd in (1, 2)}
        for stream in saved_streams:
            stream.flush()
        saved_fds = {fd: os.dup(fd) for fd in files}
        try:
            for fd, file in files.items():
                os.dup2(file.fileno(), fd)
            # Python's streams write to descriptors 1 and 2 (not closing them), as in a process
            sys.stdout, sys.stderr = (_fd_stream(1), _fd_stream(2))
            os.environ.update(env)
            sys.path[:0] = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
            sys.argv = argv
            importlib.invalidate_caches()
            reset_plugin_manager()
            _clear_keras_session()
            returncode = _call_main()
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            for fd, saved in saved_fds.items():
                os.dup2(saved, fd)
                os.close(saved)
            sys.stdout, sys.stderr = saved_streams
            _restore_console_file()
            sys.argv = saved_argv
            sys.path[:] = saved_path
            os.chdir(saved_cwd)
            for key in set(os.environ) - set(saved_env):
                del os.environ[key]
            os.environ.update(saved_env)
            reset_plugin_manager()
            _restore_keras_policy(policy)
        for fd, file in files.items():
            file.seek(0)
            captured[fd] = file.read().decode("utf-8", errors="replace")
    result = subprocess.CompletedProcess(argv, returncode, captured[1], captured[2])
    return _checked(result, args, check)


def _fd_stream(fd: int):
    return io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
    )


def _call_main() -> int:
    """``genlab.cli.main()``: its exit code, or 1 and the traceback for an exception that
    escapes it (with ``--debug``), as the interpreter would print it."""
    from genlab.cli import app, main

    commands, groups = list(app.registered_commands), list(app.registered_groups)
    try:
        main()
        return 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - what a process does with an uncaught exception
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        # commands added by plugins' register_commands; a new process starts without them
        app.registered_commands[:], app.registered_groups[:] = commands, groups


def _restore_console_file() -> None:
    """``main()`` points genlab's stderr console at its duplicate of descriptor 2; back to
    following ``sys.stderr``, as it was built."""
    from genlab.report import console as output

    output.console.file = None


def _clear_keras_session() -> None:
    """Keras' global state (layer name counters, the global seed generator) as in a new
    process: a run saves its variables by layer name, and a resumed run matches them by name."""
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()


def _keras_policy():
    keras = sys.modules.get("keras")
    return keras.mixed_precision.global_policy() if keras is not None else None


def _restore_keras_policy(policy) -> None:
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.mixed_precision.set_global_policy(policy or "float32")


@pytest.fixture
def cli():
    """The in-process :func:`run_cli`."""
    return run_cli


#: The options of the shared DCGAN run (:func:`dcgan_run`) that size and seed it.
DCGAN_SMALL = ["--limit", "512", "--batch-size", "64", "--set", "width=16", "--seed", "3"]


@pytest.fixture(scope="session")
def dcgan_run(tmp_path_factory):
    """``(run directory, result)`` of one ``genlab run dcgan``: 2 epochs on 512 real images, a
    narrow network, evaluated on 500 samples. Shared by every test that only reads it; a test
    that changes it works on :func:`copy_run`."""
    out = tmp_path_factory.mktemp("shared") / "dcgan"
    args = ["run", "dcgan", "--dataset", "fashion", "--epochs", "2", "--eval-n", "500"]
    result = run_cli(*args, "--out", out, *DCGAN_SMALL)
    assert result.returncode == 0, result.stderr
    return out, result


def copy_run(run_dir: Path, target: Path) -> Path:
    """A copy of a shared run directory, for a test that changes it."""
    import shutil

    return Path(shutil.copytree(run_dir, target, symlinks=True))


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
