"""What one generated image costs: timed where the samples are drawn, with progress on the way."""

from __future__ import annotations

import numpy as np

from genlab import SAMPLE
from genlab.data.arrays import ArraySplits
from genlab.evaluation.context import EvalContext, compute_metrics, metric_specs
from tests.evaluation import fakes


def _context(model, n=12):
    images = (fakes.noise_images(16) * 255).astype(np.uint8)
    splits = ArraySplits(images, None, images[:8], None)
    return EvalContext(model, fakes.spec(SAMPLE), splits, None, n=n)


def _sampling_metric():
    return [s for s in metric_specs() if s.name == "sample_ms_per_image"]


def test_the_time_and_network_evaluations_per_image_are_recorded():
    model = fakes.FakeModel(fakes.noise_images(16), network_evaluations_per_sample=lambda: 20)
    values, errors = compute_metrics(_context(model), _sampling_metric())
    assert not errors
    assert values["sample_ms_per_image"] >= 0.0
    assert values["network_evals_per_image"] == 20


def test_real_images_have_no_sampling_cost():
    ctx = _context(None)
    ctx.capabilities = frozenset({SAMPLE})
    values, errors = compute_metrics(ctx, _sampling_metric())
    assert not errors and values["sample_ms_per_image"] is None


def test_drawing_samples_reports_progress():
    said = []
    model = fakes.FakeModel(fakes.noise_images(16))
    ctx = _context(model)
    ctx.progress = said.append
    model.sample = lambda n, seed=0, progress=None: (
        [progress(done, n) for done in (5, 10, n)] and fakes.FakeModel.sample(model, n, seed)
    )
    assert len(ctx.samples) == 12
    assert said == [f"drawing samples {d}/12" for d in (5, 10, 12)]
    assert ctx.sample_seconds is not None


def test_predict_batches_calls_progress_after_every_batch():
    from genlab.model import GenerativeModel

    seen = []
    out = GenerativeModel.predict_batches(
        lambda x, training=False: x, np.zeros((10, 2), "float32"), 4, lambda d, n: seen.append(d)
    )
    assert out.shape == (10, 2) and seen == [4, 8, 10]


def test_comparisons_show_sampling_cost_in_its_own_section():
    from genlab.comparison.aggregate import SAMPLING_KEYS, metric_directions

    directions = metric_directions()
    assert all(directions[k] == "lower" for k in SAMPLING_KEYS)
    order = list(directions)
    assert order.index("sample_ms_per_image") == order.index("fid") + 1
