"""The in-process runner the suite drives the CLI with (``tests.conftest.run_cli``) answers as the
console script does in its own process, and leaves this process as it found it."""

from __future__ import annotations

import json
import os
import sys

import pytest

from tests.conftest import run_cli, run_cli_process


@pytest.mark.parametrize(
    "args",
    [["--version"], ["list", "--json"], ["run", "nosuchmodel"], ["sample", ".", "-n", "0"]],
    ids=["version", "list", "unknown-model", "bad-option"],
)
def test_same_answer_as_a_real_process(args):
    """Exit code, stdout and stderr byte for byte (none of these imports TensorFlow)."""
    here, there = run_cli(*args), run_cli_process(*args)
    assert (here.returncode, here.stdout, here.stderr) == (
        there.returncode,
        there.stdout,
        there.stderr,
    )


def test_debug_traceback_as_a_real_process():
    here, there = (
        run_cli("--debug", "run", "nosuchmodel"),
        run_cli_process("--debug", "run", "nosuchmodel"),
    )
    assert here.returncode == there.returncode == 1
    assert here.stderr.startswith("Traceback") and there.stderr.startswith("Traceback")
    assert here.stderr.splitlines()[-1] == there.stderr.splitlines()[-1]


def test_environment_path_streams_and_plugins_are_restored(tmp_path):
    from genlab.registry import get_registries

    before = (dict(os.environ), list(sys.path), sys.stdout, sys.stderr, os.getcwd())
    env = {"GENLAB_DISABLE_PLUGINS": "genlab_models.dcgan", "PYTHONPATH": str(tmp_path)}
    listing = json.loads(run_cli("list", "--json", env=env, check=True).stdout)
    names = {m["name"] for m in listing["models"]}
    assert "dcgan" not in names and "vae" in names  # the switch reached the call
    assert (dict(os.environ), list(sys.path), sys.stdout, sys.stderr, os.getcwd()) == before
    assert "dcgan" in {s.name for s in get_registries().models}  # plugins found afresh after


def test_native_writes_to_stdout_are_captured():
    """What a library writes to file descriptor 1 itself (not through ``sys.stdout``) reaches
    ``stdout``, as it would reach a subprocess's pipe: ``--json`` tests rely on it."""
    from genlab.cli import app

    @app.command("native-echo")
    def native_echo():
        os.write(1, b"from C\n")

    try:
        result = run_cli("native-echo", check=True)
    finally:
        app.registered_commands.pop()
    assert result.stdout == "from C\n"
