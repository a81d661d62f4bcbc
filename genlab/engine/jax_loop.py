"""The training loop on JAX: the whole state of a run through one jitted function.

Keras' own JAX trainer wants a stateless ``train_step(state, data)`` and knows one optimizer;
genlab's models write an ordinary stateful ``train_step`` with several optimizers, seed
generators and an optional weight average. This loop runs that ``train_step`` inside a
:func:`genlab.gradients.stateless` scope, so the step becomes a pure function of the state
(every variable of the run: weights, optimizer slots, BatchNorm statistics, seed generators,
loss trackers, the weight average, the step counter), and runs it under ``jax.jit`` in a
``fori_loop`` over a number of steps given at call time (one compiled program for any count):

* the training images are uploaded to the device once, as uint8; each epoch uploads only its
  order (a permutation, seeded by ``(seed, epoch)``), and batches are gathered and scaled on
  the device;
* the state is donated to each call and written back into the Keras variables after it, so
  every callback (epoch end, curve point, checkpoint, divergence check, Ctrl-C) reads the state
  of the step it is told about, and nothing is read back to the host inside a call;
* a call ends where a callback must look: the epoch's end and the steps :func:`fit` is told by
  ``boundary`` (curve points, the image budget), so those land on exactly the same step as on
  TensorFlow with one step per call;
* Ctrl-C during a call is held until the call's state is written back, so an interrupted run
  checkpoints where it stopped and resumes bit-identically.

The callbacks are the engine's ordinary Keras callbacks, called in the order ``Model.fit``
calls them.
"""

from __future__ import annotations

import contextlib
import signal
import time

