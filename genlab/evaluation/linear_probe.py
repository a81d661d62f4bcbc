"""The linear probe (Alain & Bengio 2016): how linearly separable the classes are in a model's
code space. Plain numpy; used by the ``linear_probe`` metric and by ``genlab explore``."""

from __future__ import annotations

import numpy as np

#: Ridge penalties the linear probe chooses from (times the number of fitted codes).
PROBE_RIDGES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def linear_probe_accuracy(codes, labels, seed: int = 0) -> float:
    """Accuracy of a linear classifier on the codes (a linear probe, Alain & Bengio 2016).

    The codes are split in two halves (seeded). A ridge-regression classifier (one-hot targets,
    standardised features, prediction = argmax of the outputs) is fitted on one half and scored
    on the other; its penalty is the one of :data:`PROBE_RIDGES` that scores best when the
    fitting half is split once more. 1 means the classes are linearly separable in code space;
    chance is about ``1 / classes``.
    """
    x = np.asarray(codes, np.float64).reshape(len(codes), -1)
    y = np.asarray(labels, np.int64)
    if len(x) != len(y) or len(x) < 8:
        raise ValueError("linear_probe_accuracy needs at least 8 codes, one label each")
    order = np.random.default_rng(seed).permutation(len(x))
    fit, held = order[: len(x) // 2], order[len(x) // 2 :]
    mean, std = x[fit].mean(axis=0), x[fit].std(axis=0) + 1e-8
    design = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    inner, check = fit[: len(fit) // 2], fit[len(fit) // 2 :]
    ridge = max(PROBE_RIDGES, key=lambda r: _probe(design, y, inner, check, r))
    return _probe(design, y, fit, held, ridge)


def _probe(design, y, fit, held, ridge: float) -> float:
    """Accuracy on ``held`` of the ridge classifier fitted on ``fit`` (penalty ridge · |fit|)."""
    classes = np.unique(y[fit])
    targets = (y[fit, None] == classes[None, :]).astype(np.float64)
    a = design[fit]
    weights = np.linalg.solve(a.T @ a + ridge * len(fit) * np.eye(a.shape[1]), a.T @ targets)
    return float(np.mean(classes[(design[held] @ weights).argmax(axis=1)] == y[held]))
