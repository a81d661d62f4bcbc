"""``genlab tune`` and ``genlab compare --search`` end to end on small real data.

The kill -9 hits a real ``genlab tune`` process; every other command runs in this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run_cli


def _first_epoch_row(run_dir: Path, proc, timeout=600) -> str:
    """Wait until ``run_dir`` has finished an epoch (checkpoint and history row); that row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = run_dir / "history.jsonl"  # appears with the first finished epoch
        rows = history.read_text().splitlines() if history.exists() else []
        if rows and list((run_dir / "checkpoints").glob("ckpt-*.npz")):
            return rows[0]
        if proc.poll() is not None:
            raise AssertionError(f"tune ended before {run_dir} trained: {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"{run_dir} never finished an epoch")


def test_tune_killed_during_trial_2_continues_without_retraining(tmp_path):
    out = tmp_path / "study"
    args = ["tune", "gan", "--trials", "2", "--epochs", "2", "--limit", "256"]
    args += ["--batch-size", "64", "--eval-n", "200", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "genlab.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    trial = out / "trials" / "trial-001"
    first_row = _first_epoch_row(trial, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert json.loads((trial / "status.json").read_text())["state"] == "running"

    result = run_cli(*args, "--json", check=True)
    search = json.loads(result.stdout)["search"]
    assert [t["number"] for t in search["trials"]] == [0, 1]
    assert [t["state"] for t in search["trials"]] == ["complete"] * 2
    assert search["trials"][0]["params"] == {} and search["trials"][0]["defaults"]
    assert set(search["trials"][1]["params"]) == set(search["space"])
    assert search["best"]["fid"] == min(t["fid"] for t in search["trials"])
    # Trial 0 was reused, trial 1 resumed from its checkpoint.
    assert [t["attempt"] for t in search["trials"]] == [1, 2]
    rows = (trial / "history.jsonl").read_text().splitlines()
    assert len(rows) == 2 and rows[0] == first_row
    assert f"gan/trial-001: resuming -> {trial}" in result.stderr

    again = run_cli(*args, "--json", check=True)  # everything reused: nothing trains
    assert json.loads(again.stdout)["search"]["trials"] == search["trials"]
    changed = run_cli(*args[:-2], "--out", str(out), "--limit", "128")
    assert changed.returncode == 2 and "limit differ" in changed.stderr


def test_compare_search_reports_trials_and_retrains_the_best(tmp_path):
    out = tmp_path / "cmp"
    result = run_cli(
        "compare", "gan", "--search", "2", "--search-images", "256", "--images", "512",
        "--limit", "256", "--seeds", "1", "--eval-n", "200", "--out", out, "--json", check=True,
    )  # fmt: skip
    data = json.loads(result.stdout)
    # Trials train a smaller budget than the final runs, and the report says so.
    assert data["search"]["budget"].startswith("256 training images per trial")
    assert data["search"]["options"]["images"] == 256
    assert "--search-images 256" in data["plan"]["command"]
    search = data["search"]["models"]["gan"]
    assert len(search["trials"]) == 2
    for trial in search["trials"]:
        assert trial["state"] == "complete" and trial["fid"] > 0 and trial["hparams"]
    best = search["best"]
    [run] = data["runs"]
    assert run["state"] == "complete" and run["metrics"]["fid"] > 0
    # The final run trained the best trial's hyperparameters, on the ordinary --limit.
    assert run["config"]["hparams"] == best["hparams"]
    assert run["config"]["limit"] == 256 and run["config"]["images"] == 512
    html = (out / "report.html").read_text()
    assert "Hyperparameter search" in html and "Best validation FID" in html
    assert html.count("data:image/png") >= 4
    assert "## Hyperparameter search" in (out / "report.md").read_text()
