"""Train the shipped Fashion-MNIST evaluator and write it to ``genlab/evaluation/weights``.

This is the exact recipe behind the shipped weights (fixed seed, deterministic ops); ``genlab
evaluator train --dataset NAME`` runs the same code for other datasets. Run with::

    python benchmarks/train_evaluator.py [--epochs 15] [--seed 0] [--out DIR]

It takes about 15 minutes on 2 CPU cores and prints the test accuracy and the sha256 of the
weights file it wrote.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from genlab.evaluation.evaluator import (  # noqa: E402
    ARCH_VERSION,
    WEIGHTS_DIR,
    save_evaluator,
    train_evaluator,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion", help="registered dataset name")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="output folder")
    args = parser.parse_args()

    from genlab.data.loading import load

    data = load(args.dataset)
    started = time.perf_counter()
    weights, info = train_evaluator(
        data.splits, data.name, epochs=args.epochs, seed=args.seed, log=print
    )
    stem = f"{info.name}-v{ARCH_VERSION}"
    info = save_evaluator(args.out, stem, weights, info)
    params = sum(int(w.size) for w in weights)
    print(
        f"{info.id}: test accuracy {info.test_accuracy}, {params} weights, "
        f"{time.perf_counter() - started:.0f} s -> {args.out / stem}.npz\nsha256 {info.sha256}"
    )


if __name__ == "__main__":
    main()
