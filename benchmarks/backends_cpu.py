"""TensorFlow against JAX on this machine's CPU: training images/s of genlab's own runs.

Each case is ``genlab run MODEL --backend B --batch-size N --images I --no-eval --curve 0`` in a
fresh process; the number is the run's images/s over its training steps (compile and start-up
excluded), read from ``history.jsonl``. The default backend per device is chosen from these
numbers (docs/backends.md).

    python benchmarks/backends_cpu.py [--images 8192] [--out benchmarks/results/backends-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = (("dcgan", 64), ("stacked_ae", 64))
BACKENDS = ("tensorflow", "jax")


def measure(model: str, batch: int, backend: str, images: int, tmp: Path) -> dict:
    out = tmp / f"{model}-{backend}-{batch}"
    cmd = [sys.executable, "-m", "genlab", "run", model, "--backend", backend]
    cmd += ["--batch-size", str(batch), "--images", str(images), "--no-eval", "--curve", "0"]
    cmd += ["--out", str(out)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:], "wall_s": round(wall, 1)}
    rows = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    seconds = sum(r["seconds"] for r in rows)
    seen = sum(r["steps"] for r in rows) * batch
    config = json.loads((out / "config.json").read_text())
    return {
        "images_per_s": round(seen / seconds, 1),
        "train_s": round(seconds, 2),
        "wall_s": round(wall, 1),
        "precision": config["device"]["precision"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--out", default="benchmarks/results/backends-cpu.json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model, batch in CASES:
            for backend in BACKENDS:
                row = {"model": model, "batch": batch, "backend": backend}
                row.update(measure(model, batch, backend, args.images, Path(tmp)))
                print(json.dumps(row), flush=True)
                results.append(row)
    record = {
        "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "images": args.images,
        "results": results,
    }
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
