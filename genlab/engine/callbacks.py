"""Callbacks of the shared training loop. None of them knows which model it is training."""

from __future__ import annotations

import contextlib
import math
import time

import keras
import numpy as np

from genlab.engine import checkpoint, memory


def _floats(logs) -> dict[str, float]:
    return {k: float(v) for k, v in (logs or {}).items()}


#: A loss has diverged when its magnitude passes this many times its first value (floored at 1).
GROWTH_LIMIT = 1000.0


def divergence(first: float, value: float) -> str | None:
    """Why a loss that started at ``first`` and now reads ``value`` has diverged, or None.

    The rule (docs/reliability.md): non-finite, or ``|value| > GROWTH_LIMIT * max(1, |first|)``.
    The floor of 1 keeps losses that start near zero (a KL term, a sparsity penalty) from
    tripping it as they grow to their normal size.
    """
    if not math.isfinite(value):
        return "became non-finite"
    limit = GROWTH_LIMIT * max(1.0, abs(first))
    if abs(value) > limit:
        return f"grew to {value:.3g}, past {GROWTH_LIMIT:g} x its first value {first:.3g}"
    return None


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training when a loss diverges (see :func:`divergence`) and remembers where.

    The first value of each loss is the one logged after the run's (or the resumed run's) first
    step: computed before that step's update, it cannot be a blow-up yet.
    """

    def __init__(self):
        super().__init__()
        self.where: tuple[int, int, str] | None = None
        self.reason = ""
        self.first: dict[str, float] = {}
        self.epoch = 0
        self.offset = 0  # steps of the current epoch done before this fit call

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.offset = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.where is not None:
            return
        for name, value in _floats(logs).items():
            first = self.first.setdefault(name, value)
            reason = divergence(first, value)
            if reason is not None:
                self.where = (self.epoch + 1, self.offset + batch + 1, name)
                self.reason = reason
                self.model.stop_training = True
                return


class TimeBudget(keras.callbacks.Callback):
    """Stops training once ``seconds`` of wall-clock training time have passed."""

    def __init__(self, seconds: float, already_spent: float = 0.0):
        super().__init__()
        self.deadline = time.perf_counter() + seconds - already_spent
        self.exhausted = False

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() >= self.deadline:
            self.exhausted = True
            self.model.stop_training = True


class ImageBudget(keras.callbacks.Callback):
    """Stops training at the first step at which ``images`` training images have been seen."""

    def __init__(self, images: int, global_batch: int):
        super().__init__()
        self.stop_step = math.ceil(images / global_batch)
        self.exhausted = False

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.steps_done.numpy()) >= self.stop_step:
            self.exhausted = True
            self.model.stop_training = True


class RestoreTrackers(keras.callbacks.Callback):
    """Put back the running loss means of a resumed epoch after Keras resets them."""

    def __init__(self, model):
        super().__init__()
        self.values = [(v, v.numpy()) for t in model.metrics for v in t.variables]

    def on_epoch_begin(self, epoch, logs=None):
        for variable, value in self.values:
            variable.assign(value)
        self.values = []


class EpochRecorder(keras.callbacks.Callback):
    """At each epoch end: history row, sample grid, TensorBoard scalars, then a checkpoint.

    The history row is written before the checkpoint, so after a crash the history may run one
    epoch ahead of the newest checkpoint, never behind; resume trims it back. An epoch cut
    short (time budget) is checkpointed mid-epoch and its row is marked ``partial``.

    With a ``curve`` scorer (:mod:`genlab.evaluation.curve`), it also scores the model after the
    step at which the images seen reach each curve point, and once more where training ends
    (:meth:`end_curve`); the rows go to ``curve.jsonl`` at once, always before the checkpoint
    of their step, and their time is taken out of the training seconds and the time budget.
    """

    def __init__(
        self,
        run,
        state,
        batch_size,
        steps_per_epoch,
        preview,
        history,
        guard: DivergenceGuard,
        writer=None,
        is_chief=True,
        elapsed=0.0,
        epoch_metrics=None,
        budget: TimeBudget | None = None,
        average=None,
        curve=None,
        curve_rows: list[dict] | None = None,
        curve_first: int = 4096,
        images_done: int = 0,
        on_point=None,
        last_step: int | None = None,
    ):
        super().__init__()
        self.on_point = on_point  # (row) -> True to stop here, pruned
        self.last_step = last_step  # a point there is the end: nothing left to save by stopping
        self.pruned_at: dict | None = None
        self.curve = curve if is_chief else None
        self.curve_rows = curve_rows if curve_rows is not None else []
        self.curve_first = curve_first
        self.next_point = _next_point(images_done, curve_first)
        self.average = average  # grids and measurements show the averaged weights
        self.epoch_metrics = epoch_metrics
        self.budget = budget
        self.run = run
        self.state = state
        self.batch_size = batch_size
        self.steps = steps_per_epoch
        self.preview = preview
        self.history = history
        self.guard = guard
        self.writer = writer
        self.is_chief = is_chief
        self.elapsed = elapsed
        self.offset = 0  # batches of the current epoch seen before this fit call
        self._start = time.perf_counter()
        self._batches = 0
        self._excluded = 0.0  # seconds of this epoch spent on curve points

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._batches = 0
        self._excluded = 0.0

    def on_train_batch_end(self, batch, logs=None):
        self._batches = batch + 1
        if self.curve is None or self.guard.where is not None:
            return
        step = int(self.model.steps_done.numpy())
        if step * self.batch_size >= self.next_point:
            self._point(step, point=self.next_point)

    def end_curve(self, model) -> None:
        """The curve's last point, where training ended (unless a point was just taken there).

        A run that ended before its first point has no curve: one point is not a curve.
        """
        if self.curve is None or self.guard.where is not None or not self.curve_rows:
            return
        if self.pruned_at is not None:  # the point that stopped it is the last
            return
        step = int(model.steps_done.numpy())
        if self.curve_rows[-1]["step"] < step:
            self._point(step, ended=True)
        else:
            self.curve_rows[-1]["end"] = True
            self.run.write_curve(self.curve_rows)

    def _point(self, step: int, point: int | None = None, ended: bool = False) -> None:
        """Score the model after ``step``: at the scheduled ``point`` (images seen) or the end."""
        now = time.perf_counter()
        in_epoch = 0.0 if ended else now - self._start - self._excluded
        with self._averaged():
            values = self.curve()
        spent = time.perf_counter() - now
        self._excluded += spent
        if self.budget is not None:
            self.budget.deadline += spent
        images = step * self.batch_size
        row = {
            "images": images,
            "step": step,
            "epoch": round(step / self.steps, 4),
            "train_seconds": round(self.elapsed + in_epoch, 3),
            **values,
        }
        if point is not None:
            row["point"] = point
        if ended:
            row["end"] = True
        self.curve_rows[:] = [r for r in self.curve_rows if r["step"] < step] + [row]
        self.run.write_curve(self.curve_rows)
        self.next_point = _next_point(images, self.curve_first)
        last = self.last_step is not None and step >= self.last_step
        if point is not None and not last and self.on_point is not None and self.on_point(row):
            self.pruned_at = row
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.guard.where is not None:
            return
        seconds = time.perf_counter() - self._start - self._excluded
        self.elapsed += seconds
        step = self.offset + self._batches
        self.offset = 0
        with self._averaged():
            extra = self._measure(epoch + 1)
            if self.is_chief and self.preview is not None:
                self.preview(self.run.samples / f"epoch-{epoch + 1:04d}.png")
        row = {
            "epoch": epoch + 1,
            **_floats(logs),
            **extra,
            "seconds": round(seconds, 3),
            "images_per_s": round(self._batches * self.batch_size / max(seconds, 1e-9), 1),
            "steps": step,
            "elapsed": round(self.elapsed, 3),
            "peak_rss_mb": memory.peak_mb(),
        }
        if step < self.steps:
            row["partial"] = True
        self.history[:] = [r for r in self.history if r["epoch"] < epoch + 1] + [row]
        # Every worker checkpoints (into its own run directory): reading the state is a
        # collective op under MultiWorkerMirroredStrategy. Pictures and scalars: chief only.
        if self.is_chief and self.writer is not None:
            scalars = {k: v for k, v in row.items() if k not in ("epoch", "partial")}
            self.writer.scalars(epoch + 1, scalars)
        self.run.write_history(self.history)
        if step < self.steps:
            checkpoint.save(self.run.checkpoints, epoch, self.state, step=step)
        else:
            checkpoint.save(self.run.checkpoints, epoch + 1, self.state)

    def _averaged(self):
        """A block in which the sampling networks hold their weight average, if there is one."""
        if self.average is None or not self.is_chief:
            return contextlib.nullcontext()
        return self.average.applied()

    def _measure(self, epoch: int) -> dict:
        """Per-epoch measurements (``epoch_metrics``), their time kept out of training time."""
        if self.epoch_metrics is None or not self.is_chief:
            return {}
        started = time.perf_counter()
        values = dict(self.epoch_metrics(epoch))
        spent = time.perf_counter() - started
        if self.budget is not None:
            self.budget.deadline += spent
        return {**values, "measure_seconds": round(spent, 3)}

    def save_interrupted(self, model) -> None:
        """On Ctrl-C: checkpoint exactly where training stopped (mid-epoch if need be)."""
        epoch, step = divmod(int(model.steps_done.numpy()), self.steps)
        saved = checkpoint.list_checkpoints(self.run.checkpoints)
        latest = checkpoint.load_position(saved[-1]) if saved else (0, 0)
        if (epoch, step) <= tuple(latest):
            return
        if step:
            checkpoint.save(self.run.checkpoints, epoch, self.state, step=step)
        else:  # the epoch's steps all ran but its end was not recorded yet
            self.offset, self._batches = 0, self.steps
            logs = {t.name: t.result() for t in model.metrics}
            self.on_epoch_end(epoch - 1, logs)


def _next_point(images: int, first: int) -> int:
    from genlab.evaluation.curve import next_point

    return next_point(images, first)


def preview_writer(model, spec, fixed_latents, fixed_images, value_range):
    """A function that saves the per-epoch grid: samples, or reconstructions for autoencoders."""
    from genlab.data.pipeline import unscale
    from genlab.report.images import save_grid

    def write(path):
        if fixed_images is not None:
            recon = model.predict_batches(model.reconstruct, fixed_images)
            pairs = np.stack([fixed_images, recon], axis=1).reshape((-1, *recon.shape[1:]))
            save_grid(path, unscale(pairs, value_range), cols=8)
        else:
            save_grid(
                path, unscale(model.predict_batches(model.generate, fixed_latents), value_range)
            )

    return write
