"""``genlab`` with packages made unimportable, as on a machine where they are not installed.

In this process a package is blocked with ``monkeypatch.setitem(sys.modules, name, None)``;
that is not enough for one this process has already imported through another (Keras holds on
to TensorFlow), so :func:`run_without` starts a fresh ``genlab`` process whose import system
does not find the packages: every finder is wrapped to answer "not here" for them, so ``import``
raises ``No module named ...`` and ``importlib.util.find_spec`` returns None, as they do when the
packages are not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys

BLOCKER = """
import sys

ABSENT = set(sys.argv.pop(1).split(","))


class Hiding:
    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        find = getattr(self.finder, "find_spec", None)
        if name.split(".")[0] in ABSENT or find is None:
            return None
        return find(name, path, target)

    def __getattr__(self, attribute):
        return getattr(self.finder, attribute)


sys.meta_path[:] = [Hiding(finder) for finder in sys.meta_path]
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
