"""Quality against sampling cost for a trained diffusion run: FID at several DDIM step counts.

A diffusion model buys quality with network evaluations: each DDIM step is one pass of its
U-Net. This loads a finished ``diffusion`` run, and for each step count draws the same samples
(the same initial noise, seed 0) and scores them with genlab's evaluator against the test split,
timing the draw on this machine, at the precision the run trained with. Run with::

    genlab run diffusion --epochs 3 --limit 8192 --eval-n 2000 --out runs/diffusion
    python benchmarks/diffusion_sampling_steps.py runs/diffusion --n 1000 \\
        --json benchmarks/results/diffusion-sampling-steps.json \\
        --png docs/img/diffusion-sampling-steps.png
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def load(run_dir: str, policy: str):
    """The run's model rebuilt under ``policy`` (its weights are float32 either way)."""
    import dataclasses

    import keras

    from genlab.engine import checkpoint
    from genlab.registry import get_model
    from genlab.run import build_model
    from genlab.run_dir import open_run

    run = open_run(run_dir)
    spec = get_model(run.config["model"])
    keras.mixed_precision.set_global_policy(policy)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    hparams = {k: v for k, v in run.config["hparams"].items() if k in fields}
    model = build_model(spec, spec.config(**hparams), run.config["image_shape"])
    checkpoint.load(run / "model.npz", model.state_variables())
    return run, spec, model


def score(model, spec, splits, evaluator, n: int, steps: int) -> dict:
    """FID, precision and recall of ``n`` samples drawn in ``steps`` DDIM steps, and their cost."""
    from genlab.evaluation import metrics
    from genlab.evaluation.context import EvalContext

    model.sampling_steps = steps
    model.sample(8, seed=1)  # the graph for this step count is traced outside the clock
    ctx = EvalContext(model, spec, splits, evaluator, n=n, seed=0)
    values = {**metrics.fid(ctx), **metrics.precision(ctx), **metrics.recall(ctx)}
    values.update(metrics.sample_ms_per_image(ctx))
    return {"steps": steps, **{k: round(float(v), 4) for k, v in values.items()}}


def plot(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["steps"] for r in rows]
    fig, left = plt.subplots(figsize=(6.4, 3.8))
    left.plot(steps, [r["fid"] for r in rows], "o-", color="#1f77b4", label="FID")
    left.set_xscale("log")
    left.set_xticks(steps, [str(s) for s in steps])
    left.set_xlabel("DDIM sampling steps (network evaluations per image)")
    left.set_ylabel("FID (lower is better)", color="#1f77b4")
    right = left.twinx()
    right.plot(steps, [r["sample_ms_per_image"] for r in rows], "s--", color="#d62728")
    right.set_ylabel("ms per image", color="#d62728")
    left.grid(alpha=0.3)
    left.set_title(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="a finished diffusion run directory")
    parser.add_argument("--steps", default="5,10,20,50,100", help="DDIM step counts")
    parser.add_argument("--n", type=int, default=1000, help="samples per step count")
    parser.add_argument("--policy", help="Keras dtype policy (default: the run's precision)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--png", type=Path, help="draw FID and ms/image against the steps here")
    args = parser.parse_args()

    from genlab.data.loading import reload_run_data
    from genlab.evaluation.evaluator import find_evaluator
    from genlab.run_dir import open_run

    device = open_run(args.run).config.get("device", {})
    policy = args.policy or device.get("precision") or "float32"
    run, spec, model = load(args.run, policy)
    data, full = reload_run_data(run.config)
    evaluator = find_evaluator(data.name, full)
    rows = []
    started = time.perf_counter()
    for steps in (int(s) for s in args.steps.split(",")):
        rows.append(score(model, spec, data.splits, evaluator, args.n, steps))
        print(json.dumps(rows[-1]), flush=True)
    history = run.read_history()
    result = {
        "what": "FID of a diffusion run's samples against the number of DDIM sampling steps",
        "run": {
            "hparams": run.config["hparams"],
            "train_images": run.config.get("train_images"),
            "epochs": len(history),
            "batch_size": run.config.get("batch_size"),
            "ema": run.config.get("ema"),
            "train_seconds": history[-1].get("elapsed") if history else None,
        },
        "n": args.n,
        "evaluator": evaluator.id,
        "policy": policy,
        "machine": {"platform": platform.platform(), "cores": os.cpu_count()},
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    if args.png:
        title = f"diffusion after {result['run']['epochs']} epochs on {data.name}: n={args.n}"
        plot(rows, args.png, title)


if __name__ == "__main__":
    main()
