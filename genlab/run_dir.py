"""The run directory: its layout, atomic writes, and its status.

Layout of a run directory::

    config.json          what was trained (model, hyperparameters, data, budget, seed, versions)
    status.json          running | interrupted | diverged | failed | complete (written last)
    history.jsonl        one JSON object per finished epoch: losses, seconds, images/s,
                         peak memory
    checkpoints/         ckpt-NNNN.npz (+ .json manifest): weights, optimizer and RNG state
    samples/             epoch-NNNN.png grids from fixed latent vectors
    fixed_latents.npy    the latent vectors behind those grids
    samples.png  losses.png  progress.gif
    networks/            trained networks as .keras files (load with safe_mode=True)
    tensorboard/         TensorBoard event files
    metrics.json         evaluation results
    validation.json      validation FID of a search trial (genlab.search.holdout)

Every file is written to a temporary name in the same folder and renamed into place, so a reader
(or a killed process) never sees half a file. ``status.json`` says ``complete`` only after all the
other artefacts exist.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genlab.errors import GenlabError, RunDirError, command_hint

STATES = ("running", "interrupted", "diverged", "failed", "complete", "pruned")
#: States after which training a run again would change nothing (a pruned run was stopped on
#: purpose by a search, after a curve point: see genlab.search.study).
FINISHED = ("complete", "diverged", "pruned")


@functools.cache
def _file_mode() -> int:
    """The mode ``open()`` would give a new file (``mkstemp`` makes them private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_jsonable) + "\n")


