"""Time the sample-metric suite at evaluation scale.

Random features stand in for embeddings: 10,000 real, 10,000 generated and 10,000 training
vectors of dimension 128, plus 10,000 ten-class probability rows. Run with::

    python benchmarks/metric_speed.py [--n 10000] [--dim 128]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from genlab.evaluation import stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="samples per set")
    parser.add_argument("--dim", type=int, default=128, help="feature dimension")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    real = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    fake = (rng.standard_normal((args.n, args.dim)) * 1.1 + 0.05).astype(np.float32)
    train = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    logits = rng.standard_normal((args.n, 10)) * 3.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    suite = {
        "fid": lambda: stats.fid(real, fake),
        "kid": lambda: stats.kid(real, fake),
        "precision_recall": lambda: stats.precision_recall(real, fake),
        "density_coverage": lambda: stats.density_coverage(real, fake),
        "classifier_score": lambda: stats.classifier_score(probs),
        "memorization": lambda: stats.memorization(train, real, fake),
    }
    print(f"n={args.n} dim={args.dim}")
    total = 0.0
    for name, metric in suite.items():
        start = time.perf_counter()
        result = metric()
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{name:<18} {seconds:7.2f} s   {result}")
    print(f"{'total':<18} {total:7.2f} s")


if __name__ == "__main__":
    main()
