"""Do the sample metrics get worse as images get worse? The disturbance study of Heusel et al.

Heusel et al. (2017, "GANs trained by a two time-scale update rule converge to a local Nash
equilibrium", section "FID evaluation") validated FID by disturbing real images more and more and
checking that the distance grows with the disturbance. This script does the same with genlab's
metrics in the Fashion-MNIST evaluator's feature space: FID, KID, precision and recall of real
images under seven disturbances at three levels each, against the 10,000 test images, exactly as
``genlab evaluate samples.npy`` scores them.

The undisturbed images are ``--n`` real *training* images, picked as the reference floors pick
theirs, so level 0 is the real-data floor. (Disturbing the test images themselves would compare
each image with its own original in the reference set, and precision would stay near 1 under
most disturbances for that reason alone.)

For every disturbance the script checks that FID and KID rise and precision and recall fall
from level 0 through level 3, prints one table, and writes everything as JSON::

    python benchmarks/metric_sanity.py [--n 10000] [--out benchmarks/results/metric-sanity.json]

It exits with status 1 when FID is not monotone for some disturbance.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

#: name -> (parameter, its three levels, what the parameter means)
DISTURBANCES = {
    "gaussian_noise": ("std", (0.05, 0.15, 0.3), "add N(0, std²) to every pixel, clip to [0, 1]"),
    "gaussian_blur": ("sigma_px", (0.5, 1.0, 2.0), "Gaussian blur, zero padding"),
    "occlusion": ("square_px", (7, 14, 21), "one black square per image at a random place"),
    "salt_and_pepper": ("fraction", (0.02, 0.1, 0.3), "that share of pixels set to 0 or 1"),
    "dropped_classes": ("classes_dropped", (2, 5, 8), "images of that many classes replaced"),
    "collapse": ("distinct_images", (1000, 100, 10), "N images made of that many, repeated"),
    "class_mean_blend": ("alpha", (0.25, 0.5, 0.75), "(1 - alpha) x + alpha * mean of x's class"),
}
#: Metric -> +1 when it must rise with the disturbance, -1 when it must fall.
EXPECTED = {"fid": 1, "kid": 1, "precision": -1, "recall": -1}


# -- the disturbances (images in [0, 1], (N, 28, 28, 1)) ----------------------------------------
def gaussian_noise(x, std, rng, **_):
    return np.clip(x + rng.normal(0.0, std, x.shape), 0.0, 1.0)


def gaussian_blur(x, sigma_px, **_):
    radius = int(np.ceil(3 * sigma_px))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_px) ** 2)
    taps /= taps.sum()
    out = x
    for axis in (1, 2):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(4)])
        out = sum(
            w * np.take(padded, np.arange(i, i + x.shape[axis]), axis=axis)
            for i, w in enumerate(taps)
        )
    return out


def occlusion(x, square_px, rng, **_):
    out = x.copy()
    _, h, w, _ = x.shape
    tops = rng.integers(0, h - square_px + 1, len(x))
    lefts = rng.integers(0, w - square_px + 1, len(x))
    for i, (top, left) in enumerate(zip(tops, lefts, strict=True)):
        out[i, top : top + square_px, left : left + square_px] = 0.0
    return out


def salt_and_pepper(x, fraction, rng, **_):
    out = x.copy()
    hit = rng.random(x.shape) < fraction
    out[hit] = (rng.random(int(hit.sum())) < 0.5).astype(x.dtype)
    return out


def dropped_classes(x, classes_dropped, rng, pool, pool_labels, labels, **_):
    """The images of the dropped classes replaced by other real images of the kept classes."""
    dropped = rng.permutation(10)[:classes_dropped]
    keep = ~np.isin(labels, dropped)
    spare = pool[~np.isin(pool_labels, dropped)]
    return np.concatenate([x[keep], spare[: len(x) - int(keep.sum())]])


def collapse(x, distinct_images, **_):
    return np.resize(x[:distinct_images], x.shape)


def class_mean_blend(x, alpha, labels, class_means, **_):
    return (1.0 - alpha) * x + alpha * class_means[labels]


# -- measuring ----------------------------------------------------------------------------------
def scores(evaluator, test_features, images, seed: int = 0) -> dict:
    """FID, KID, precision and recall as the suite computes them (same constants)."""
    from genlab.evaluation import metrics, stats

    features, _ = evaluator.predict(images.astype(np.float32))
    kid, kid_std = stats.kid(
        test_features,
        features,
        subset_size=metrics.KID_SUBSET_SIZE,
        subsets=metrics.KID_SUBSETS,
        seed=seed,
    )
    precision, recall = stats.precision_recall(test_features, features, metrics.PR_K)
    return {
        "fid": stats.fid(test_features, features),
        "kid": kid,
        "kid_std": kid_std,
        "precision": precision,
        "recall": recall,
    }


def monotone(values: list[float], direction: int) -> bool:
    """Strictly rising (direction +1) or strictly falling (-1) from level 0 through level 3."""
    steps = np.diff(values) * direction
    return bool((steps > 0).all())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="Images per level.")
    parser.add_argument("--out", default="benchmarks/results/metric-sanity.json")
    parser.add_argument("--data-dir", default=None, help="Folder of the Fashion-MNIST files.")
    args = parser.parse_args()

    from genlab.data.loading import load
    from genlab.evaluation.cache import real_features
    from genlab.evaluation.evaluator import find_evaluator
    from genlab.evaluation.features import FLOOR_SEED

    started = time.perf_counter()
    splits = load("fashion", args.data_dir).splits
    evaluator = find_evaluator("fashion", splits)
    test_features, _ = real_features(evaluator, splits.test_images)
    train = splits.train_images.astype(np.float32) / 255.0
    order = np.random.default_rng(FLOOR_SEED).permutation(len(train))
    picked = np.sort(order[: args.n])  # the floor's images
    rest = np.sort(order[args.n :])
    x, labels = train[picked], splits.train_labels[picked]
    context = {
        "labels": labels,
        "pool": train[rest],
        "pool_labels": splits.train_labels[rest],
        "class_means": np.stack([train[splits.train_labels == c].mean(axis=0) for c in range(10)]),
    }
    baseline = scores(evaluator, test_features, x)
    print(f"undisturbed ({args.n} training images): " + _row(baseline), flush=True)
    results, failures = {}, []
    for name, (parameter, levels, meaning) in DISTURBANCES.items():
        disturb = globals()[name]
        rows = []
        for level, value in enumerate(levels, start=1):
            rng = np.random.default_rng(level)
            images = disturb(x, value, rng=rng, **context)
            measured = scores(evaluator, test_features, images)
            rows.append({"level": level, parameter: value, **measured})
            print(f"{name:16s} {parameter}={value:<6g} " + _row(rows[-1]), flush=True)
        checks = {
            metric: monotone([baseline[metric]] + [r[metric] for r in rows], direction)
            for metric, direction in EXPECTED.items()
        }
        if not checks["fid"]:
            failures.append(name)
        results[name] = {"parameter": parameter, "meaning": meaning, "levels": rows,
                         "monotone": checks}  # fmt: skip
    print()
    print(f"{'disturbance':16s} " + " ".join(f"{m:>9s}" for m in EXPECTED))
    for name, entry in results.items():
        marks = " ".join(f"{'yes' if entry['monotone'][m] else 'NO':>9s}" for m in EXPECTED)
        print(f"{name:16s} {marks}")
    report = {
        "what": "FID, KID, precision, recall of disturbed real images vs the test split",
        "n": args.n,
        "reference": "the 10,000 Fashion-MNIST test images",
        "evaluator": evaluator.id,
        "undisturbed": baseline,
        "disturbances": results,
        "monotone_fid_everywhere": not failures,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },  # fmt: skip
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"\nwrote {args.out} in {report['seconds']} s")
    if failures:
        print(f"FID is not monotone for: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


def _row(values: dict) -> str:
    return " ".join(f"{k} {values[k]:.4g}" for k in ("fid", "kid", "precision", "recall"))


if __name__ == "__main__":
    sys.exit(main())
