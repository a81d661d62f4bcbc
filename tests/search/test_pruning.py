"""Pruned search: trials stopped on their quality curve, recorded as pruned, within a budget of
training images over all trials (``genlab tune --pruner asha --total-images N``)."""

from __future__ import annotations

import json

from genlab.run_dir import RunDir
from genlab.search.study import images_seen
from tests.conftest import run_cli

#: Trials of 1,024 images (16 steps of 64), curve points at 128 images seen and each doubling.
TUNE = ["tune", "gan", "--images", "1024", "--limit", "1024", "--curve-from", "128"]
TUNE += ["--batch-size", "64", "--eval-n", "100"]


def test_asha_prunes_weak_trials_and_fits_more_into_the_same_images(tmp_path, fashion):
    out = tmp_path / "study"
    result = run_cli(
        *TUNE, "--trials", "6", "--pruner", "asha", "--total-images", "3072",
        "--out", out, "--json", check=True,
    )  # fmt: skip
    search = json.loads(result.stdout)["search"]
    trials = search["trials"]
    states = [t["state"] for t in trials]
    assert "pruned" in states and "complete" in states, states
    used = [images_seen(t["run_dir"]) for t in trials]
    # Without pruning 3,072 images are three trials; the pruned ones left room for more (up to
    # the cap of 6), and no trial was started once the trials before it had used the budget.
    assert len(trials) > 3 and sum(used[:-1]) < 3072
    assert sum(used) >= 3072 or len(trials) == 6
    for trial, images in zip(trials, used, strict=True):
        run = RunDir(trial["run_dir"])
        curve = run.read_curve()
        assert curve[-1]["images"] == images and run.config["curve_on"] == "holdout"
        if trial["state"] == "pruned":
            assert images < 1024 and trial["fid"] is None
            assert run.status["state"] == "pruned" and "pruner" in trial["error"]
            fid = curve[-1]["fid"]
            assert trial["error"].endswith(
                f"at {images:,} images seen (FID {fid:.2f} on 100 samples)"
            )
    assert search["best"]["fid"] == min(t["fid"] for t in trials if t["state"] == "complete")
    # The study knows them as pruned too: rerunning the command trains nothing more.
    again = run_cli(*TUNE, "--trials", "6", "--pruner", "asha", "--total-images", "3072",
                    "--out", out, "--json", check=True)  # fmt: skip
    assert json.loads(again.stdout)["search"]["trials"] == trials
    assert "training ->" not in again.stderr


def test_pruning_runs_trials_here_so_jobs_are_refused(tmp_path):
    result = run_cli(*TUNE, "--trials", "2", "--pruner", "asha", "--jobs", "2", "--out", tmp_path)
    assert result.returncode == 2
    assert "--pruner decides in this process" in result.stderr and "Traceback" not in result.stderr
    result = run_cli(*TUNE, "--trials", "2", "--pruner", "median", "--out", tmp_path)
    assert (
        result.returncode == 2 and "--pruner must be one of none, asha, hyperband" in result.stderr
    )
