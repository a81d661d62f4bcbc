"""Peak memory is measured per run: an earlier, larger run must not leak into the next one."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from genlab import NotApplicable
from genlab.engine import memory
from genlab.evaluation import metrics

BIG_MIB = 1200


def _touch_and_free_big_array() -> float:
    big = np.ones(BIG_MIB * 2**20 // 8)  # written, so every page is resident
    peak = memory.peak_mb()
    del big
    return peak


def test_reset_starts_a_new_peak():
    peak_with_big_array = _touch_and_free_big_array()
    if not memory.reset_peak():
        pytest.skip("this OS cannot reset the peak RSS")
    assert memory.peak_mb() < peak_with_big_array - BIG_MIB / 2


def test_a_run_records_its_own_peak_not_the_process_peak(tmp_path):
    import tensorflow  # noqa: F401  (its ~600 MiB are the run's cost too, not the big array's)

    from genlab.run_dir import RunDir
    from tests.conftest import train_tiny_run

    if not memory.reset_peak():
        pytest.skip("this OS cannot reset the peak RSS")
    peak_with_big_array = _touch_and_free_big_array()  # run_one itself must reset the peak
    train_tiny_run(tmp_path / "run")
    peaks = [row["peak_rss_mb"] for row in RunDir(tmp_path / "run").read_history()]
    assert len(peaks) == 2 and peaks[0] <= peaks[1]
    assert peaks[1] < peak_with_big_array - BIG_MIB / 2


def _ctx(rows):
    return SimpleNamespace(run=SimpleNamespace(read_history=lambda: rows))


def test_metric_is_the_largest_recorded_peak_and_na_without_records():
    rows = [{"epoch": 1, "peak_rss_mb": 700.0}, {"epoch": 2, "peak_rss_mb": 910.5}]
    assert metrics.peak_rss_mb(_ctx(rows)) == {"peak_rss_mb": 910.5}
    with pytest.raises(NotApplicable):
        metrics.peak_rss_mb(_ctx([{"epoch": 1, "loss": 0.1}]))
