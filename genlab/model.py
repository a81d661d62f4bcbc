"""The base class every genlab model derives from.

A model holds only its algorithm: networks are built by plain builder functions, losses are
tracked by :class:`keras.metrics.Mean` trackers, and ``train_step`` performs one update through
:meth:`GenerativeModel.minimize`, in ``keras.ops`` and ``keras.random`` only, so the same model
trains on TensorFlow, JAX and PyTorch. Where and how it trains (backend, device, strategy,
precision, callbacks, checkpoints) is the engine's business.
"""

from __future__ import annotations

import keras
import numpy as np


class GenerativeModel(keras.Model):
    """A generative image model trained by :mod:`genlab.engine`.

    Subclasses set ``latent_dim``, create their networks and optimizers in ``__init__``, and
    implement :meth:`train_step` and :meth:`generate`; autoencoders also :meth:`encode`,
    :meth:`reconstruct`. Images are float32 in the spec's ``output_range``.

    Args:
        config: the model's :class:`genlab.ModelConfig` instance.
        image_shape: (height, width, channels).
        loss_names: names of the losses ``train_step`` reports; one mean tracker each.
    """

    latent_dim: int = 0

    def __init__(self, config, image_shape, loss_names=("loss",), **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.image_shape = tuple(int(d) for d in image_shape)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in loss_names}
        # Training steps taken so far; counted by the engine, saved in every checkpoint.
        self.steps_done = keras.Variable(
            0, dtype="int64", trainable=False, name="steps_done", aggregation="only_first_replica"
        )

    # -- what the engine calls -------------------------------------------------------------
    @property
    def metrics(self):
        return list(self.trackers.values())

    def optimizer_pairs(self) -> list[tuple[keras.optimizers.Optimizer, keras.Model]]:
        """(optimizer, network it updates) pairs; every optimizer the model owns."""
        raise NotImplementedError

    def optimizers(self) -> list[keras.optimizers.Optimizer]:
        return [opt for opt, _ in self.optimizer_pairs()]

    def build_optimizers(self) -> None:
        """Create optimizer slots now, so a checkpoint can be restored before training."""
        for opt, net in self.optimizer_pairs():
            if not opt.built:
                opt.build(net.trainable_variables)

    def networks(self) -> dict[str, keras.Model]:
        """The trained networks, saved as ``.keras`` files (plain Keras, loads in safe mode)."""
        raise NotImplementedError

    def sampling_networks(self) -> list[keras.Model]:
        """The networks :meth:`generate` runs, whose weights the engine may average (EMA).

        Every model that samples names them (a GAN its generator, an autoencoder its decoder);
        the contract kit checks it. Empty (the default) only for a model that cannot sample:
        ``--ema`` is refused for it.
        """
        return []

    def finalize(self, images: np.ndarray) -> None:
        """Called once after training with (a subset of) the training images, in model range."""

    def state_variables(self) -> list:
        """Everything a checkpoint must hold for an exact resume: weights, RNG, optimizers and
        the loss trackers (a checkpoint taken mid-epoch carries the epoch's running means)."""
        variables = list(self.variables)
        for opt in self.optimizers():
            variables.extend(opt.variables)
        for tracker in self.metrics:
            variables.extend(tracker.variables)
        return variables

    # -- what users and the metric suite call ----------------------------------------------
    def generate(self, z, training=False):
        """Decode latent vectors ``z`` into images."""
        raise NotImplementedError

    def encode(self, x, training=False):
        """Latent codes of images ``x`` (autoencoders)."""
        raise NotImplementedError(f"{type(self).__name__} cannot encode images")

    def reconstruct(self, x, training=False):
        """Images rebuilt from ``x`` (autoencoders)."""
        return self.generate(self.encode(x, training=training), training=training)

    def sample_latents(self, n: int, seed: int = 0) -> np.ndarray:
        """Latent draws for :meth:`sample`; the prior is N(0, I) unless a subclass knows better."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def sample(self, n: int, seed: int = 0, batch_size: int = 500, progress=None) -> np.ndarray:
        """``n`` new images as a numpy array in the model's output range.

        ``progress(done, n)`` is called after every batch: a model that samples in many network
        evaluations takes minutes for an evaluation's 10,000 images.
        """
        latents = self.sample_latents(n, seed)
        return self.predict_batches(self.generate, latents, batch_size, progress)

    def network_evaluations_per_sample(self) -> int:
        """Forward passes of a network per generated image: 1 for a generator or a decoder, the
        number of sampling steps for a diffusion model. Reported beside the time per image."""
        return 1

    @staticmethod
    def predict_batches(fn, inputs: np.ndarray, batch_size: int = 500, progress=None) -> np.ndarray:
        from genlab.backends import compiled_forward

        forward = compiled_forward(fn)
        outputs = []
        for i in range(0, len(inputs), batch_size):
            batch = keras.ops.convert_to_tensor(inputs[i : i + batch_size])
            outputs.append(np.asarray(forward(batch), "float32"))
            if progress is not None:
                progress(min(i + batch_size, len(inputs)), len(inputs))
        return np.concatenate(outputs) if outputs else np.zeros((0,), "float32")

    # -- optional: what some models can do; the metric suite asks, n/a where not overridden ---
    def corrupt(self, x):
        """The corruption the model is trained to undo (denoising models), on model-range images.

        The identity by default; ``denoise_psnr_gain`` applies only when this changes images.
        Draw randomness from a :class:`keras.random.SeedGenerator` the model owns (its state is
        checkpointed, so a resumed run draws the same noise).
        """
        return x

    def validation_losses(self, x) -> dict:
        """``train_step``'s losses on a batch of held-out model-range images ``x``, with no
        update: ``{name: mean over the batch}``.

        Implement it when the losses mean something on images the model never trained on
        (autoencoders, VAEs); the engine then reports ``val_<name>`` after every epoch on the
        validation split (``--val-fraction``). Not implemented: no validation losses.
        """
        raise NotImplementedError(f"{type(self).__name__} has no validation_losses()")

    def elbo_terms(self, x) -> dict:
        """Per-image ``{"recon": ..., "kl": ...}`` in nats for model-range images ``x`` (numpy);
        ``-(recon + kl)`` is the ELBO. Likelihood models implement it (``elbo`` metric)."""
        raise NotImplementedError(f"{type(self).__name__} has no elbo_terms()")

    def log_likelihood_iw(self, x, k: int) -> np.ndarray:
        """Importance-weighted estimate of log p(x) per image in nats, ``k`` samples per image
        (``iw_log_likelihood`` metric). Likelihood models implement it."""
        raise NotImplementedError(f"{type(self).__name__} has no log_likelihood_iw()")

    # -- helpers for train_step ------------------------------------------------------------
    def minimize(self, loss_fn, targets: dict) -> dict:
        """One gradient step, on whichever Keras backend runs: the seam between a model's
        algorithm and the backend.

        ``loss_fn()`` runs the forward pass once and returns named losses (``keras.ops``
        scalars, plus anything else worth logging); ``targets`` maps loss names to the
        ``(network, optimizer)`` that loss trains::

            losses = self.minimize(
                lambda: self.gan_losses(real),
                {"g_loss": (self.generator, self.g_optimizer),
                 "d_loss": (self.discriminator, self.d_optimizer)},
            )

        Every gradient is taken from that one forward pass, then the optimizers apply them in
        the order of ``targets``. Returns everything ``loss_fn`` returned. Draw randomness
        inside or outside ``loss_fn`` from a :class:`keras.random.SeedGenerator` the model owns.
        """
        from genlab.gradients import minimize

        return minimize(loss_fn, targets)

    @staticmethod
    def input_gradient(fn, x):
        """Gradient of ``sum(fn(x))`` with respect to the input ``x`` (for penalties on it,
        such as WGAN-GP's); use it inside ``loss_fn``, where it stays differentiable."""
        from genlab.gradients import input_gradient

        return input_gradient(fn, x)

    def apply_loss(self, tape, loss, network, optimizer) -> None:
        """Gradient step of ``network`` on ``loss`` recorded by a ``tf.GradientTape``.

        TensorFlow only: kept for third-party models written before :meth:`minimize`. Such a
        model trains on the TensorFlow backend alone; :meth:`minimize` trains on every backend.
        The 1/replicas and loss-scale factors go in through ``output_gradients``: the tape has
        closed, so it would not see ``loss`` being multiplied (and return no gradients).
        """
        if keras.backend.backend() != "tensorflow":
            from genlab.errors import PluginError

            raise PluginError(
                f"{type(self).__name__}.train_step trains through a tf.GradientTape "
                f"(apply_loss), which only the tensorflow backend runs, not "
                f"{keras.backend.backend()}; run it with --backend tensorflow, or write its "
                "train_step with self.minimize (docs/plugins/writing-plugins.md)"
            )
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        scale = optimizer.scale_loss(tf.ones_like(loss) / replicas)
        variables = network.trainable_variables
        grads = tape.gradient(loss, variables, output_gradients=scale)
        optimizer.apply_gradients(zip(grads, variables, strict=True))

    def log(self, **values) -> dict:
        """Update the loss trackers and return their running means (``train_step``'s result)."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}
