"""Does pruning find better configurations for the same search budget?

For each repeat (search seed r = 0 .. R-1) one model's search runs twice on the same data, with
the same budget of training images over all trials:

* **no pruning**: ``T`` trials of ``I`` images each (total ``T x I``);
* **pruned** (``--pruner asha`` or ``hyperband``): trials are drawn until all of them together
  have seen ``T x I`` images (``--total-images``); the pruner stops weak trials at a curve point,
  so more configurations fit.

Reported per repeat: trials tried, trials that completed or were pruned, images used, and the
best validation FID reached. Results go to ``benchmarks/results/pruning-<model>.json``. Run::

    python benchmarks/pruning.py [--model gan] [--trials 6] [--images 16384] [--repeats 3] \\
        [--pruner asha] [--curve-from 2048] [--eval-n 1000] [--out comparisons/pruning]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def search(model: str, out: Path, seed: int, pruner: str, args) -> dict:
    from genlab.execution.executors import InProcess
    from genlab.search.study import SearchOptions, run_searches

    total = args.trials * args.images
    options = SearchOptions(
        dataset="fashion",
        images=args.images,
        epochs=None,
        eval_samples=args.eval_n,
        curve_from=args.curve_from,
        trials=args.trials if pruner == "none" else 10 * args.trials,
        seed=seed,
        pruner=pruner,
        total_images=None if pruner == "none" else total,
    )
    started = time.perf_counter()
    [result] = run_searches([model], {model: out}, options, InProcess()).values()
    seconds = time.perf_counter() - started
    states = [t.state for t in result.trials]
    best = result.best
    from genlab.search.study import images_seen

    return {
        "pruner": pruner,
        "seed": seed,
        "trials": len(result.trials),
        "complete": states.count("complete"),
        "pruned": states.count("pruned"),
        "images": sum(images_seen(t.run_dir) for t in result.trials),
        "budget_images": total,
        "best_fid": best.fid if best else None,
        "best_params": best.params if best else None,
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gan")
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--images", type=int, default=16384)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pruner", default="asha")
    parser.add_argument("--curve-from", type=int, default=2048)
    parser.add_argument("--eval-n", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("comparisons/pruning"))
    args = parser.parse_args()
    rows = []
    for seed in range(args.repeats):
        for pruner in ("none", args.pruner):
            row = search(args.model, args.out / f"{pruner}-r{seed}", seed, pruner, args)
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for pruner in ("none", args.pruner):
        mine = [r for r in rows if r["pruner"] == pruner]
        fids = [r["best_fid"] for r in mine if r["best_fid"] is not None]
        summary[pruner] = {
            "best_fid_mean": round(statistics.mean(fids), 2) if fids else None,
            "best_fid_each": fids,
            "trials_mean": statistics.mean(r["trials"] for r in mine),
            "images_mean": statistics.mean(r["images"] for r in mine),
            "seconds_mean": statistics.mean(r["seconds"] for r in mine),
        }
    wins = sum(
        a["best_fid"] < b["best_fid"]
        for a, b in zip(rows[1::2], rows[0::2], strict=True)
        if a["best_fid"] is not None and b["best_fid"] is not None
    )
    result = {
        "command": "python benchmarks/pruning.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "rows": rows,
        "summary": summary,
        "pruned_better_in": f"{wins} of {args.repeats} repeats",
    }
    path = Path(__file__).parent / "results" / f"pruning-{args.model}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary, indent=1), f"\npruned search better in {wins}/{args.repeats}")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