@contextlib.contextmanager
def atomic_output(path: str | Path, suffix: str = ""):
    """Yield a temporary path to write with any library; rename it to ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=suffix or path.suffix, dir=path.parent
    )
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_npy(path: str | Path, array) -> None:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())


def _jsonable(obj):
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def read_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise RunDirError(f"{path} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunDirError(f"{path} is not valid JSON ({exc})") from None


#: Keys of a history row that are bookkeeping (time, throughput, memory), not losses.
HISTORY_BOOKKEEPING = frozenset(
    {
        "epoch",
        "seconds",
        "images_per_s",
        "elapsed",
        "steps",
        "partial",
        "step_seconds",
        "wait_fraction",
        "peak_rss_mb",
        "measure_seconds",
    }
)


class RunDir:
    """A run directory on disk."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    def ensure_writable(self) -> None:
        """Create the directory and prove it can be written, before any training starts."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".genlab-write-test"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise RunDirError(
                f"cannot write to run directory {self.path} ({reason}); "
                "choose another --out or fix its permissions/free space"
            ) from None

    # -- config and status -----------------------------------------------------------------
    @property
    def config(self) -> dict:
        return read_json(self.path / "config.json")

    def write_config(self, config: dict) -> None:
        atomic_write_json(self.path / "config.json", config)

    @property
    def status(self) -> dict:
        path = self.path / "status.json"
        return read_json(path) if path.exists() else {"state": "missing"}

    def set_status(self, state: str, **extra) -> None:
        assert state in STATES, state
        atomic_write_json(self.path / "status.json", {"state": state, **extra})

    @property
    def is_complete(self) -> bool:
        return self.status.get("state") == "complete"

    # -- history and curve (JSON lines) ----------------------------------------------------
    def _read_rows(self, name: str) -> list[dict]:
        """The rows of a JSON-lines file; a torn last line (a crash mid-write) is skipped."""
        path = self.path / name
        return json_lines(path.read_text()) if path.exists() else []

    def _write_rows(self, name: str, rows: list[dict]) -> None:
        text = "".join(json.dumps(r, sort_keys=True, default=_jsonable) + "\n" for r in rows)
        atomic_write_text(self.path / name, text)

    def read_history(self) -> list[dict]:
        return self._read_rows("history.jsonl")

    def write_history(self, rows: list[dict]) -> None:
        self._write_rows("history.jsonl", rows)

    def read_curve(self) -> list[dict]:
        """The quality curve (``curve.jsonl``): one row per point, oldest first."""
        return self._read_rows("curve.jsonl")

    def write_curve(self, rows: list[dict]) -> None:
        self._write_rows("curve.jsonl", rows)

    # -- metrics ---------------------------------------------------------------------------
    def read_metrics(self) -> dict | None:
        path = self.path / "metrics.json"
        return read_json(path) if path.exists() else None

    def write_metrics(self, metrics: dict) -> None:
        atomic_write_json(self.path / "metrics.json", metrics)

    # -- how it ended ----------------------------------------------------------------------
    def outcome(self, error: str | None = None) -> Outcome:
        """The run's :class:`Outcome`. ``error`` is what the process that made it reported
        (for example a refusal before anything was written); a run that reports an error is
        never read as finished."""
        try:
            status = self.status
            config = self.config if (self.path / "config.json").exists() else {}
            metrics = self.read_metrics()
            validation_path = self.path / "validation.json"
            validation = read_json(validation_path) if validation_path.exists() else None
        except GenlabError as exc:
            return Outcome(str(self.path), "failed", error or str(exc))
        state = status.get("state", "missing")
        if error and state not in ("diverged", "failed"):
            state = "failed"
        if state != "complete" and not error:
            error = status.get("error") or _diverged_text(status) or f"state {state}"
        history = self.read_history()
        curve = self.read_curve()
        return Outcome(str(self.path), state, error, config, metrics, history, validation, curve)


@dataclass
class Outcome:
    """How a run ended, read back from its directory: what every reader of runs uses.

    ``state`` is one of :data:`STATES`, ``"missing"`` (nothing there) or ``"failed"`` also when
    the directory cannot be read; ``error`` is the text ``status.json`` holds (a diverged run's
    says where it diverged), or why the directory could not be read.
    """

    path: str
    state: str
    error: str | None = None
    config: dict = field(default_factory=dict)
    metrics: dict | None = None
    history: list = field(default_factory=list)
    validation: dict | None = None
    curve: list = field(default_factory=list)  # the quality curve's points (curve.jsonl)

    @property
    def ok(self) -> bool:
        return self.state == "complete"

    @property
    def finished(self) -> bool:
        """Complete, diverged or pruned: nothing more will come of training it again."""
        return self.state in FINISHED

    @property
    def epochs(self) -> int | None:
        return self.history[-1].get("epoch") if self.history else None

    @property
    def train_seconds(self) -> float | None:
        return self.history[-1].get("elapsed") if self.history else None

    @property
    def images_per_s(self) -> float | None:
        """Throughput over the whole training (images / seconds summed over epochs)."""
        seconds = sum(row.get("seconds", 0.0) for row in self.history)
        images = sum(row.get("images_per_s", 0.0) * row.get("seconds", 0.0) for row in self.history)
        return round(images / seconds, 1) if seconds > 0 else None


def _diverged_text(status: dict) -> str | None:
    """Runs written before ``status.json`` held the error text say only where they diverged."""
    if status.get("state") != "diverged":
        return None
    where = f"epoch {status.get('epoch')}, step {status.get('step')}"
    return f"training diverged: {status.get('loss')} became non-finite at {where}"


def open_run(path: str | Path, *, require_complete: bool = True) -> RunDir:
    """An existing run directory, with a clear error when it is not one (or not finished)."""
    run = RunDir(path)
    if not (run.path / "config.json").exists():
        raise RunDirError(
            f"{run.path} is not a genlab run directory (no config.json); "
            "pass the folder that 'genlab run MODEL --out DIR' wrote"
        )
    if require_complete and not run.is_complete:
        state = run.status.get("state")
        try:
            model = str(run.config.get("model") or "MODEL")
        except (OSError, ValueError):
            model = "MODEL"
        resume = command_hint(["genlab", "run", model, "--out", run.path, "--resume"])
        raise RunDirError(
            f"run {run.path} is not complete (state: {state}); finish it with {resume} "
            "(and the options it was started with)"
        )
    return run


def json_lines(text: str) -> list[dict]:
    """The rows of JSON-lines ``text``; a torn line (a crash mid-write) is skipped."""
    rows = []
    for line in text.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            rows.append(json.loads(line))
    return rows
