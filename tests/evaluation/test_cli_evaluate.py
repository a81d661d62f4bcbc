"""``genlab evaluate`` on a real (tiny) DCGAN run: JSON on stdout only, metrics.json, the table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import copy_run, run_cli

KEYS = (
    "fid", "kid", "kid_std", "precision", "recall", "density", "coverage", "classifier_score",
    "classes_covered", "kl_to_real", "memorization_ratio", "n", "evaluator", "params",
    "train_seconds", "images_per_s", "peak_rss_mb",
)  # fmt: skip


@pytest.fixture(scope="module")
def evaluated(dcgan_run, tmp_path_factory):
    """A copy of the session's tiny DCGAN run, and ``genlab evaluate --n 300 --json`` of it."""
    run = copy_run(dcgan_run[0], tmp_path_factory.mktemp("eval") / "dcgan")
    return run, run_cli("evaluate", run, "--n", "300", "--json")


def test_json_output_is_only_json_and_matches_metrics_json(evaluated):
    """Native (C++) writes to stdout count too: run_cli captures file descriptor 1."""
    dcgan_run, result = evaluated
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)  # nothing but the JSON document on stdout
    assert all(key in metrics for key in KEYS)
    assert metrics["n"] == 300 and metrics["evaluator"].startswith("fashion-cnn@")
    assert metrics["mse"] is None and metrics["elbo"] is None  # a GAN cannot reconstruct
    assert np.isfinite(metrics["fid"]) and metrics["params"] > 0
    assert metrics["reference"]["n"] == 300 and metrics["reference"]["fid"] < metrics["fid"]
    assert json.loads((dcgan_run / "metrics.json").read_text()) == metrics


def test_table_has_a_real_data_column(evaluated):
    from rich.console import Console

    from genlab.report.console import results_table

    metrics = json.loads((evaluated[0] / "metrics.json").read_text())
    console = Console(record=True, width=120)
    console.print(results_table(metrics, "dcgan"))
    text = console.export_text()
    assert "real data" in text and "dcgan" in text and metrics["evaluator"] in text
    fid_row = next(line for line in text.splitlines() if line.strip("│ ").startswith("fid "))
    assert f"{metrics['reference']['fid']:.4g}" in fid_row
    mse_row = next(line for line in text.splitlines() if line.strip("│ ").startswith("mse "))
    assert mse_row.count("n/a") == 2  # neither a GAN nor real data has a reconstruction error


def test_bad_n_and_missing_inception_weights_are_one_line_errors(evaluated, tmp_path, cli):
    dcgan_run, _ = evaluated
    result = cli("evaluate", dcgan_run, "--n", "1")
    assert result.returncode == 2 and "--n must be at least 2" in result.stderr
    result = cli("evaluate", dcgan_run, "--inception", env={"KERAS_HOME": str(tmp_path)})
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(tmp_path / "models") in lines[0]
    assert "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5" in lines[0]
