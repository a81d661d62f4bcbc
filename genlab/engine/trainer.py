"""The one training loop every model goes through: Keras ``fit`` over the shared pipeline.

Models only define ``train_step``; this module owns the data stream, resume, callbacks and the
device plan, so a DCGAN and an autoencoder are trained by exactly the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genlab.data.pipeline import training_dataset
from genlab.engine import checkpoint
from genlab.engine.callbacks import DivergenceGuard, EpochRecorder, Progress, TimeBudget
from genlab.errors import ConfigError


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)
    start_epoch: int = 0
    diverged: tuple[int, int, str] | None = None
    budget_exhausted: bool = False

    @property
    def epochs_done(self) -> int:
        return self.history[-1]["epoch"] if self.history else 0

    @property
    def train_seconds(self) -> float:
        return self.history[-1]["elapsed"] if self.history else 0.0


def resume_state(model, run, console=None) -> tuple[int, list[dict]]:
    """Restore the newest good checkpoint; return its epoch and the history up to it."""
    warn = console.print if console is not None else print
    epoch = checkpoint.restore_latest(run.checkpoints, model.state_variables(), warn=warn) or 0
    history = [row for row in run.read_history() if row.get("epoch", 0) <= epoch]
    return epoch, history


def train(
    model,
    run,
    images_uint8,
    value_range,
    plan,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    resume: bool = False,
    console=None,
    preview=None,
    callbacks=(),
    time_budget_s: float | None = None,
    tensorboard: bool = True,
    show_progress: bool = True,
) -> TrainResult:
    """Train ``model`` on ``images_uint8`` for ``epochs`` epochs, checkpointing every epoch."""
    global_batch = batch_size * plan.replicas
    steps = len(images_uint8) // global_batch
    if steps < 1:
        raise ConfigError(
            f"batch size {global_batch} is larger than the {len(images_uint8)} training images; "
            "lower --batch-size or raise --limit"
        )
    start_epoch, history = resume_state(model, run, console) if resume else (0, [])
    result = TrainResult(history=history, start_epoch=start_epoch)
    if start_epoch >= epochs:
        return result

    guard = DivergenceGuard()
    writer = None
    if tensorboard and plan.is_chief:
        import tensorflow as tf

        writer = tf.summary.create_file_writer(str(run / "tensorboard"))
    elapsed = history[-1]["elapsed"] if history else 0.0
    recorder = EpochRecorder(
        run,
        model.state_variables(),
        global_batch,
        steps,
        preview,
        history,
        guard,
        writer,
        plan.is_chief,
        elapsed,
    )
    budget = TimeBudget(time_budget_s, elapsed) if time_budget_s else None
    cbs = [guard, recorder, *([budget] if budget else []), *callbacks]
    if show_progress and console is not None and plan.is_chief:
        title = getattr(run.path, "name", "train")
        cbs.insert(1, Progress(console, steps, epochs, start_epoch, title))

    dataset = training_dataset(images_uint8, global_batch, value_range, seed, start_epoch, epochs)
    model.fit(
        dataset,
        epochs=epochs,
        initial_epoch=start_epoch,
        steps_per_epoch=steps,
        callbacks=cbs,
        verbose=0,
        shuffle=False,
    )
    if writer is not None:
        writer.close()
    result.diverged = guard.where
    result.budget_exhausted = bool(budget and budget.exhausted)
    return result
