"""Measured speeds of this machine, so a comparison can say up front how long it will take.

Every finished run records its training throughput (images/s) and its evaluation time under
``<cache>/speeds.json``, keyed by model and device (``"dcgan|CPU; strategy default x1"``); the
newest measurement wins. Nothing here is needed for a run to work: a missing or unreadable file
only means "no estimate yet".
"""

from __future__ import annotations

import contextlib
import json

from genlab.errors import GenlabError


def _path():
    from genlab.evaluation.cache import cache_root

    return cache_root() / "speeds.json"


def read() -> dict:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(_path().read_text())
        if isinstance(data, dict):
            return data
    return {}


def key(model: str, device: str) -> str:
    return f"{model}|{device}"


#: Runs shorter than this many training images are not measured: their throughput is mostly
#: the one-off cost of building the training step.
MIN_IMAGES = 8192


def record(model: str, device: str, images_per_s, images: int, eval_seconds=None, eval_n=None):
    """Keep a finished run's speeds; never fails the run (a read-only cache is fine)."""
    if not images_per_s or images < MIN_IMAGES:
        return
    speeds = read()
    entry = {"images_per_s": float(images_per_s)}
    if eval_seconds and eval_n:
        entry["eval_seconds_per_sample"] = float(eval_seconds) / int(eval_n)
    speeds[key(model, device)] = entry
    from genlab.run_dir import atomic_write_json

    with contextlib.suppress(OSError, GenlabError):
        _path().parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(_path(), speeds)


def lookup(model: str, device: str) -> dict | None:
    return read().get(key(model, device))
