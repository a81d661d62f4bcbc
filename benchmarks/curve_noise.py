"""How noisy is one point of a quality curve? Repeated draws at several sample sizes.

A curve point scores ``n`` samples against ``n`` real images (``--curve``, 2,000 by default).
Here one finished run is scored ``--draws`` times at each ``n``, each time with other sample
seeds and other real images (disjoint slices of the test split where it is large enough), and
the spread of FID, KID, precision and recall is reported: the standard deviation of a single
point, so a reader knows which differences between two points are real (about 2-3 standard
deviations apart). Results go to ``benchmarks/results/curve-noise-<model>.json``. Run::

    python benchmarks/curve_noise.py RUN_DIR [--sizes 500 1000 2000 5000] [--draws 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()

    from genlab.data.loading import reload_run_data
    from genlab.evaluation.curve import CURVE_METRICS, curve_scorer
    from genlab.evaluation.evaluator import find_evaluator
    from genlab.run import load_run_model

    run, spec, model = load_run_model(args.run_dir)
    data, _ = reload_run_data(run.config)
    evaluator = find_evaluator(data.name, data.splits)
    test = data.splits.test_images
    rows = {}
    for n in args.sizes:
        values = {k: [] for k in CURVE_METRICS}
        seconds = []
        for draw in range(args.draws):
            start = (draw * n) % max(1, len(test) - n + 1)
            score = curve_scorer(model, spec, evaluator, test[start : start + n], n, draw, None)
            started = time.perf_counter()
            point = score()
            seconds.append(time.perf_counter() - started)
            for k in CURVE_METRICS:
                values[k].append(point[k])
        rows[n] = {
            k: {"mean": statistics.mean(v), "std": statistics.stdev(v)} for k, v in values.items()
        }
        rows[n]["seconds"] = round(statistics.mean(seconds), 2)
        print(n, json.dumps(rows[n]), flush=True)
    result = {
        "command": f"python benchmarks/curve_noise.py {args.run_dir} --sizes "
        + " ".join(map(str, args.sizes))
        + f" --draws {args.draws}",
        "run": str(args.run_dir),
        "model": spec.name,
        "sizes": rows,
    }
    path = Path(__file__).parent / "results" / f"curve-noise-{spec.name}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
