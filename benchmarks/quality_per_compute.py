"""Sample quality per image seen: the TensorFlow DCGAN tutorial's recipe against genlab's ``dcgan``.

Both sides train on Fashion-MNIST for the same number of images (whole epochs of the training
split, or one pass over its first ``--images`` images when that is less than an epoch) and are
scored by genlab's evaluator (``genlab evaluate``'s metric functions) on ``--eval-n`` samples
against the test split.

- **tutorial**: ``benchmarks/throughput.py``'s reference, imported, not copied: the tutorial's
  networks (the tutorial layout, as genlab's dcgan builds it by default), Adam(2e-4, beta_1=0.5)
  for both, batch 128, float32, a plain ``tf.function`` step over two GradientTapes, the
  tutorial's ``shuffle().batch()`` dataset (its last batch of an epoch is partial).
- **genlab**: the registered ``dcgan`` with its built-in defaults, trained by the engine
  (``genlab.engine.trainer.train``: the device placement, mixed precision, the model's default
  weight average), as ``genlab run dcgan`` trains it.

For each seed the tutorial run comes first, then the genlab run, so both sides see similar
machine load; wall times are recorded with the load average. Results are merged into the JSON
file run by run, so an interrupted benchmark continues where it stopped (``--side`` runs one
side only). ``ratio = mean genlab FID / mean tutorial FID``. A third side, ``genlab-time``,
trains genlab's ``dcgan`` for the tutorial run's training seconds of the same seed (equal wall
time; the images it saw are recorded): ``ratio_equal_time``.

``--trial`` trains only genlab's dcgan (or ``--model gan``) with ``--set`` overrides and scores
the raw generator and its weight average at several decays from the same run; the tuning of the
built-in defaults was done with it (``benchmarks/results/dcgan-tuning.json``). Run with::

    python benchmarks/quality_per_compute.py    # results/quality-per-compute.json (3 seeds, 30k)
    python benchmarks/quality_per_compute.py --ema 0.999 \\
        --json benchmarks/results/quality-per-compute-ema0.999.json
    python benchmarks/quality_per_compute.py --trial --set lr=4e-4 --batch-size 64 \\
        --images 60000 --json benchmarks/results/dcgan-tuning.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import NOISE_DIM, machine, tutorial_reference  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
#: tutorial and genlab at equal images; genlab-time: genlab for the tutorial's training seconds.
SIDES = ("tutorial", "genlab", "genlab-time")
METRICS = ("fid", "precision", "recall", "density", "coverage", "classes_covered")


class Sampler:
    """A bare generator behind the two methods genlab's metrics call on a model; it draws its
    latents exactly as genlab's models do."""

    def __init__(self, generator, latent_dim=NOISE_DIM):
        from genlab.model import GenerativeModel

        self.generator, self.latent_dim = generator, latent_dim
        self.predict_batches = GenerativeModel.predict_batches
        self.sample_latents = lambda n, seed=0: GenerativeModel.sample_latents(self, n, seed)

    def sample(self, n, seed=0):
        return self.predict_batches(self.generator, self.sample_latents(n, seed))


def score(model, data, n: int, seed: int, model_name: str = "dcgan") -> dict:
    """FID, precision/recall, density/coverage and classes covered, as ``genlab evaluate``."""
    from genlab.evaluation import metrics
    from genlab.evaluation.evaluator import find_evaluator
    from genlab.evaluation.suite import EvalContext
    from genlab.registry import get_model

    evaluator = find_evaluator(data.name, data.splits)
    ctx = EvalContext(model, get_model(model_name), data.splits, evaluator, n=n, seed=seed)
    values = {}
    for name in METRICS:
        values.update(getattr(metrics, name)(ctx))
    return {k: round(float(v), 4) for k, v in values.items() if k in METRICS}


def training_images(data, images: int):
    """``(images, epochs)`` so that a run sees ``images`` images: whole epochs of the training
    split, or one pass over its first ``images`` images when that is less than an epoch."""
    train = data.splits.train_images
    if images < len(train):
        return train[:images], 1
    return train, max(1, round(images / len(train)))


