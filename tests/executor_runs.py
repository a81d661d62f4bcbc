"""What the executor tests share: which metrics keys measure the machine rather than the model,
and the run that is long enough to lose its worker (or node) after its first epoch."""

from __future__ import annotations

from pathlib import Path

from genlab.config import RunConfig
from genlab.execution.executors import Job

#: Keys of metrics.json that time or size the machine, not the model.
MACHINE_KEYS = frozenset(
    {
        "eval_seconds",
        "images_per_s",
        "train_seconds",
        "peak_rss_mb",
        "peak_memory_mb",
        "sample_ms_per_image",
    }
)


def long_job(out: Path, name: str = "dcgan") -> Job:
    """A DCGAN run of three epochs of 1,024 images, long enough to be killed after the first."""
    config = RunConfig(
        "dcgan",
        epochs=3,
        limit=1024,
        batch_size=64,
        overrides={"width": 16},
        evaluate=False,
        grids=False,
        out=str(Path(out) / name),
    )
    return Job(name, config)
