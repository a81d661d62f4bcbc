"""Weight averaging of the sampling networks: an exponential moving average kept by the engine.

Samples from a GAN generator whose weights are averaged over the last steps are markedly better
than samples from its last iterate (Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in
GAN Training"; StyleGAN and BigGAN sample from such an average). A model opts in by naming its
sampling networks (:meth:`genlab.model.GenerativeModel.sampling_networks`); the engine updates the
average after every training step, inside the compiled step, checkpoints it with the rest of the
state and samples from it.

Warm-up: step ``t`` (counted from 0) uses ``decay_t = min(decay, (1 + t) / (10 + t))``, the
schedule of TensorFlow's ``tf.train.ExponentialMovingAverage(num_updates=...)``, so that a short
run averages over its recent steps instead of remembering the random initialisation.
"""

from __future__ import annotations

import contextlib


def resolve_decay(ema: float | None, spec) -> float:
    """A run's decay: ``--ema`` when given (0 = ``--no-ema``), else the model's default.

    A model declares its default in its spec (:attr:`genlab.ModelSpec.default_ema`), so a
    family that needs the average (diffusion models sample from it) gets it without a flag, and
    the engine names no model. The built-ins declare none: at the budgets measured (30,000
    images) the average helped the GANs at batch 32-64 but not at the batch size ``dcgan`` now
    trains with (docs/models/dcgan.md#how-the-defaults-were-chosen).
    """
    return float(spec.default_ema) if ema is None else float(ema)


def check_decay(decay: float) -> None:
    from genlab.errors import ConfigError

    if not 0.0 <= decay < 1.0:
        raise ConfigError(f"--ema must be in [0, 1) (0 switches averaging off), got {decay}")


class WeightAverage:
    """Moving averages of every weight of ``networks`` (BatchNorm statistics included).

    Create it inside the strategy scope the model was built in. :meth:`update` runs in the
    training step (replica context); the averages are synchronised like ``steps_done``.
    """

    def __init__(self, networks, decay: float):
        import keras

        check_decay(decay)
        self.decay = float(decay)
        self.networks = list(networks)
        self.sources = [w for net in self.networks for w in net.weights]
        self.averages = [
            keras.Variable(
                w.numpy(),
                dtype=w.dtype,
                trainable=False,
                name=f"ema_{i}",
                aggregation="only_first_replica",
            )
            for i, w in enumerate(self.sources)
        ]
        self.updates = keras.Variable(
            0, dtype="int64", trainable=False, name="ema_updates", aggregation="only_first_replica"
        )

    @property
    def variables(self) -> list:
        """What a checkpoint must hold to resume the average exactly."""
        return [*self.averages, self.updates]

    def current_decay(self):
        from keras import ops

        t = ops.cast(self.updates.value, "float32")
        return ops.minimum(self.decay, (1.0 + t) / (10.0 + t))

    def update(self) -> None:
        """One averaging step; call after the optimizers have applied the step's gradients."""
        from keras import ops

        rate = 1.0 - self.current_decay()
        for average, source in zip(self.averages, self.sources, strict=True):
            value = ops.cast(source.value, average.dtype)
            average.assign(average.value + ops.cast(rate, average.dtype) * (value - average.value))
        self.updates.assign_add(1)

    def copy_to_networks(self) -> None:
        """Put the averages into the networks for good (training is over)."""
        for average, source in zip(self.averages, self.sources, strict=True):
            source.assign(average.value)

    @contextlib.contextmanager
    def applied(self):
        """The networks hold the averages inside the block and their own weights again after."""
        saved = [w.numpy() for w in self.sources]
        self.copy_to_networks()
        try:
            yield
        finally:
            for source, value in zip(self.sources, saved, strict=True):
                source.assign(value)
