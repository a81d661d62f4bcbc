"""``genlab`` with packages made unimportable, as on a machine where they are not installed.

In this process a package is blocked with ``monkeypatch.setitem(sys.modules, name, None)``;
that is not enough for one this process has already imported through another (Keras holds on
to TensorFlow), so :func:`run_without` starts a fresh ``genlab`` process whose import system
answers ``No module named ...`` for the packages, as Python does when they are not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys

BLOCKER = """
import sys

ABSENT = set(sys.argv.pop(1).split(","))


class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Absent())
sys.argv[0] = "genlab"
from genlab.cli import main

main()
"""


def run_without(modules, *args, timeout=300) -> subprocess.CompletedProcess:
    """``genlab ARGS`` in a new process in which ``modules`` (top-level names) are missing."""
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, ",".join(modules), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=timeout,
    )
