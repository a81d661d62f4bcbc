"""Aggregation over seeds: mean and sample std, n/a, failed runs, direction-aware best."""

from __future__ import annotations

import math
import statistics

import pytest

from genlab import HIGHER, LOWER, TOWARD_FLOOR
from genlab.comparison.aggregate import Comparison, best_models, metric_directions, summarize
from genlab.comparison.plan import Plan
from genlab.comparison.results import RunResult
from genlab.report.markdown import format_stat


def test_summarize_is_mean_and_sample_std():
    stat = summarize([1.0, 2.0, 4.0])
    assert stat["n"] == 3
    assert stat["mean"] == pytest.approx(7 / 3)
    assert stat["std"] == pytest.approx(statistics.stdev([1.0, 2.0, 4.0]))
    assert stat["std"] == pytest.approx(
        math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2)
    )


def test_summarize_skips_missing_and_non_finite_values():
    assert summarize([None, 3.0, math.nan, math.inf, 5]) == {
        "mean": 4.0,
        "std": math.sqrt(2),
        "n": 2,
    }
    assert summarize([2.5]) == {"mean": 2.5, "std": None, "n": 1}
    assert summarize([None, None]) == {"mean": None, "std": None, "n": 0}
    assert summarize([True, 1.0])["n"] == 1  # booleans are not measurements


def test_format_stat():
    assert format_stat({"mean": 124.41, "std": 8.16, "n": 3}, 3) == "124.4 ± 8.2"
    assert format_stat({"mean": 0.08021, "std": 0.024, "n": 3}, 3) == "0.080 ± 0.024"
    assert format_stat({"mean": 12.0, "std": 19.4, "n": 3}, 3) == "12 ± 19"
    assert format_stat({"mean": 2.5, "std": None, "n": 1}, 3) == "2.5 (n=1)"
    assert format_stat({"mean": 1.0, "std": 0.0, "n": 2}, 2) == "1 ± 0"
    assert format_stat({"mean": None, "std": None, "n": 0}, 2) == "n/a"


def test_directions_come_only_from_the_metric_specs():
    directions = metric_directions()
    assert directions["fid"] == LOWER
    assert directions["precision"] == HIGHER
    assert directions["memorization_ratio"] == TOWARD_FLOOR  # about 0.5 for real data
    assert directions["kid_std"] is None  # declared, never ranked
    assert "something_new" not in directions


def test_best_respects_direction_ties_and_missing_values():
    stats = {
        "a": {"mean": 10.0, "std": 1.0, "n": 3},
        "b": {"mean": 20.0, "std": 1.0, "n": 3},
        "c": {"mean": None, "std": None, "n": 0},
    }
    assert best_models(stats, LOWER) == ["a"]
    assert best_models(stats, HIGHER) == ["b"]
    assert best_models(stats, None) == []
    assert best_models({**stats, "d": {"mean": 10.0, "std": 0.0, "n": 2}}, LOWER) == ["a", "d"]
    assert best_models({"a": stats["a"], "c": stats["c"]}, LOWER) == []  # nothing to beat
    assert best_models({"a": stats["a"], "d": {"mean": 10.0, "std": 0.0, "n": 2}}, HIGHER) == []
    # closer to the real-data floor wins, from either side; without a floor nothing is ranked
    assert best_models(stats, TOWARD_FLOOR, floor=17.0) == ["b"]
    assert best_models(stats, TOWARD_FLOOR, floor=12.0) == ["a"]
    assert best_models(stats, TOWARD_FLOOR) == []


def _result(model, seed, state="complete", **metrics):
    training = {"epochs": 2, "train_seconds": 10.0 + seed, "images_per_s": 100.0}
    return RunResult(model, seed, f"/x/{model}-s{seed}", state, metrics=metrics, training=training)


def test_comparison_aggregates_complete_runs_only(tmp_path):
    plan = Plan(models=["gan", "ae", "broken"], seeds=[0, 1, 2], out=tmp_path)
    results = [
        _result("gan", 0, fid=30.0, mse=None),
        _result("gan", 1, fid=40.0, mse=None),
        _result("gan", 2, "diverged"),
        _result("ae", 0, fid=60.0, mse=0.01),
        _result("ae", 1, fid=62.0, mse=0.03),
        _result("ae", 2, fid=64.0, mse=0.02),
        *(_result("broken", s, "failed") for s in range(3)),
    ]
    comparison = Comparison(plan, results)
    assert comparison.metric_keys == ["fid", "mse"]
    assert comparison.stats["gan"]["fid"] == {"mean": 35.0, "std": math.sqrt(50), "n": 2}
    assert comparison.stats["ae"]["fid"]["mean"] == pytest.approx(62.0)
    assert comparison.stats["gan"]["mse"]["mean"] is None
    assert comparison.cell("gan", "mse") == "n/a"
    assert comparison.cell("gan", "fid") == "35.0 ± 7.1 (n=2)"
    assert comparison.cell("broken", "fid") == "n/a"
    assert comparison.best["fid"] == ["gan"] and comparison.best["mse"] == []
    assert comparison.model_mark("gan") == "1/3 diverged"
    assert comparison.model_mark("broken") == "3/3 failed"
    assert comparison.model_mark("ae") == ""
    data = comparison.to_json()
    assert data["aggregate"]["ae"]["metrics"]["mse"]["n"] == 3
    assert data["aggregate"]["gan"]["states"] == {"complete": 2, "diverged": 1}
    assert data["directions"]["fid"] == "lower" and data["best"]["fid"] == ["gan"]
    assert len(data["runs"]) == 9
