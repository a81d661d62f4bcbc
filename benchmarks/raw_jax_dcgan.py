"""The TensorFlow tutorial's DCGAN step written directly in Keras 3 on JAX: the ceiling genlab's JAX
backend is measured against (``benchmarks/gpu.py``, part ``raw``).

Networks: genlab's own builders (``genlab_models.dcgan.model``) at the defaults of
``DCGANConfig`` (width, upsampling, dropout, noise size, Adam learning rate and beta_1). The step
is the tutorial's: one forward pass of both networks, non-saturating binary cross-entropy on
logits, both gradients from that one pass (``jax.vjp``, one pull-back per loss), two Adam
optimizers applied with ``stateless_apply``. ``--steps-per-call`` steps run in one jitted call
(``jax.lax.scan``), each on a batch gathered on the device from the uploaded training set, so
Python and the host never sit between two steps.

Precision: ``mixed_bfloat16`` (float32 variables, bfloat16 compute) or ``float32``, set with
``keras.mixed_precision.set_dtype_policy`` before the networks are built. Images/s exclude
compilation: one warm-up call, then calls are timed (``block_until_ready``) until
``--min-seconds`` have passed. Run with::

    python benchmarks/raw_jax_dcgan.py --data-dir /usr/share/datasets/fashion-mnist \\
        --batch-sizes 16,128,512 --precisions bf16,fp32 --json raw.json

Needs Keras 3 and JAX only (no TensorFlow): it sets ``KERAS_BACKEND=jax`` itself.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

POLICIES = {"bf16": "mixed_bfloat16", "fp32": "float32"}
TRAIN_IMAGES = "train-images-idx3-ubyte"


def read_idx_images(data_dir: str, limit: int | None = None):
    """Fashion-MNIST's training images as uint8 ``(n, 28, 28, 1)``, from ``<file>`` or
    ``<file>.gz`` in ``data_dir``."""
    import numpy as np

    folder = Path(data_dir)
    path = folder / TRAIN_IMAGES
    opener = open
    if not path.exists():
        path, opener = folder / f"{TRAIN_IMAGES}.gz", gzip.open
    with opener(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = (int.from_bytes(raw[i : i + 4], "big") for i in range(0, 16, 4))
    if magic != 2051:
        raise ValueError(f"{path}: not an IDX image file (magic {magic})")
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, rows, cols, 1)
    return images[:limit] if limit else images


def dcgan_builders():
    """genlab's DCGAN network builders and its default hyperparameters.

    Only the builders are used; if the module's model class cannot be imported here (it needs
    a framework this machine lacks), the builders are loaded with that class stubbed out.
    """
    from genlab_models.dcgan.config import DCGANConfig

    try:
        from genlab_models.dcgan import model
    except ImportError as exc:
        import importlib
        import types

        print(f"note: {exc}; loading the dcgan builders without the model class", flush=True)
        stub = types.ModuleType("genlab_models.common.adversarial")
        stub.AdversarialModel = object
        sys.modules["genlab_models.common.adversarial"] = stub
        sys.modules.pop("genlab_models.dcgan.model", None)
        model = importlib.import_module("genlab_models.dcgan.model")
    return model.build_generator, model.build_discriminator, DCGANConfig()


def make_trainer(images_uint8, batch, steps_per_call, precision, seed=0, width=None):
    """``(state, run)``: ``run(state, offset) -> (state, (d_loss, g_loss))`` trains
    ``steps_per_call`` steps in one jitted call."""
    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np

    build_generator, build_discriminator, cfg = dcgan_builders()
    keras.mixed_precision.set_dtype_policy(POLICIES[precision])
    shape = tuple(images_uint8.shape[1:])
    width = width or cfg.width
    generator = build_generator(cfg.latent_dim, shape, width, cfg.upsample)
    discriminator = build_discriminator(shape, width, cfg.dropout)
    g_opt = keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta_1)
    d_opt = keras.optimizers.Adam(cfg.d_lr or cfg.lr, beta_1=cfg.beta_1)
    g_opt.build(generator.trainable_variables)
    d_opt.build(discriminator.trainable_variables)
    compute = keras.mixed_precision.dtype_policy().compute_dtype
    latent_dim = int(cfg.latent_dim)

    n = len(images_uint8)
    data = jax.device_put(images_uint8)  # uploaded once, uint8
    order = jax.device_put(np.random.default_rng(seed).permutation(n).astype(np.int32))

    def values(variables):
        return [v.value for v in variables]

    state = (
        values(generator.trainable_variables),
        values(generator.non_trainable_variables),
        values(discriminator.trainable_variables),
        values(discriminator.non_trainable_variables),
        values(g_opt.variables),
        values(d_opt.variables),
        jax.random.key(seed),
    )

    def bce_ones(logits):
        return jnp.mean(jax.nn.softplus(-logits))

    def bce_zeros(logits):
        return jnp.mean(jax.nn.softplus(logits))

    def step(state, i):
        g_tr, g_nt, d_tr, d_nt, g_ov, d_ov, key = state
        key, noise_key = jax.random.split(key)
        rows = jax.lax.rem(i * batch + jnp.arange(batch, dtype=jnp.int32), n)
        real = data[order[rows]].astype(compute) / 127.5 - 1.0
        z = jax.random.normal(noise_key, (batch, latent_dim))

        def forward(g_tr, d_tr):
            fake, g_nt2 = generator.stateless_call(g_tr, g_nt, z, training=True)
            real_logits, d_nt2 = discriminator.stateless_call(d_tr, d_nt, real, training=True)
            fake_logits, d_nt3 = discriminator.stateless_call(d_tr, d_nt2, fake, training=True)
            fake_logits = fake_logits.astype(jnp.float32)
            d_loss = bce_ones(real_logits.astype(jnp.float32)) + bce_zeros(fake_logits)
            g_loss = bce_ones(fake_logits)
            return (d_loss, g_loss), (g_nt2, d_nt3)

        (d_loss, g_loss), pull_back, (g_nt, d_nt) = jax.vjp(forward, g_tr, d_tr, has_aux=True)
        one, zero = jnp.ones_like(d_loss), jnp.zeros_like(d_loss)
        g_grads, _ = pull_back((zero, one))
        _, d_grads = pull_back((one, zero))
        g_tr, g_ov = g_opt.stateless_apply(g_ov, g_grads, g_tr)
        d_tr, d_ov = d_opt.stateless_apply(d_ov, d_grads, d_tr)
        return (g_tr, g_nt, d_tr, d_nt, g_ov, d_ov, key), (d_loss, g_loss)

    def run(state, offset):
        if steps_per_call == 1:  # no loop at all (XLA runs a loop's body slower on a CPU)
            return step(state, offset)
        steps = offset + jnp.arange(steps_per_call, dtype=jnp.int32)
        state, (d_losses, g_losses) = jax.lax.scan(step, state, steps)
        return state, (d_losses[-1], g_losses[-1])

    return state, jax.jit(run, donate_argnums=0)


def measure(
    images_uint8, batch, precision, steps_per_call, min_seconds, min_calls=3, width=None
) -> dict:
    """Images/s of the raw step at ``batch`` and ``precision``, compilation excluded."""
    import jax

    started = time.perf_counter()
    state, run = make_trainer(images_uint8, batch, steps_per_call, precision, width=width)
    built = time.perf_counter() - started
    started = time.perf_counter()
    state, losses = run(state, 0)
    jax.block_until_ready(losses)
    first_call = time.perf_counter() - started
    calls, offset = 0, steps_per_call
    started = time.perf_counter()
    while calls < min_calls or time.perf_counter() - started < min_seconds:
        state, losses = run(state, offset)
        offset += steps_per_call
        calls += 1
        if calls >= min_calls:  # a sync point only once the minimum is queued
            jax.block_until_ready(losses)
    jax.block_until_ready((state, losses))
    seconds = time.perf_counter() - started
    d_loss, g_loss = (float(x) for x in losses)
    images = calls * steps_per_call * batch
    return {
        "batch": batch,
        "precision": precision,
        "policy": POLICIES[precision],
        "images_per_s": round(images / seconds, 1),
        "ms_per_step": round(1000 * seconds / (calls * steps_per_call), 4),
        "steps_per_call": steps_per_call,
        "width": width or dcgan_builders()[2].width,
        "timed_calls": calls,
        "timed_seconds": round(seconds, 3),
        "compile_seconds": round(first_call, 2),
        "build_seconds": round(built, 2),
        "d_loss": round(d_loss, 4),
        "g_loss": round(g_loss, 4),
        "finite": all(x == x and abs(x) != float("inf") for x in (d_loss, g_loss)),
    }


def environment() -> dict:
    import jax
    import keras

    device = jax.devices()[0]
    return {
        "jax": jax.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "device": getattr(device, "device_kind", str(device)),
        "platform": device.platform,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--batch-sizes", default="16,128,512")
    parser.add_argument("--precisions", default="bf16,fp32")
    parser.add_argument("--steps-per-call", type=int, default=50)
    parser.add_argument("--min-seconds", type=float, default=2.0, help="Timed seconds per case.")
    parser.add_argument("--min-calls", type=int, default=3, help="Timed calls per case, at least.")
    parser.add_argument("--width", type=int, default=None, help="dcgan width (default: genlab's).")
    parser.add_argument("--limit", type=int, default=None, help="Use the first N images.")
    parser.add_argument("--json", default=None, help="Write the rows (JSON lines) here.")
    args = parser.parse_args(argv)

    images = read_idx_images(args.data_dir, args.limit)
    env = environment()
    print(
        f"raw Keras+JAX DCGAN on {env['device']} ({env['platform']}), jax {env['jax']}, "
        f"keras {env['keras']}, {len(images)} images",
        flush=True,
    )
    out = Path(args.json) if args.json else None
    if out:
        out.write_text("")
    failed = 0
    for precision in args.precisions.split(","):
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            try:
                row = measure(
                    images,
                    batch,
                    precision,
                    args.steps_per_call,
                    args.min_seconds,
                    args.min_calls,
                    args.width,
                )
            except Exception as exc:  # one case failing must not hide the others
                failed += 1
                row = {
                    "batch": batch,
                    "precision": precision,
                    "error": f"{type(exc).__name__}: {exc}"[-2000:],
                }
                print(f"  {precision} batch {batch}: FAILED {row['error']}", flush=True)
            else:
                print(
                    f"  {precision} batch {batch:>4}: {row['images_per_s']:>10,.0f} img/s "
                    f"({row['ms_per_step']:.3f} ms/step, compile {row['compile_seconds']} s, "
                    f"d_loss {row['d_loss']}, g_loss {row['g_loss']})",
                    flush=True,
                )
            if out:
                with out.open("a") as f:
                    f.write(json.dumps({**row, "env": env}) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
