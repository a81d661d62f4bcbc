"""Peak resident memory (RSS) of a short training run, per model, each in a fresh process.

Each model trains through ``run_one`` (as ``genlab run`` does, evaluation off) in its own
subprocess, which reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` twice: after importing
TensorFlow and loading the data (the floor every run pays), and at the end (the peak). Run with::

    python benchmarks/memory.py [--model NAME | --all] [--limit 10000] [--epochs 1]
        [--batch-size 256] [--json benchmarks/results/memory-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(args) -> dict:
    """Runs inside the fresh process: import, load, train, report."""
    import tensorflow  # noqa: F401  (counted in the floor, as in every run)

    from genlab.config import RunOptions
    from genlab.data.loading import load
    from genlab.run import run_one

    load("fashion", limit=args.limit)
    floor = peak_mib()
    with tempfile.TemporaryDirectory(prefix="genlab-memory-") as tmp:
        options = RunOptions(
            epochs=args.epochs,
            batch_size=args.batch_size,
            limit=args.limit,
            device=args.device,
            evaluate=False,
        )
        config = options.run_config(args.model, out=Path(tmp) / "run")
        summary = run_one(config)
    return {
        "model": args.model,
        "limit": args.limit,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "floor_mib": round(floor, 1),
        "peak_rss_mib": round(peak_mib(), 1),
        "images_per_s": summary["images_per_s"],
    }


def measure(name: str, args) -> dict:
    command = [sys.executable, __file__, "--child", "--model", name, "--limit", str(args.limit)]
    command += ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]
    command += ["--device", args.device]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        return {"model": name, "error": f"exit {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", default="dcgan", help="registered model name (default dcgan)")
    which.add_argument("--all", action="store_true", help="every registered model")
    parser.add_argument("--limit", type=int, default=10_000, help="training images")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return

    if args.all:
        from genlab.registry import get_registries

        names = [spec.name for spec in get_registries().models]
    else:
        names = [args.model]
    results = []
    for name in names:
        results.append(measure(name, args))
        row = results[-1]
        if "error" in row:
            print(f"{name:<14} failed: {row['error']}", flush=True)
        else:
            print(
                f"{name:<14} peak RSS {row['peak_rss_mib']:7.0f} MiB"
                f"   (after import + data {row['floor_mib']:.0f} MiB)",
                flush=True,
            )
    if args.json:
        command = " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([{"command": command, **r} for r in results], indent=2))


if __name__ == "__main__":
    main()
