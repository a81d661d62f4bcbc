"""The one training loop every model goes through: Keras ``fit`` over the shared pipeline.

Models only define ``train_step``; this module owns the data stream, resume, callbacks and the
device placement, so a DCGAN and an autoencoder are trained by exactly the same code.

Positions are ``(epoch, step)``. A run resumed from a mid-epoch checkpoint first finishes that
epoch (skipping the batches it had already seen, with the epoch's running loss means restored),
then trains the remaining epochs; either way it sees exactly the batches of an uninterrupted run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from genlab.data.pipeline import training_dataset
from genlab.engine import checkpoint
from genlab.engine.callbacks import (
    DivergenceGuard,
    EpochRecorder,
    ImageBudget,
    RestoreTrackers,
    TimeBudget,
)
from genlab.engine.progress import progress_callback
from genlab.errors import ConfigError


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)
    start: tuple[int, int] = (0, 0)
    diverged: tuple[int, int, str] | None = None
    diverged_reason: str = ""  # e.g. "became non-finite"; see callbacks.divergence
    budget_exhausted: bool = False
    average: object = None  # the WeightAverage, when the run keeps one
    curve: list[dict] = field(default_factory=list)  # the quality curve's points
    pruned_at: dict | None = None  # the curve point at which ``on_point`` stopped training

    @property
    def epochs_done(self) -> int:
        return self.history[-1]["epoch"] if self.history else 0

    @property
    def train_seconds(self) -> float:
        return self.history[-1]["elapsed"] if self.history else 0.0


def resume_state(model, run, state=None, console=None) -> tuple[checkpoint.Position, list[dict]]:
    """Restore the newest good checkpoint into ``state`` (default: the model's state variables);
    return its position and the history up to it."""
    warn = console.print if console is not None else print
    state = model.state_variables() if state is None else state
    position = checkpoint.restore_latest(run.checkpoints, state, warn=warn)
    position = position or checkpoint.Position(0, 0)
    history = [row for row in run.read_history() if row.get("epoch", 0) <= position.epoch]
    return position, history


def count_steps(model, average=None) -> None:
    """Make every ``train_step`` also advance ``model.steps_done`` (the resume position) and,
    after the step's updates, the weight average (inside the compiled step, so it follows every
    step exactly, whatever ``steps_per_execution`` is)."""
    if getattr(model, "_genlab_counted", False):
        return
    step = model.train_step

    def counted_train_step(data):
        model.steps_done.assign_add(1)
        logs = step(data)
        if average is not None:
            average.update()
        return logs

    model.train_step = counted_train_step
    model._genlab_counted = True


@dataclass(frozen=True)
class TrainOptions:
    """How one run trains; everything but the model, the data and where they go.

    Attributes:
        epochs: train until this many epochs are done (counting resumed ones).
        batch_size: per-replica batch size.
        value_range: the model's image value range; uint8 images are scaled into it.
        seed: seed of the data order (epoch ``e`` depends only on ``(seed, e)``).
        resume: continue from the newest good checkpoint in the run directory.
        time_budget_s: stop (with a mid-epoch checkpoint) after this many training seconds.
        max_images: stop at the first step at which this many training images have been seen.
        curve_first: images seen at the first quality-curve point (with a ``curve`` scorer).
        ema: decay of the weight average of the model's sampling networks; 0 = none.
        tensorboard: write TensorBoard scalars.
        show_progress: show the progress bar (needs a console).
    """

    epochs: int
    batch_size: int
    value_range: tuple[float, float] = (0.0, 1.0)
    seed: int = 0
    resume: bool = False
    time_budget_s: float | None = None
    max_images: int | None = None
    curve_first: int = 4096
    ema: float = 0.0
    tensorboard: bool = True
    show_progress: bool = True


def weight_average(model, placement, decay: float):
    """The :class:`~genlab.engine.ema.WeightAverage` of ``model``'s sampling networks, or None."""
    networks = model.sampling_networks()
    if not decay or not networks:
        return None
    from genlab.engine.ema import WeightAverage

    with placement.scope():
        return WeightAverage(networks, decay)