def train_tutorial(data, images: int, seed: int) -> dict:
    import keras

    keras.utils.set_random_seed(seed)
    train, _ = training_images(data, images)
    steps, _ = tutorial_reference(train, 128)
    per_epoch = -(-len(train) // 128)  # the tutorial keeps the partial last batch
    epochs, rest = divmod(images, len(train))
    count = epochs * per_epoch + -(-rest // 128)
    seconds = steps(count)
    return {"model": Sampler(steps.generator), "seconds": seconds, "images": images}


def build_genlab(model_name: str, overrides: dict):
    import keras

    from genlab.config import make_model_config
    from genlab.engine import device
    from genlab.registry import get_model
    from genlab.specs import resolve

    spec = get_model(model_name)
    config = make_model_config(spec, overrides)
    placement = device.place("auto")
    with placement.strategy.scope():
        model = resolve(spec.build)(config, (28, 28, 1))
        model.build_optimizers()
        model.built = True
        model.compile(
            jit_compile=placement.jit_compile, steps_per_execution=placement.steps_per_execution
        )
    keras.mixed_precision.set_global_policy("float32")  # the evaluator computes in float32
    return spec, placement, model


class ExtraAverages:
    """Weight averages at other decays, updated after every step (tuning only)."""

    def __init__(self, model, decays):
        import keras

        from genlab.engine.ema import WeightAverage

        self.averages = {d: WeightAverage(model.sampling_networks(), d) for d in decays}

        class Update(keras.callbacks.Callback):
            def on_train_batch_end(cb, batch, logs=None):  # noqa: N805
                for average in self.averages.values():
                    average.update()

        self.callback = Update()


def train_genlab(
    data,
    images: int,
    seed: int,
    model_name="dcgan",
    overrides=None,
    batch_size=None,
    ema=None,
    extra_decays=(),
    seconds=None,
) -> dict:
    import keras

    from genlab.engine.ema import resolve_decay
    from genlab.engine.trainer import TrainOptions, train
    from genlab.run_dir import RunDir

    keras.utils.set_random_seed(seed)
    spec, placement, model = build_genlab(model_name, overrides or {})
    batch = batch_size or spec.default_batch_size
    decay = resolve_decay(ema, spec)
    train_images, epochs = training_images(data, images)
    if seconds is not None:  # equal wall time: as many epochs as the time allows
        epochs = 1000
    extra = ExtraAverages(model, extra_decays) if extra_decays else None
    options = TrainOptions(
        epochs=epochs,
        batch_size=batch,
        value_range=spec.output_range,
        seed=seed,
        ema=decay,
        time_budget_s=seconds,
        tensorboard=False,
        show_progress=False,
    )
    with tempfile.TemporaryDirectory(prefix="genlab-qpc-") as tmp:
        run = RunDir(Path(tmp) / "run")
        run.ensure_writable()
        result = train(
            model,
            run,
            train_images,
            placement,
            options,
            callbacks=[extra.callback] if extra else [],
        )
    return {
        "model": model,
        "average": result.average,
        "extra": extra.averages if extra else {},
        "seconds": result.train_seconds,
        "images": sum(row["steps"] for row in result.history) * batch,
        "batch_size": batch,
        "ema": decay,
        "history": result.history,
    }


def _load(limit=None):
    from genlab.data.loading import load

    return load("fashion", limit=limit)


def _merge(path: Path, key: str, entry: dict) -> dict:
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault("runs", {})[key] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)
    return doc


def save_grid_png(model, path: Path, seed: int) -> None:
    from genlab.data.pipeline import unscale
    from genlab.report.images import save_grid

    save_grid(path, unscale(model.sample(64, seed=seed), (-1.0, 1.0)))


def compare(args) -> None:
    data = _load(args.limit)
    path = args.json
    for seed in args.seeds:
        for side in SIDES:
            if args.side not in (side, "all"):
                continue
            key = f"{side}-seed{seed}"
            doc = json.loads(path.read_text()) if path.exists() else {}
            if key in doc.get("runs", {}) and doc.get("images") == args.images:
                print(f"{key}: done already", flush=True)
                continue
            load_before = os.getloadavg()
            if side == "tutorial":
                trained = train_tutorial(data, args.images, seed)
            elif side == "genlab":
                trained = train_genlab(data, args.images, seed, ema=args.ema)
            else:  # the tutorial's wall time of the same seed
                tutorial = json.loads(path.read_text())["runs"].get(f"tutorial-seed{seed}")
                if tutorial is None:
                    print(f"{key}: needs tutorial-seed{seed} first", flush=True)
                    continue
                seconds = tutorial["train_seconds"]
                trained = train_genlab(data, 10**9, seed, ema=args.ema, seconds=seconds)
            sampler = trained["model"]
            load_after = os.getloadavg()
            started = time.perf_counter()
            metrics = score(sampler, data, args.eval_n, seed)
            entry = {
                "side": side,
                "seed": seed,
                **metrics,
                "images": trained["images"],
                "train_seconds": round(trained["seconds"], 1),
                "images_per_s": round(trained["images"] / trained["seconds"], 1),
                "eval_seconds": round(time.perf_counter() - started, 1),
                "load_average": [round(x, 2) for x in (*load_before, *load_after)],
            }
            if side != "tutorial":
                entry.update(batch_size=trained["batch_size"], ema=trained["ema"])
            if args.grids:
                save_grid_png(sampler, args.grids / f"quality-{side}-seed{seed}.png", seed)
            doc = _merge(path, key, entry)
            doc.update(images=args.images, eval_n=args.eval_n, machine=machine())
            path.write_text(json.dumps(doc, indent=1) + "\n")
            print(f"{key}: " + "  ".join(f"{k} {entry[k]}" for k in (*METRICS, "train_seconds")))
    summarise(path)


def summarise(path: Path) -> None:
    doc = json.loads(path.read_text())
    runs = doc["runs"].values()
    summary = {}
    for side in SIDES:
        mine = [r for r in runs if r["side"] == side]
        if not mine:
            continue
        summary[side] = {
            k: round(statistics.mean(r[k] for r in mine), 4)
            for k in (*METRICS, "train_seconds", "images_per_s")
        }
        summary[side]["fid_each"] = [r["fid"] for r in sorted(mine, key=lambda r: r["seed"])]
        summary[side]["seeds"] = len(mine)
    if "tutorial" in summary and "genlab" in summary:
        summary["ratio"] = round(summary["genlab"]["fid"] / summary["tutorial"]["fid"], 3)
        summary["wall_time_ratio"] = round(
            summary["genlab"]["train_seconds"] / summary["tutorial"]["train_seconds"], 3
        )
    if "tutorial" in summary and "genlab-time" in summary:
        summary["ratio_equal_time"] = round(
            summary["genlab-time"]["fid"] / summary["tutorial"]["fid"], 3
        )
    doc["summary"] = summary
    path.write_text(json.dumps(doc, indent=1) + "\n")
    for side in SIDES:
        if side in summary:
            s = summary[side]
            print(
                f"{side:<11} FID {s['fid']:.2f} (each {s['fid_each']})  recall {s['recall']:.3f}"
                f"  coverage {s['coverage']:.3f}  train {s['train_seconds']:.0f} s"
                f"  ({s['images_per_s']:.0f} img/s)"
            )
    if "ratio" in summary:
        print(f"ratio = genlab FID / tutorial FID = {summary['ratio']:.3f}")
        print(f"wall time genlab / tutorial = {summary['wall_time_ratio']:.3f}")
    if "ratio_equal_time" in summary:
        print(f"ratio at equal wall time = {summary['ratio_equal_time']:.3f}")


def trial(args) -> None:
    data = _load(args.limit)
    overrides = dict(item.split("=", 1) for item in args.set)
    decays = [float(d) for d in args.ema_decays.split(",") if float(d) > 0]
    load_before = os.getloadavg()
    trained = train_genlab(
        data,
        args.images,
        args.seeds[0],
        args.model,
        overrides,
        args.batch_size,
        ema=0.0,
        extra_decays=decays,
    )
    model = trained["model"]
    entry = {
        "model": args.model,
        "set": overrides,
        "batch_size": trained["batch_size"],
        "images": trained["images"],
        "seed": args.seeds[0],
        "eval_n": args.eval_n,
        "train_seconds": round(trained["seconds"], 1),
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
        "final_losses": {k: round(v, 4) for k, v in trained["history"][-1].items() if "loss" in k},
        "scores": {"raw": score(model, data, args.eval_n, args.seeds[0], args.model)},
    }
    for decay, average in trained["extra"].items():
        with average.applied():
            entry["scores"][f"ema{decay:g}"] = score(
                model, data, args.eval_n, args.seeds[0], args.model
            )
            if args.grids:
                save_grid_png(model, args.grids / f"{args.tag}-ema{decay:g}.png", args.seeds[0])
    if args.grids:
        save_grid_png(model, args.grids / f"{args.tag}-raw.png", args.seeds[0])
    _merge(args.json, args.tag, entry)
    for name, values in entry["scores"].items():
        print(f"{args.tag} {name}: " + "  ".join(f"{k} {values[k]}" for k in METRICS))
    print(f"{args.tag}: {entry['train_seconds']} s training, losses {entry['final_losses']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=30_000, help="training images per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--eval-n", type=int, default=10_000, help="samples scored per run")
    parser.add_argument("--side", choices=("all", *SIDES), default="all")
    parser.add_argument("--json", type=Path, help="default: results/quality-per-compute.json")
    parser.add_argument("--limit", type=int, help="train on the first N images (smoke tests)")
    parser.add_argument("--grids", type=Path, help="also save a 64-sample grid per run here")
    parser.add_argument("--trial", action="store_true", help="one tuning trial (see above)")
    parser.add_argument("--model", default="dcgan", help="--trial: dcgan or gan")
    parser.add_argument("--set", action="append", default=[], help="--trial: key=value")
    parser.add_argument("--batch-size", type=int, help="--trial: batch size")
    parser.add_argument(
        "--ema", type=float, help="genlab's weight-average decay (default: the run default)"
    )
    parser.add_argument("--ema-decays", default="0.99,0.999", help="--trial: decays scored")
    parser.add_argument("--tag", default="trial", help="--trial: name of the entry")
    args = parser.parse_args()
    default = "dcgan-tuning.json" if args.trial else "quality-per-compute.json"
    args.json = args.json or RESULTS / default
    if args.grids:
        args.grids.mkdir(parents=True, exist_ok=True)
    trial(args) if args.trial else compare(args)


if __name__ == "__main__":
    main()
