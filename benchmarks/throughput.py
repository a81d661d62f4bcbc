"""Training throughput of genlab's real engine path against the TensorFlow tutorial's DCGAN step.

genlab side: ``run_one`` (``evaluate=False``) exactly as ``genlab run`` calls it, with everything a
user sees switched on: the rich progress bar, per-epoch sample grids, TensorBoard scalars, history
and checkpoints. It trains on a Fashion-MNIST subset of ``steps x batch`` images, so one epoch is
``--steps`` steps; the first epoch (tracing) is not timed, then every epoch counts, epoch-end work
included.

Reference side (dcgan only): the TensorFlow DCGAN tutorial's loop, in the same process, with the
same networks (the dcgan plugin's builders), batch and device: a plain ``tf.function`` over two
GradientTapes, ``BinaryCrossentropy(from_logits=True)``, Adam(2e-4, beta_1=0.5) for both networks,
float32, fed by the tutorial's ``from_tensor_slices(...).shuffle(...).batch(...)``. Its tracing
call is not timed either.

The two alternate step by step (A/B/A/B): a callback runs one reference step after each genlab
step, so both see the same machine load, which on a shared machine changes by the second; each
side's epoch time is summed from its own steps, and the ratio is the median of the per-epoch
ratios. The input pipelines are also timed alone, to show that data is never the bottleneck.
Run with::

    python benchmarks/throughput.py --model dcgan [--batch-size 256] [--steps 20] [--repeats 5]
    python benchmarks/throughput.py --all --json benchmarks/results/throughput-cpu.json
    python benchmarks/throughput.py --model dcgan --device gpu --xla --mixed-precision
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NOISE_DIM = 100


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "platform": platform.platform()}


def tutorial_reference(images_uint8, batch_size: int):
    """The tutorial's networks, losses, optimizers, dataset and ``train_step``; float32."""
    import keras
    import tensorflow as tf
    from genlab_models.dcgan.model import build_discriminator, build_generator

    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        generator = build_generator(NOISE_DIM, images_uint8.shape[1:])
        discriminator = build_discriminator(images_uint8.shape[1:])
    finally:
        keras.mixed_precision.set_global_policy(policy)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    generator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    discriminator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)

    def discriminator_loss(real_output, fake_output):
        real_loss = cross_entropy(tf.ones_like(real_output), real_output)
        fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
        return real_loss + fake_loss

    def generator_loss(fake_output):
        return cross_entropy(tf.ones_like(fake_output), fake_output)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, NOISE_DIM])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated_images, training=True)
            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)
        g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables
        gradients_of_generator = gen_tape.gradient(gen_loss, g_vars)
        gradients_of_discriminator = disc_tape.gradient(disc_loss, d_vars)
        generator_optimizer.apply_gradients(zip(gradients_of_generator, g_vars, strict=True))
        discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, d_vars, strict=True)
        )
        return gen_loss, disc_loss

    train_images = (images_uint8.astype("float32") - 127.5) / 127.5
    dataset = (
        tf.data.Dataset.from_tensor_slices(train_images)
        .shuffle(len(train_images))
        .batch(batch_size)
    )
    batches = iter(dataset.repeat())

    def steps(count: int) -> float:
        """Seconds for ``count`` tutorial steps, fetching their batches included."""
        start = time.perf_counter()
        for _ in range(count):
            losses = train_step(next(batches))
            float(losses[0])  # all work done (genlab's progress bar reads its losses too)
        return time.perf_counter() - start

    steps.generator = generator  # for scoring its samples (benchmarks/quality_per_compute.py)
    return steps, dataset


def pipeline_seconds(dataset, steps: int) -> float:
    """Seconds to pull ``steps`` batches out of ``dataset`` with no training at all.

    Steady state, as in ``fit``, which makes one iterator for all epochs: the iterator is
    created and its first batch taken before the clock starts.
    """
    iterator = iter(dataset.repeat())
    next(iterator).numpy()
    start = time.perf_counter()
    for _ in range(steps):
        next(iterator).numpy()
    return time.perf_counter() - start


