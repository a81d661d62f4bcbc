"""Training progress for people: a live bar on a terminal, plain lines anywhere else.

Off a terminal (``nohup``, CI, a job scheduler) a bar would print nothing until it ends, so the
run writes one plain line every tenth of an epoch or every 30 seconds, whichever comes first.
Both count steps from the start of the run, so a resumed run carries on from its position.
"""

from __future__ import annotations

import math
import time

import keras

#: Off a terminal, a progress line at least this often (seconds)...
LINE_SECONDS = 30.0
#: ...and at every this fraction of an epoch.
LINE_FRACTION = 0.1


def progress_callback(console, **kwargs) -> _Progress:
    """The bar on a terminal, plain lines otherwise; ``kwargs`` as for :class:`_Progress`."""
    kind = ProgressBar if console.is_terminal else ProgressLines
    return kind(console, **kwargs)


def _losses(logs) -> str:
    return "  ".join(f"{k} {float(v):.4g}" for k, v in (logs or {}).items())


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class _Progress(keras.callbacks.Callback):
    """Keeps the run's position ``(epoch, step)`` across ``fit`` calls.

    The trainer may call ``fit`` twice (the rest of a resumed epoch, then the other epochs);
    the first epoch begun is the resumed one, whose first ``start[1]`` steps were done before.
    Call :meth:`close` at the very end.

    Args:
        console: a rich console; its file receives the output.
        steps: steps per epoch.
        epochs: the epoch to train to.
        start: ``(epoch, step)`` the run starts from (``(0, 0)`` unless resumed).
        batch_size: images per step, all replicas together.
        title: the run's name.
        budget_s: training seconds left under a time budget, or None.
    """

    def __init__(self, console, *, steps, epochs, start, batch_size, title, budget_s=None):
        super().__init__()
        self.console = console
        self.steps = steps
        self.epochs = epochs
        self.start = tuple(start)
        self.batch_size = batch_size
        self.title = title
        self.budget_s = budget_s
        self.epoch = self.start[0]
        self.step = self.start[1]
        self._t0 = None
        self._since = None  # (time, steps done) after this process's first step

    def on_train_begin(self, logs=None):
        if self._t0 is None:
            self._t0 = time.perf_counter()
            epoch, step = self.start
            if (epoch, step) != (0, 0):
                self.say(f"resumed from epoch {epoch + 1} step {step}/{self.steps}")
            self.open()

    def _first_step(self, epoch: int) -> int:
        return self.start[1] if epoch == self.start[0] else 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.step = self._first_step(epoch)

    def on_train_batch_end(self, batch, logs=None):
        self.step = self._first_step(self.epoch) + batch + 1
        if self._since is None:  # the first step also builds the graph: rate from after it
            self._since = (time.perf_counter(), self.done)
        self.update(logs)

    @property
    def done(self) -> int:
        """Steps done since the start of the run (not of this process)."""
        return self.epoch * self.steps + self.step

    def eta(self) -> float | None:
        """Seconds left: the rest of the budget, or the remaining steps at the rate so far."""
        now = time.perf_counter()
        if self.budget_s:
            return self.budget_s - (now - self._t0)
        since, done_then = self._since
        if self.done <= done_then:
            return None
        return (self.epochs * self.steps - self.done) * (now - since) / (self.done - done_then)

    def epoch_text(self) -> str:
        of = "" if self.budget_s else f"/{self.epochs}"
        return f"epoch {self.epoch + 1}{of}"

    def say(self, text: str) -> None:
        print(f"{self.title}: {text}", file=self.console.file, flush=True)

    def open(self) -> None: ...

    def update(self, logs) -> None: ...

    def close(self) -> None: ...


class ProgressLines(_Progress):
    """One plain line per tenth of an epoch or per 30 s: epoch, step, images/s, losses, ETA."""

    def open(self):
        self.every = max(1, math.ceil(self.steps * LINE_FRACTION))
        self._next = self._mark(self.step)
        self._last_time = time.perf_counter()
        self._last_done = self.done

    def _mark(self, step: int) -> int:
        return min(self.steps, (step // self.every + 1) * self.every)

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._next = self._mark(self.step)

    def update(self, logs):
        now = time.perf_counter()
        if self.step < self._next and now - self._last_time < LINE_SECONDS:
            return
        rate = (self.done - self._last_done) * self.batch_size / max(now - self._last_time, 1e-9)
        eta = self.eta()
        self.say(
            f"{self.epoch_text()} step {self.step}/{self.steps}  {rate:.1f} images/s  "
            f"{_losses(logs)}  eta {_clock(eta) if eta is not None else '?'}"
        )
        self._next = self._mark(self.step)
        self._last_time, self._last_done = now, self.done


class ProgressBar(_Progress):
    """A rich bar over the whole run (steps, or seconds under a budget) with live losses."""

    def open(self):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.total = round(self.budget_s) if self.budget_s else self.epochs * self.steps
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[losses]}"),
            console=self.console,
        )
        self.task = self.progress.add_task(
            self.title, total=self.total, completed=self._completed(), losses=""
        )
        self.progress.start()
        self._last = 0.0

    def _completed(self) -> int:
        if self.budget_s:
            return min(self.total, round(time.perf_counter() - self._t0))
        return self.done

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self.progress.update(self.task, description=f"{self.title} {self.epoch_text()}")

    def update(self, logs):
        now = time.perf_counter()
        if now - self._last > 0.25 or self.step == self.steps:
            self._last = now
            self.progress.update(self.task, completed=self._completed(), losses=_losses(logs))

    def close(self):
        if self._t0 is not None:
            self.progress.stop()

    def say(self, text: str) -> None:
        self.console.print(f"{self.title}: {text}", markup=False, highlight=False)