import numpy as np


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The order of the ``n`` training images in ``epoch``: a function of ``(seed, epoch)`` only,
    so a resumed run sees the batches an uninterrupted one would."""
    return np.random.default_rng([int(seed), int(epoch)]).permutation(n).astype("int32")


def unique(variables) -> list:
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


class JaxSteps:
    """The jitted training step of one model over ``variables`` (the run's whole state)."""

    def __init__(
        self,
        model,
        variables,
        images_uint8,
        batch_size: int,
        value_range,
        steps_per_call=1,
        devices=None,
    ):
        import jax
        import jax.numpy as jnp

        self.model = model
        self.variables = unique(variables)
        self.batch_size = int(batch_size)
        self.steps_per_call = int(steps_per_call)
        lo, hi = value_range
        self.scale = (np.float32((hi - lo) / 255.0), np.float32(lo))
        # Data parallel over ``devices``: state and images replicated, each batch split across
        # them; XLA partitions the step and sums the gradients (GSPMD).
        self.replicated = self.split = None
        if devices and len(devices) > 1:
            from jax.sharding import Mesh, NamedSharding, PartitionSpec

            mesh = Mesh(np.array(devices), ("data",))
            self.replicated = NamedSharding(mesh, PartitionSpec())
            self.split = NamedSharding(mesh, PartitionSpec("data"))
        self.images = self.put(np.asarray(images_uint8, "uint8"))
        self.n = int(len(images_uint8))
        self._jnp = jnp
        self._single = jax.jit(self._one, donate_argnums=0)
        self._loop = jax.jit(self._steps, donate_argnums=0)
        self._compiled = {}
        self._logs = None
        self.compile_seconds = 0.0

    def _one(self, values, images, order, step):
        from jax import lax

        from genlab.gradients import stateless

        idx = lax.dynamic_slice_in_dim(order, step * self.batch_size, self.batch_size)
        factor, lo = self.scale
        batch = images[idx].astype("float32") * factor + lo
        if self.split is not None:
            batch = lax.with_sharding_constraint(batch, self.split)
        with stateless(self.variables, values) as scope:
            logs = self.model.train_step(batch)
        new = [scope.get_current_value(v) for v in self.variables]
        return new, {k: self._jnp.asarray(v, "float32") for k, v in logs.items()}

    def _steps(self, values, images, order, start, count, logs):
        from jax import lax

        def body(i, carry):
            return self._one(carry[0], images, order, start + i)

        return lax.fori_loop(0, count, body, (values, logs))

    def put(self, value):
        """``value`` on the device(s): replicated when the step is data parallel."""
        import jax

        return jax.device_put(value, self.replicated) if self.replicated else jax.device_put(value)

    def _values(self) -> list:
        values = [v.value for v in self.variables]
        return self.put(values) if self.replicated is not None else values

    def _arguments(self, order):
        import jax

        values = self._values()
        shapes = jax.eval_shape(
            lambda vals, x, o: self._one(vals, x, o, 0)[1], values, self.images, order
        )
        logs = {k: self._jnp.zeros(s.shape, s.dtype) for k, s in shapes.items()}
        return values, logs

    def compile(self) -> float:
        """Compile the step now, before the training clock starts; returns the seconds it took.
        JAX's persistent compilation cache, when set, makes a later run's compile a read."""
        loop = self.steps_per_call > 1
        if loop not in self._compiled:
            started = time.perf_counter()
            order = self.put(np.zeros((self.n,), "int32"))
            values, logs = self._arguments(order)
            if loop:
                lowered = self._loop.lower(values, self.images, order, 0, 1, logs)
            else:
                lowered = self._single.lower(values, self.images, order, 0)
            self._compiled[loop] = lowered.compile()
            self._logs = logs
            self.compile_seconds += time.perf_counter() - started
        return self.compile_seconds

    def run(self, order, start: int, count: int) -> dict:
        """``count`` steps from step ``start`` of the epoch ordered by ``order`` (on device);
        the state is written back into the variables before this returns.

        With ``steps_per_call`` 1 this is the one-step program; above, a ``fori_loop`` whose trip
        count is an argument, used for every call (also of one step), so results do not depend
        on where calls begin and end: a resumed run repeats an uninterrupted one exactly. XLA on
        a CPU runs a loop's body several times slower than the same step outside a loop
        (docs/backends.md), so CPUs default to one step per call.
        """
        if count > self.steps_per_call:
            raise ValueError(f"{count} steps asked of a step compiled for {self.steps_per_call}")
        loop = self.steps_per_call > 1
        self.compile()
        values = self._values()
        with _held_interrupt() as interrupted:
            if loop:
                args = (values, self.images, order, start, count, self._logs)
            else:
                args = (values, self.images, order, start)
            values, logs = self._compiled[loop](*args)
            for variable, value in zip(self.variables, values, strict=True):
                variable.assign(value)
        if interrupted:
            raise KeyboardInterrupt
        return logs


@contextlib.contextmanager
def _held_interrupt():
    """Ctrl-C inside the block is raised after it (as a truthy list), never half way."""
    received = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    except ValueError:  # not the main thread: nothing to hold
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def fit(
    steps: JaxSteps,
    callbacks,
    *,
    seed: int,
    first_epoch: int,
    skip: int,
    last_epoch: int,
    n_steps: int,
    steps_per_epoch: int,
    boundary=None,
) -> None:
    """Train epochs ``first_epoch .. last_epoch - 1`` as ``Model.fit`` would, calling
    ``callbacks`` as it does; the first epoch starts at step ``skip`` and every epoch runs
    ``n_steps`` steps. ``boundary(step)``, if given, is the next run step (counted by
    ``model.steps_done``) after ``step`` at which the callbacks must see the state."""

    model = steps.model
    for cb in callbacks:
        cb.set_model(model)
    model.stop_training = False
    steps.compile()
    for cb in callbacks:
        cb.on_train_begin()
    for epoch in range(first_epoch, last_epoch):
        model.reset_metrics()
        for cb in callbacks:
            cb.on_epoch_begin(epoch)
        order = steps.put(epoch_order(steps.n, seed, epoch))
        start = skip if epoch == first_epoch else 0
        done = 0
        while done < n_steps:
            count = min(steps.steps_per_call, n_steps - done)
            if boundary is not None:
                now = epoch * steps_per_epoch + start + done
                limit = boundary(now)
                if limit is not None and limit > now:
                    count = min(count, limit - now)
            for cb in callbacks:
                cb.on_train_batch_begin(done)
            logs = steps.run(order, start + done, count)
            done += count
            for cb in callbacks:
                cb.on_train_batch_end(done - 1, logs)
            if model.stop_training:
                break
        epoch_logs = {t.name: float(t.result()) for t in model.metrics}
        for cb in callbacks:
            cb.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end()