def measure(args) -> dict:
    """One model, in this process: genlab steps, alternating with reference steps."""
    import keras
    from rich.console import Console

    from genlab.config import RunOptions
    from genlab.data.loading import load
    from genlab.data.pipeline import training_dataset
    from genlab.registry import get_model
    from genlab.run import run_one

    spec = get_model(args.model)
    n_images = args.steps * args.batch_size
    images = load("fashion", limit=n_images).splits.train_images
    with_reference = args.reference and spec.name == "dcgan"
    load_before = os.getloadavg()

    class Alternate(keras.callbacks.Callback):
        """After each genlab step, one reference step: A/B/A/B at the finest grain.

        A genlab epoch is the wall time from the end of the previous epoch (after its grid,
        TensorBoard scalars and checkpoint) to the end of this one, minus the reference steps
        run in between. The first epoch (tracing on both sides) is not counted.
        """

        def __init__(self):
            super().__init__()
            self.genlab, self.reference = [], []
            self.mark, self.ref_seconds, self.done = None, 0.0, 0
            self.ref_steps = self.ref_data = None

        def on_train_begin(self, logs=None):
            if with_reference:
                self.ref_steps, self.ref_data = tutorial_reference(images, args.batch_size)
                self.ref_steps(1)  # tracing, not timed

        def on_epoch_begin(self, epoch, logs=None):
            self.done = 0

        def on_train_batch_end(self, batch, logs=None):
            if with_reference:  # batch jumps by steps_per_execution
                self.ref_seconds += self.ref_steps(batch + 1 - self.done)
            self.done = batch + 1

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            if self.mark is not None:
                self.genlab.append(now - self.mark - self.ref_seconds)
                self.reference.append(self.ref_seconds)
            self.ref_seconds = 0.0
            self.mark = time.perf_counter()

    timer = Alternate()
    console = Console(stderr=True, force_terminal=True, soft_wrap=True)
    with tempfile.TemporaryDirectory(prefix="genlab-throughput-") as tmp:
        options = RunOptions(
            epochs=args.repeats + 1,
            batch_size=args.batch_size,
            limit=n_images,
            device=args.device,
            evaluate=False,
        )
        config = options.run_config(spec.name, out=Path(tmp) / "run")
        summary = run_one(config, console=console, callbacks=[timer])
        plan = json.loads((Path(summary["run_dir"]) / "config.json").read_text())["device"]
    history = summary["history"][1:]

    global_batch = args.batch_size * plan["replicas"]
    epoch_images = args.steps * global_batch
    genlab = [epoch_images / s for s in timer.genlab]
    # History rows time the steps (and the reference steps between them); the rest of each
    # genlab epoch is its epoch-end work.
    epoch_end = [
        t - (row["seconds"] - ref)
        for t, ref, row in zip(timer.genlab, timer.reference, history, strict=True)
    ]
    genlab_pipe = training_dataset(images, global_batch, spec.output_range, 0, 0, 1_000)
    pipe = [pipeline_seconds(genlab_pipe, args.steps) for _ in range(3)]
    result = {
        "model": spec.name,
        "batch_size": args.batch_size,
        "steps_per_epoch": args.steps,
        "repeats": len(genlab),
        "plan": plan,
        "genlab_img_s": round(statistics.median(genlab), 1),
        "genlab_img_s_each": [round(x, 1) for x in genlab],
        "genlab_epoch_s": round(statistics.median(timer.genlab), 3),
        "epoch_end_s": round(statistics.median(epoch_end), 3),
        "pipeline_s_per_epoch": round(statistics.median(pipe), 4),
        "pipeline_fraction": round(statistics.median(pipe) / statistics.median(timer.genlab), 4),
        "final_losses": {k: v for k, v in summary["history"][-1].items() if "loss" in k},
    }
    if with_reference:
        ref = [epoch_images / s for s in timer.reference]
        ref_pipe = [pipeline_seconds(timer.ref_data, args.steps) for _ in range(3)]
        result.update(
            reference_img_s=round(statistics.median(ref), 1),
            reference_img_s_each=[round(x, 1) for x in ref],
            ratio=round(statistics.median(g / r for g, r in zip(genlab, ref, strict=True)), 3),
            ratio_of_medians=round(statistics.median(genlab) / statistics.median(ref), 3),
            reference_pipeline_fraction=round(
                statistics.median(ref_pipe) / statistics.median(timer.reference), 4
            ),
        )
    result["load_average"] = [round(x, 2) for x in (*load_before, *os.getloadavg())]
    return result


def registered_models() -> list[str]:
    from genlab.registry import get_registries

    return [spec.name for spec in get_registries().models]


def in_subprocess(name: str, args) -> dict:
    """Measure one model in a fresh process (clean TensorFlow state, its own precision policy)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, __file__, "--model", name, "--json", str(out)]
        command += child_flags(args)
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            return {"model": name, "error": f"exit {done.returncode}: {tail}"}
        return json.loads(out.read_text())[0]


def child_flags(args) -> list[str]:
    flags = ["--batch-size", str(args.batch_size), "--steps", str(args.steps)]
    flags += ["--repeats", str(args.repeats), "--device", args.device]
    if not args.reference:
        flags.append("--no-reference")
    return flags


def report(result: dict) -> str:
    if "error" in result:
        return f"{result['model']:<14} failed: {result['error']}"
    line = f"{result['model']:<14} genlab {result['genlab_img_s']:8.1f} img/s"
    if "reference_img_s" in result:
        line += (
            f"   reference {result['reference_img_s']:8.1f} img/s   ratio {result['ratio']:.3f}"
            f" (of medians {result['ratio_of_medians']:.3f})"
        )
    line += (
        f"   input pipeline {100 * result['pipeline_fraction']:.1f}% of an epoch"
        f"   epoch-end work {result['epoch_end_s']:.2f} s   [{result['plan']['description']}]"
    )
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", default="dcgan", help="registered model name (default dcgan)")
    which.add_argument("--all", action="store_true", help="every registered model")
    parser.add_argument("--batch-size", type=int, default=256, help="per-replica batch size")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs (after a warm-up)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    parser.add_argument(
        "--xla", action=argparse.BooleanOptionalAction, default=None, help="force XLA on/off"
    )
    parser.add_argument(
        "--mixed-precision",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force mixed precision on/off (bfloat16 on CPU, float16 on GPU)",
    )
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the tutorial step (dcgan only)",
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    # The engine reads these in device.plan; children inherit them.
    if args.xla is not None:
        os.environ["GENLAB_XLA"] = str(int(args.xla))
    if args.mixed_precision is not None:
        os.environ["GENLAB_MIXED_PRECISION"] = str(int(args.mixed_precision))

    if args.all:
        results = []
        for name in registered_models():
            results.append(in_subprocess(name, args))
            print(report(results[-1]), flush=True)
    else:
        results = [measure(args)]
        print(report(results[0]), flush=True)
    header = {
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "machine": machine(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("GENLAB_", "TF_NUM"))},
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([{**header, **r} for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
