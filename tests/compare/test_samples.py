"""External sample sets beside trained models: ``genlab compare ... --samples NAME=PATH``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genlab.comparison.samples import parse_sample_sets
from genlab.errors import UsageError
from tests.conftest import run_cli


def test_sample_sets_are_checked_before_anything_runs(tmp_path):
    array = tmp_path / "s.npy"
    np.save(array, np.zeros((4, 28, 28), np.uint8))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text("{}")
    assert parse_sample_sets([f"ref={array}"], ["gan"]) == {"ref": str(array)}
    for items, message in (
        (["ref"], "takes NAME=PATH"),
        ([f"gan={array}"], "already a column"),
        ([f"a={array}", f"a={array}"], "already a column"),
        ([f"a b={array}"], "use letters"),
        ([f"a={tmp_path / 'missing.npy'}"], "does not exist"),
        ([f"a={run_dir}"], "not a .npy/.npz array or a folder of images"),
    ):
        with pytest.raises(UsageError, match=message):
            parse_sample_sets(items, ["gan"])


def test_sample_sets_join_the_table_and_the_reports(tmp_path, fashion):
    real = tmp_path / "real.npy"
    np.save(real, fashion.test_images[:500])
    noise = tmp_path / "noise.npy"
    np.save(noise, np.random.default_rng(0).uniform(0, 1, (500, 28, 28, 1)).astype(np.float32))
    out = tmp_path / "cmp"
    result = run_cli(
        "compare", "gan", "--epochs", "1", "--limit", "512", "--seeds", "1", "--eval-n", "500",
        "--samples", f"real={real}", "--samples", f"noise={noise}", "--out", out, "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["models"] == ["gan"] and data["sample_sets"] == ["real", "noise"]
    fid = {m: data["aggregate"][m]["metrics"]["fid"]["mean"] for m in ("gan", "real", "noise")}
    assert fid["real"] < fid["gan"] < fid["noise"], fid
    assert data["best"]["fid"] == ["real"]
    runs = {r["model"]: r for r in data["runs"]}
    assert runs["noise"]["state"] == "complete" and runs["noise"]["training"] == {}
    assert "values read as" in runs["real"]["notes"][0]
    assert "--samples real=" in data["plan"]["command"]
    html = (out / "report.html").read_text()
    assert "real (samples)" in html and "noise (samples)" in html
    assert "| noise (samples)" in (out / "report.md").read_text()
