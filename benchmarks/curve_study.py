"""The reference study as quality curves: who wins at which budget.

Runs (or, rerun, reuses) one comparison of every built-in model at a budget of training images
per run, two seeds, two runs at a time (each pinned to one core), then summarises it from
``comparison.json``: the crossover sentences, the budget ladders, each model's FID at its last
point and whether its curve is still falling there, and what the curve cost (evaluation seconds
against training seconds). Writes ``benchmarks/results/curve-study.json``. Run::

    python benchmarks/curve_study.py [--images 131072] [--seeds 2] [--jobs 2] \\
        [--out comparisons/curve-study]

The searched variant first gives every model ``--search K`` trials of ``--search-images``
training images each (validation FID), then trains each best configuration as above; it writes
``benchmarks/results/curve-study-searched.json``::

    python benchmarks/curve_study.py --search 4 --search-images 16384 \\
        --out comparisons/curve-study-searched

At equal training time instead (``--budget-minutes``; any models, ``--result`` names the file
in ``benchmarks/results/``)::

    python benchmarks/curve_study.py --budget-minutes 4 --models stacked_ae dcgan diffusion \\
        --eval-n 1000 --out comparisons/minutes-study --result minutes-study.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

MODELS = ["stacked_ae", "conv_ae", "denoising_ae", "sparse_ae", "vae", "gan", "dcgan"]


def summarise(data: dict) -> dict:
    models = {}
    for model in data["models"]:
        runs = [r for r in data["runs"] if r["model"] == model and r["curve"]]
        last = [r["curve"][-1] for r in runs]
        before = [r["curve"][-2] for r in runs if len(r["curve"]) > 1]
        spent = sum(p["eval_seconds"] for r in runs for p in r["curve"])
        trained = sum(r["curve"][-1]["train_seconds"] for r in runs)
        drop = [(b["fid"] - a["fid"]) / b["fid"] for a, b in zip(last, before, strict=False)]
        models[model] = {
            "points_per_run": [len(r["curve"]) for r in runs],
            "last_images": [p["images"] for p in last],
            "last_fid": [p["fid"] for p in last],
            "last_train_seconds": [p["train_seconds"] for p in last],
            "final_fid": data["aggregate"][model]["metrics"].get("fid"),
            "last_doubling_gain": [round(d, 3) for d in drop],
            "curve_eval_seconds": round(spent, 1),
            "curve_overhead": round(spent / trained, 3) if trained else None,
        }
    search = {}
    for model, found in data.get("search", {}).get("models", {}).items():
        best = found["best"]
        search[model] = {
            "trials": [{"fid": t["fid"], "state": t["state"]} for t in found["trials"]],
            "defaults_validation_fid": found["defaults_fid"],
            "best_trial": best and best["trial"],
            "best_params": best and best["params"],
            "best_validation_fid": best and best["fid"],
        }
    return {
        **({"search": search} if search else {}),
        "text": {axis: data["curves"][axis]["text"] for axis in data["curves"]},
        "ladder": {axis: data["curves"][axis]["ladder"] for axis in data["curves"]},
        "models": models,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=MODELS)
    parser.add_argument("--images", type=int, default=131072)
    parser.add_argument("--budget-minutes", type=float, help="instead of --images")
    parser.add_argument("--result", help="file name in benchmarks/results/")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--eval-n", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("comparisons/curve-study"))
    parser.add_argument("--search", type=int, default=0, help="trials per model first")
    parser.add_argument("--search-images", type=int, default=16384)
    args = parser.parse_args()
    search = ["--search", str(args.search), "--search-images", str(args.search_images)]
    budget = ["--images", str(args.images)]
    if args.budget_minutes:
        budget = ["--budget-minutes", f"{args.budget_minutes:g}"]
    command = [
        "genlab", "compare", *args.models, *budget, "--seeds", str(args.seeds),
        "--eval-n", str(args.eval_n), "--jobs", str(args.jobs), "--out", str(args.out), "--json",
        *(search if args.search else []),
    ]  # fmt: skip
    started = time.perf_counter()
    genlab = str(Path(sys.executable).with_name("genlab"))
    done = subprocess.run([genlab, *command[1:]], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    data = json.loads(done.stdout)
    result = {
        "command": " ".join(command),
        "machine": f"{os.cpu_count()} CPUs; {args.jobs} runs at a time, one core each",
        "wall_seconds_this_call": round(time.perf_counter() - started, 1),
        **summarise(data),
        "runs": [
            {"model": r["model"], "seed": r["seed"], "curve": r["curve"]} for r in data["runs"]
        ],
    }
    name = args.result or ("curve-study-searched.json" if args.search else "curve-study.json")
    path = Path(__file__).parent / "results" / name
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("text", "models")}, indent=1))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
