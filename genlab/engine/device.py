"""Where and how training runs: backend, device, tf.distribute strategy, XLA, precision, workers.

Defaults are chosen per device from measurements (docs/performance.md), not assumptions. On CPU,
plain graph mode beats XLA, and bfloat16 mixed precision is used where the CPU computes bf16 in
hardware (AVX512_BF16 or AMX), where it measured about 1.5x faster with unchanged losses. On GPU,
XLA and bfloat16 mixed precision are the defaults (TensorFlow's GPU numbers are not measured
yet; JAX's are, docs/backends.md).

Environment variables override the defaults without touching the command line, which is what
cluster launchers and benchmarks need (explicit arguments to :func:`place` win over them):

``GENLAB_CPU_DEVICES=N``
    split the CPU into N logical devices, so ``--strategy mirrored`` has N replicas on one machine;
``GENLAB_XLA=0|1``, ``GENLAB_MIXED_PRECISION=0|1``, ``GENLAB_STEPS_PER_EXECUTION=N``
    force XLA, mixed precision or the most steps per compiled call.

On JAX (:mod:`genlab.backends`) ``--strategy mirrored`` is data parallel over the machine's
devices (sharded batches, GSPMD) and ``multiworker`` is refused; the torch backend has no
training loop yet. JAX always compiles (XLA); on a GPU, where small batches are
launch-bound, a call runs up to 8,192 images (at least 64 steps), on a CPU one step, since XLA
runs a step inside a loop slower there (docs/backends.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import UsageError

DEVICES = ("auto", "cpu", "gpu")
STRATEGIES = ("default", "mirrored", "multiworker")
ENV_CPU_DEVICES = "GENLAB_CPU_DEVICES"
ENV_XLA = "GENLAB_XLA"
ENV_MIXED_PRECISION = "GENLAB_MIXED_PRECISION"
ENV_STEPS_PER_EXECUTION = "GENLAB_STEPS_PER_EXECUTION"
#: CPU flags (``/proc/cpuinfo``) for native bfloat16 matrix math.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass
class Placement:
    device: str
    strategy_name: str
    jit_compile: bool
    mixed_precision: bool
    steps_per_execution: int
    replicas: int = 1
    is_chief: bool = True
    description: str = ""
    strategy: object = None
    precision: str = "float32"
    task: str = ""
    backend: str = "tensorflow"
    #: JAX's devices for data parallelism (``--strategy mirrored``); None: one device.
    devices: list | None = None

    def scope(self):
        """The block in which models and their variables are created (the strategy's scope)."""
        import contextlib

        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def as_dict(self) -> dict:
        return {
            "backend": self.backend,
            "device": self.device,
            "strategy": self.strategy_name,
            "replicas": self.replicas,
            "jit_compile": self.jit_compile,
            "mixed_precision": self.mixed_precision,
            "precision": self.precision,
            "steps_per_execution": self.steps_per_execution,
            "task": self.task,
            "description": self.description,
        }


def configure_cpu_devices(count: int) -> None:
    """Split the CPU into ``count`` logical devices (MirroredStrategy on one machine, tests).

    Only possible before TensorFlow initialises its devices, so it is done first thing in
    :func:`place` when ``GENLAB_CPU_DEVICES`` is set.
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        if len(tf.config.list_logical_devices("CPU")) != count:
            raise UsageError(
                f"{ENV_CPU_DEVICES}={count} came too late: TensorFlow had already set up its "
                "devices in this process"
            ) from None


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{name} must be 0 or 1, got {value!r}")


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def cpu_has_bf16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """True when the CPU multiplies bfloat16 natively; emulated bf16 is slower than float32."""
    try:
        flags = Path(cpuinfo).read_text(errors="replace").split()
    except OSError:
        return False
    return any(flag in flags for flag in BF16_CPU_FLAGS)


def worker_task(strategy: str) -> tuple[str, int, bool]:
    """``(task type, index, is chief)`` of this process, from ``TF_CONFIG`` (no TensorFlow).

    The chief is the ``chief`` task when the cluster has one, else worker 0 (TensorFlow's rule).
    Only the chief writes the run directory; other workers train and write nothing.
    """
    if strategy != "multiworker":
        return "", 0, True
    raw = os.environ.get("TF_CONFIG", "").strip()
    try:
        config = json.loads(raw) if raw else {}
        task = config.get("task") or {}
        kind, index = str(task.get("type", "worker")), int(task.get("index", 0))
        cluster = config.get("cluster") or {}
    except (ValueError, TypeError, AttributeError):
        raise UsageError(
            "TF_CONFIG is not valid JSON of the form "
            '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": 0}}'
        ) from None
    chief = kind == "chief" if "chief" in cluster else (kind == "worker" and index == 0)
    return kind, index, chief


def place(
    device: str = "auto",
    strategy: str = "default",
    xla: bool | None = None,
    mixed_precision: bool | None = None,
    steps_per_execution: int | None = None,
) -> Placement:
    """Pick the device and build the strategy. Must run before any model is built."""
    if device not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {device!r}")
    if strategy not in STRATEGIES:
        raise UsageError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    xla = _env_flag(ENV_XLA) if xla is None else xla
    mixed_precision = _env_flag(ENV_MIXED_PRECISION) if mixed_precision is None else mixed_precision
    steps_per_execution = steps_per_execution or _env_int(ENV_STEPS_PER_EXECUTION)
    import genlab.backends as backends

    backend = backends.current()
    if backend != "tensorflow":
        return _place_without_tensorflow(
            backend, device, strategy, mixed_precision, steps_per_execution
        )
    kind_, index, is_chief = worker_task(strategy)
    cpu_devices = _env_int(ENV_CPU_DEVICES)
    import keras
    import tensorflow as tf

    # Logical devices, then MultiWorkerMirroredStrategy: both before anything touches devices.
    if cpu_devices:
        configure_cpu_devices(cpu_devices)
    multiworker = tf.distribute.MultiWorkerMirroredStrategy() if strategy == "multiworker" else None

    gpus = tf.config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise UsageError(
            "--device gpu was requested but TensorFlow sees no GPU; "
            "install genlab[gpu] with a CUDA driver, or use --device cpu"
        )
    if device == "cpu" and gpus and multiworker is None:
        tf.config.set_visible_devices([], "GPU")
        gpus = []
    on_gpu = bool(gpus) and device != "cpu"
    kind = "gpu" if on_gpu else "cpu"

    if multiworker is not None:
        strat = multiworker
    elif strategy == "mirrored":
        logical = tf.config.list_logical_devices("GPU" if on_gpu else "CPU")
        strat = tf.distribute.MirroredStrategy([d.name for d in logical])
    else:
        strat = tf.distribute.get_strategy()

    use_xla = on_gpu if xla is None else xla
    use_mp = (on_gpu or cpu_has_bf16()) if mixed_precision is None else mixed_precision
    # bfloat16 on GPUs too: it has float32's exponent range, so the models' plain optimizers
    # need no loss scaling (float16 would underflow gradients without a LossScaleOptimizer).
    precision = "mixed_bfloat16" if use_mp else "float32"
    keras.mixed_precision.set_global_policy(precision)
    spe = steps_per_execution or (8 if on_gpu else 1)
    replicas = strat.num_replicas_in_sync
    task = f"{kind_}:{index}" if multiworker is not None else ""
    names = ", ".join(d.name for d in (gpus or tf.config.list_logical_devices("CPU")))
    description = (
        f"{kind.upper()} ({names}); strategy {strategy} x{replicas}"
        f"{f' ({task})' if task else ''}; XLA {'on' if use_xla else 'off'}; {precision}"
    )
    return Placement(
        device=kind,
        strategy_name=strategy,
        jit_compile=use_xla,
        mixed_precision=use_mp,
        steps_per_execution=spe,
        replicas=replicas,
        is_chief=is_chief,
        description=description,
        strategy=strat,
        precision=precision,
        task=task,
    )


def _place_without_tensorflow(backend, device, strategy, mixed_precision, steps_per_execution):
    """The placement on JAX: the first accelerator unless ``--device cpu``; with ``--strategy
    mirrored`` every accelerator (or every CPU device), the batch split across them."""
    import keras

    if strategy == "multiworker":
        raise UsageError(
            f"--strategy multiworker needs the tensorflow backend (tf.distribute); on {backend} "
            "genlab trains on one machine: use --strategy mirrored for its devices, or "
            "--backend tensorflow"
        )
    if backend == "torch":
        raise UsageError(
            "genlab's training loop does not drive the torch backend yet (models take their "
            "gradients on it, the engine has no PyTorch loop): use --backend jax or --backend "
            "tensorflow"
        )
    if backend == "jax":
        import jax

        if device == "cpu":
            jax.config.update("jax_platforms", "cpu")
        accelerators = [d for d in jax.devices() if d.platform != "cpu"]
        devices = (accelerators or jax.devices()) if strategy == "mirrored" else None
        names = ", ".join(str(d.device_kind) for d in (accelerators or jax.devices())[:1])
        _compilation_cache(jax)
    if device == "gpu" and not accelerators:
        raise UsageError(
            f"--device gpu was requested but {backend} sees no GPU; install its CUDA build "
            "(docs/backends.md), or use --device cpu"
        )
    on_gpu = bool(accelerators)
    kind = "gpu" if on_gpu else "cpu"
    # bfloat16 on GPUs (float32's exponent range: no loss scaling). On a CPU JAX and PyTorch
    # measured slower in bfloat16 than in float32 (docs/backends.md), unlike TensorFlow.
    use_mp = on_gpu if mixed_precision is None else mixed_precision
    precision = "mixed_bfloat16" if use_mp else "float32"
    keras.mixed_precision.set_global_policy(precision)
    # 0: by batch size, per run (steps_per_call); on a CPU XLA runs a loop's body slower.
    spe = steps_per_execution or (0 if on_gpu else 1)
    replicas = len(devices) if devices else 1
    description = f"{kind.upper()} ({names}); {backend}; {precision}"
    if devices:
        description += f"; data parallel x{replicas}"
    return Placement(
        device=kind,
        strategy_name=strategy,
        replicas=replicas,
        devices=devices,
        jit_compile=True,
        mixed_precision=use_mp,
        steps_per_execution=spe,
        description=description,
        precision=precision,
        backend=backend,
    )


#: On a GPU, a JAX call runs at least this many steps and at least IMAGES_PER_CALL images: small
#: batches are launch-bound, and every call ends with the host reading the losses.
MIN_STEPS_PER_CALL = 64
IMAGES_PER_CALL = 8192


def steps_per_call(placement: Placement, global_batch: int) -> int:
    """Training steps per compiled call: the placement's, or on a GPU (0) as many as make
    :data:`IMAGES_PER_CALL` images, at least :data:`MIN_STEPS_PER_CALL`."""
    if placement.steps_per_execution:
        return placement.steps_per_execution
    return max(MIN_STEPS_PER_CALL, IMAGES_PER_CALL // max(1, global_batch))


def _compilation_cache(jax) -> None:
    """JAX's persistent compilation cache, so runs after the first (other seeds, the runs of a
    comparison) read their compiled steps instead of compiling them again."""
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    folder = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "genlab" / "jax"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(folder))
    except OSError:
        pass


def fit_logs_for_multiworker(model) -> None:
    """Give every value ``train_step`` returns a length-1 axis (once per model).

    Under MultiWorkerMirroredStrategy, Keras 3 reduces the logs of ``fit`` with
    ``strategy.reduce("MEAN", value, axis=0)``, which fails on scalars; on a ``[1]`` vector it
    is the mean over replicas, a scalar again.
    """
    if getattr(model, "_genlab_multiworker_logs", False):
        return
    import tensorflow as tf

    step = model.train_step

    def train_step(data):
        return {name: tf.reshape(value, [1]) for name, value in step(data).items()}

    model.train_step = train_step
    model._genlab_multiworker_logs = True


def worker_run_dir(out: Path, strategy: str) -> Path:
    """The run directory this process writes: ``out`` on the chief, a sub-folder elsewhere.

    Every worker must read the state exactly when the chief does (collective ops), so every
    worker writes its own checkpoints and history; the others' go to ``out/workers/<task>``,
    from where each worker also resumes. No shared file system is needed.
    """
    kind, index, chief = worker_task(strategy)
    return Path(out) if chief else Path(out) / "workers" / f"{kind}-{index}"
