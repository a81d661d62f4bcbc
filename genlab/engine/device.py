"""Where and how training runs: device, tf.distribute strategy, XLA and precision.

Defaults are chosen per device from measurements (docs/performance.md), not assumptions: on CPU,
plain graph mode beats XLA (the tutorial DCGAN step: ~590 img/s graph vs ~340 with XLA on a 2-core
machine), so XLA and mixed precision are used only on GPUs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from genlab.errors import UsageError

DEVICES = ("auto", "cpu", "gpu")
STRATEGIES = ("default", "mirrored", "multiworker")


@dataclass
class DevicePlan:
    device: str
    strategy_name: str
    jit_compile: bool
    mixed_precision: bool
    steps_per_execution: int
    replicas: int = 1
    is_chief: bool = True
    description: str = ""
    strategy: object = None

    def as_dict(self) -> dict:
        return {
            "device": self.device,
            "strategy": self.strategy_name,
            "replicas": self.replicas,
            "jit_compile": self.jit_compile,
            "mixed_precision": self.mixed_precision,
            "steps_per_execution": self.steps_per_execution,
            "description": self.description,
        }


def configure_cpu_devices(count: int) -> None:
    """Split the CPU into ``count`` logical devices (MirroredStrategy on one machine, tests)."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    )


def plan(
    device: str = "auto",
    strategy: str = "default",
    xla: bool | None = None,
    mixed_precision: bool | None = None,
    steps_per_execution: int | None = None,
) -> DevicePlan:
    """Pick the device and build the strategy. Must run before any model is built."""
    if device not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {device!r}")
    if strategy not in STRATEGIES:
        raise UsageError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    import keras
    import tensorflow as tf

    # MultiWorkerMirroredStrategy must be created before anything touches the devices.
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
    use_mp = on_gpu if mixed_precision is None else mixed_precision
    keras.mixed_precision.set_global_policy("mixed_float16" if use_mp else "float32")
    spe = steps_per_execution or (8 if on_gpu else 1)
    replicas = strat.num_replicas_in_sync
    is_chief = True
    if multiworker is not None:
        task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
        is_chief = task.get("type", "worker") in ("chief",) or (
            task.get("type", "worker") == "worker" and int(task.get("index", 0)) == 0
        )
    names = ", ".join(d.name for d in (gpus or tf.config.list_physical_devices("CPU")))
    description = (
        f"{kind.upper()} ({names}); strategy {strategy} x{replicas}; "
        f"XLA {'on' if use_xla else 'off'}; {'mixed_float16' if use_mp else 'float32'}"
    )
    return DevicePlan(
        device=kind,
        strategy_name=strategy,
        jit_compile=use_xla,
        mixed_precision=use_mp,
        steps_per_execution=spe,
        replicas=replicas,
        is_chief=is_chief,
        description=description,
        strategy=strat,
    )
