"""What a search's trials say: the best FID as a function of the number of trials.

Lucic et al. 2018 (figure 4) estimate, for a budget of n trials, the distribution of the best FID
that n random trials would reach by drawing n of the observed trials with replacement many times.
A trial that diverged or failed counts as a trial with no result (``inf``): it spent budget.
"""

from __future__ import annotations

import math

import numpy as np

BOOTSTRAP_DRAWS = 2000
#: The band drawn around the median: the 5th to the 95th percentile of the bootstrap.
BAND = (5.0, 95.0)


def best_vs_trials(scores, draws: int = BOOTSTRAP_DRAWS, seed: int = 0) -> list[dict]:
    """For n = 1 .. len(scores): median and band of the best of n trials drawn with replacement.

    ``None`` where no draw has a finite score (every trial failed).
    """
    values = np.array([s if s is not None else math.inf for s in scores], dtype=float)
    if not len(values):
        return []
    rng = np.random.default_rng(seed)
    curve = []
    for n in range(1, len(values) + 1):
        best = values[rng.integers(0, len(values), size=(draws, n))].min(axis=1)
        finite = best[np.isfinite(best)]
        row = {"n": n, "median": None, "low": None, "high": None, "finite": len(finite) / draws}
        if len(finite):
            # Failed draws are the worst outcome: percentiles of all draws, with inf at the top.
            low, median, high = np.percentile(best, [BAND[0], 50.0, BAND[1]], method="nearest")
            row.update(median=_plain(median), low=_plain(low), high=_plain(high))
        curve.append(row)
    return curve


def _plain(value) -> float | None:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def ranking(values: dict[str, float | None]) -> list[str]:
    """Models by ascending FID; models without a value last, in their given order."""
    known = sorted((v, i, m) for i, (m, v) in enumerate(values.items()) if v is not None)
    return [m for _, _, m in known] + [m for m, v in values.items() if v is None]