def train(
    model,
    run,
    images_uint8,
    placement,
    options: TrainOptions,
    *,
    console=None,
    preview=None,
    callbacks=(),
    epoch_metrics=None,
    curve=None,
    on_point=None,
) -> TrainResult:
    """Train ``model`` on ``images_uint8`` as ``options`` say, checkpointing every epoch.

    ``preview(path)`` writes a sample grid after every epoch. ``epoch_metrics``, if given, is
    called as ``epoch_metrics(epoch)`` after every epoch; the values it returns join that epoch's
    history row, and its time is not training time. Both see the averaged weights when there is
    a weight average, and the model leaves a completed training holding them (its own last
    weights stay in the checkpoints, from which a resumed run continues). ``curve()``, if given,
    scores the model at the curve points (see :class:`EpochRecorder`); its rows are the result's
    ``curve``. ``on_point(row)``, if given, sees every scheduled point and may stop training
    there by returning True (a search's pruner): the result's ``pruned_at``.
    """
    epochs, resume, time_budget_s = options.epochs, options.resume, options.time_budget_s
    global_batch = options.batch_size * placement.replicas
    steps = len(images_uint8) // global_batch
    if steps < 1:
        raise ConfigError(
            f"batch size {global_batch} is larger than the {len(images_uint8)} training images; "
            "lower --batch-size or raise --limit"
        )
    stop_step = math.ceil(options.max_images / global_batch) if options.max_images else None
    if stop_step:
        epochs = min(epochs, math.ceil(stop_step / steps))
    average = weight_average(model, placement, options.ema)
    state = model.state_variables() + (average.variables if average else [])
    position, history = resume_state(model, run, state, console) if resume else ((0, 0), [])
    start_epoch, start_step = position
    done = start_epoch * steps + start_step
    # Resumed: the scheduled points up to the checkpoint stay, the last run's end point goes.
    curve_rows = [r for r in run.read_curve() if r["step"] <= done and "point" in r]
    for row in curve_rows:
        row.pop("end", None)
    result = TrainResult(
        history=history, start=(start_epoch, start_step), average=average, curve=curve_rows
    )
    if start_epoch >= epochs or (stop_step and done >= stop_step):
        if average is not None:
            average.copy_to_networks()
        return result
    count_steps(model, average)
    if placement.strategy_name == "multiworker":
        from genlab.engine.device import fit_logs_for_multiworker

        fit_logs_for_multiworker(model)

    guard = DivergenceGuard()
    writer = None
    if options.tensorboard and placement.is_chief:
        from genlab.engine.tensorboard import ScalarWriter

        writer = ScalarWriter(run / "tensorboard")
    elapsed = history[-1]["elapsed"] if history else 0.0
    budget = TimeBudget(time_budget_s, elapsed) if time_budget_s else None
    images = ImageBudget(options.max_images, global_batch) if options.max_images else None
    recorder = EpochRecorder(
        run,
        state,
        global_batch,
        steps,
        preview,
        history,
        guard,
        writer,
        placement.is_chief,
        elapsed,
        epoch_metrics=epoch_metrics,
        budget=budget,
        average=average,
        curve=curve,
        curve_rows=curve_rows,
        curve_first=options.curve_first,
        images_done=done * global_batch,
        on_point=on_point,
        last_step=min(stop_step or epochs * steps, epochs * steps),
    )
    progress = None
    if options.show_progress and console is not None and placement.is_chief:
        progress = progress_callback(
            console,
            steps=steps,
            epochs=epochs,
            start=(start_epoch, start_step),
            batch_size=global_batch,
            title=run.path.name,
            budget_s=time_budget_s - elapsed if time_budget_s else None,
        )
    cbs = [
        guard,
        *([progress] if progress else []),
        recorder,
        *([budget] if budget else []),
        *([images] if images else []),
        *callbacks,
    ]

    jax_steps = None
    if placement.backend == "jax":
        from genlab.engine.device import steps_per_call
        from genlab.engine.jax_loop import JaxSteps

        jax_steps = JaxSteps(
            model,
            state,
            images_uint8,
            global_batch,
            options.value_range,
            steps_per_call(placement, global_batch),
            placement.devices,
        )

    def boundary(step):
        """The next step after ``step`` where a curve point or the image budget falls."""
        marks = [stop_step] if stop_step else []
        if recorder.curve is not None:
            marks.append(math.ceil(recorder.next_point / global_batch))
        later = [m for m in marks if m > step]
        return min(later) if later else None

    def fit(first_epoch, skip, last_epoch, n_steps, extra=()):
        recorder.offset = guard.offset = skip
        if jax_steps is not None:
            from genlab.engine import jax_loop

            jax_loop.fit(
                jax_steps,
                [*extra, *cbs],
                seed=options.seed,
                first_epoch=first_epoch,
                skip=skip,
                last_epoch=last_epoch,
                n_steps=n_steps,
                steps_per_epoch=steps,
                boundary=boundary,
            )
            return
        data = training_dataset(
            images_uint8, global_batch, options.value_range, options.seed, first_epoch, last_epoch
        )
        model.fit(
            data.skip(skip) if skip else data,
            epochs=last_epoch,
            initial_epoch=first_epoch,
            steps_per_epoch=n_steps,
            callbacks=[*extra, *cbs],
            verbose=0,
            shuffle=False,
        )

    def stopped():
        out_of_time = budget is not None and budget.exhausted
        out_of_images = images is not None and images.exhausted
        return guard.where is not None or out_of_time or out_of_images or recorder.pruned_at

    try:
        if start_step:
            fit(
                start_epoch,
                start_step,
                start_epoch + 1,
                steps - start_step,
                extra=[RestoreTrackers(model)],
            )
            start_epoch += 1
        if start_epoch < epochs and not stopped():
            fit(start_epoch, 0, epochs, steps)
    except KeyboardInterrupt:
        # Saving reads the state, a collective op the other workers will not join.
        if placement.is_chief and guard.where is None and placement.strategy_name != "multiworker":
            recorder.save_interrupted(model)
        raise
    finally:
        if progress is not None:
            progress.close()
        if writer is not None:
            writer.close()
    result.diverged = guard.where
    result.diverged_reason = guard.reason
    result.budget_exhausted = bool(budget and budget.exhausted)
    result.pruned_at = recorder.pruned_at
    recorder.end_curve(model)
    if average is not None and result.diverged is None:
        average.copy_to_networks()
    return result
