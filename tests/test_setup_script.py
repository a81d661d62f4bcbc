"""scripts/setup.sh prints only its own lines; pip's output appears only when a step fails.

The script runs against a stand-in ``.venv`` whose ``python -m pip`` is as noisy as the real one,
so the test takes a second instead of installing TensorFlow.
"""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAKE_PYTHON = """#!/usr/bin/env bash
echo "WARNING: Location 'file:///opt/simple/numpy/' is ignored: it is neither a file nor a" \
  "directory." >&2
echo "BuildBackendWarning: setuptools says something long" >&2
echo "$*" >> "$(dirname "$0")/calls"
if [ "$*" = "${FAIL_ON:-never}" ]; then
  echo "ERROR: No matching distribution found for numpy>=99" >&2
  exit 1
fi
"""


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    _executable(bin_dir / "python", FAKE_PYTHON)
    _executable(bin_dir / "genlab", "#!/usr/bin/env bash\necho 'genlab 0.1.0'\n")
    return tmp_path


def _setup(tree, *args, **env):
    return subprocess.run(
        ["bash", "scripts/setup.sh", *args],
        cwd=tree,
        capture_output=True,
        text=True,
        env={**os.environ, "GENLAB_DATA_DIR": str(tree), "TMPDIR": str(tree), **env},
        timeout=60,
    )


def test_success_prints_only_its_own_lines(tree):
    done = _setup(tree)
    assert done.returncode == 0, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    assert lines == [
        "setup: installing genlab and the plugins genlab-wgan-gp and genlab-diffusion",
        "setup: done (genlab 0.1.0)",
    ]
    calls = (tree / ".venv" / "bin" / "calls").read_text()
    assert "-e ." in calls and "-e plugins/genlab-wgan-gp" in calls
    assert "-e plugins/genlab-diffusion" in calls
    assert not list(tree.glob("genlab-setup.*.log"))  # the log is removed on success


def test_failure_shows_the_log_without_index_warnings(tree):
    failing = "-m pip install --quiet --disable-pip-version-check -e ."
    done = _setup(tree, FAIL_ON=failing)
    assert done.returncode == 1
    assert "setup: installing genlab failed" in done.stderr
    assert "No matching distribution found for numpy>=99" in done.stderr
    assert "BuildBackendWarning" in done.stderr
    assert "is ignored" not in done.stderr
    assert "setup: done" not in done.stdout
    (log,) = tree.glob("genlab-setup.*.log")  # kept for the user
    assert "No matching distribution" in log.read_text()


def test_backend_jax_installs_the_jax_extra(tree):
    done = _setup(tree, "--dev", "--backend", "jax")
    assert done.returncode == 0, done.stderr
    assert "setup: installing genlab[dev,jax]" in done.stdout
    assert "-e .[dev,jax]" in (tree / ".venv" / "bin" / "calls").read_text()


def test_an_unknown_backend_or_option_is_refused_before_anything_runs(tree):
    for args, message in (
        (("--backend", "mxnet"), "--backend must be tensorflow, jax or torch"),
        (("--fast",), "unknown option --fast"),
    ):
        done = _setup(tree, *args)
        assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tree / ".venv" / "bin" / "calls").exists()
