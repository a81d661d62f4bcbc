"""Suite-wide collection rules for the repository's own test run (``python -m pytest`` here).

The suite runs on every core (pytest-xdist, ``-n auto --dist loadfile``: a file's tests stay in
one worker, so module fixtures are made once). Files are handed out longest first, by the
per-file seconds of the last measured run (``benchmarks/results/suite-durations.txt``), so no
worker starts a long file when the others are about to finish; files not listed there go last.
With several workers, each TensorFlow runs one thread per pool (``TF_NUM_INTRAOP_THREADS`` and
``TF_NUM_INTEROP_THREADS``, unless already set), and so do OpenMP and BLAS: the tests' models
are tiny, so two workers with two spinning threads each only fight over the cores (measured:
10% slower even alone).

A worker keeps what its tests built alive in one long process, and TensorFlow's finalizers
(dead graphs, functions and resource variables) make Python's full garbage collections slow
there: one took 7.8 s, and a 5-second test took 15 s after a few files. So after each test the
objects alive then are frozen out of collection (``gc.freeze``); what later tests free by
reference counting is still freed. If the worker grows past :data:`FROZEN_LIMIT_MB` resident,
it unfreezes and collects once.

The bundled plugins' contract tests (``plugins/*/tests/test_contract.py``) are for a plugin
checked on its own (``cd plugins/genlab-wgan-gp && python -m pytest``). Where the plugin is
installed, ``tests/test_contract.py`` already runs every contract check on it (it checks every
registered model), so here its own copy is deselected instead of run twice.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

#: Thread pools that get one thread per worker when the suite runs on every core: TensorFlow's,
#: and OpenMP/BLAS (scikit-learn's t-SNE spins two OpenMP threads per worker otherwise: 240
#: points took 12-28 s beside another worker, 5 s with one thread).
ONE_THREAD = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
#: Resident size of a worker above which frozen objects are collected after all.
FROZEN_LIMIT_MB = 6000
DURATIONS = Path(__file__).parent / "benchmarks" / "results" / "suite-durations.txt"


def pytest_configure(config):
    workers = getattr(config.option, "numprocesses", None)
    if workers and not os.environ.get("PYTEST_XDIST_WORKER"):
        for name in ONE_THREAD:
            os.environ.setdefault(name, "1")


def pytest_collection_modifyitems(config, items):
    from genlab.testing import registered_models

    registered = {spec.config.__module__.split(".")[0] for spec in registered_models()}
    covered, kept = [], []
    for item in items:
        path = Path(str(item.path))
        plugin_contract = path.name == "test_contract.py" and path.parent.parent.parent.name == (
            "plugins"
        )
        package = _package_of(path.parent.parent) if plugin_contract else None
        is_check = item.originalname == "test_contract"
        (covered if package in registered and is_check else kept).append(item)
    if covered:
        config.hook.pytest_deselected(items=covered)
        items[:] = kept
    seconds = _file_seconds()
    root = Path(str(config.rootpath))
    items.sort(key=lambda item: -seconds.get(_relative(item, root), 0.0))  # stable: file order kept


def _file_seconds() -> dict[str, float]:
    """Seconds per test file of the last measured run: ``   106.3    90  tests/x.py`` lines."""
    if not DURATIONS.is_file():
        return {}
    lines = re.findall(r"^\s+([\d.]+)\s+\d+\s+(\S+\.py)$", DURATIONS.read_text(), re.MULTILINE)
    return {path: float(value) for value, path in lines}


def _relative(item, root: Path) -> str:
    path = Path(str(item.path))
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _package_of(plugin_root: Path) -> str | None:
    """The import package a bundled plugin ships (its folder holding ``__init__.py``)."""
    found = [p.parent.name for p in plugin_root.glob("*/__init__.py") if p.parent.name != "tests"]
    return found[0] if len(found) == 1 else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    yield
    import gc

    if _resident_mb() > FROZEN_LIMIT_MB:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def _resident_mb() -> float:
    """This process's resident memory in MB (0 where /proc is not there)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
