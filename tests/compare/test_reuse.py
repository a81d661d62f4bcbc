"""Which existing run directories a comparison reuses, resumes or retrains."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from genlab import __version__
from genlab.comparison.plan import Plan, make_plan
from genlab.comparison.results import read_run
from genlab.errors import UnknownNameError, UsageError
from genlab.execution.executors import needs_evaluation
from genlab.execution.pipeline import decide, expected_identity
from genlab.registry import get_model
from genlab.run import identity_differences
from tests.compare.fakes import HPARAMS, make_run


def _expected(**changes):
    return {
        "model": "toy",
        "hparams": dict(HPARAMS),
        "dataset": "fashion",
        "image_shape": (28, 28, 1),  # tuples and lists compare equal, as after a JSON round trip
        "train_images": 512,
        "batch_size": 64,
        "seed": 0,
        "epochs": 2,
        "limit": 512,
        "budget_minutes": None,
        "genlab": __version__,
        **changes,
    }


def test_a_matching_finished_run_is_reused(tmp_path):
    make_run(tmp_path / "r", "toy", 0, metrics={"fid": 1.0})
    assert decide(tmp_path / "r", _expected(), reuse=True) == ("reuse", "complete")
    assert decide(tmp_path / "r", _expected(), reuse=False) == ("fresh", "--no-reuse")


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"epochs": 3}, "epochs"),
        ({"seed": 1}, "seed"),
        ({"batch_size": 128}, "batch_size"),
        ({"train_images": 1024, "limit": 1024}, "train_images"),
        ({"budget_minutes": 5.0}, "budget_minutes"),
        ({"hparams": {**HPARAMS, "lr": 0.001}}, "hparams"),
        ({"genlab": "0.0.1"}, "genlab"),
        ({"dataset": "mnist"}, "dataset"),
    ],
)
def test_a_run_with_other_settings_is_retrained(tmp_path, changes, key):
    make_run(tmp_path / "r", "toy", 0)
    decision, why = decide(tmp_path / "r", _expected(**changes), reuse=True)
    assert decision == "fresh" and key in why


def test_unfinished_runs_resume_and_diverged_runs_are_kept(tmp_path):
    make_run(tmp_path / "i", "toy", 0, state="interrupted")
    make_run(tmp_path / "d", "toy", 0, state="diverged")
    assert decide(tmp_path / "i", _expected(), True) == ("resume", "interrupted")
    assert decide(tmp_path / "d", _expected(), True) == ("reuse", "diverged")
    assert decide(tmp_path / "none", _expected(), True) == ("fresh", "")
    diverged = read_run(tmp_path / "d", "toy", 0)
    assert not diverged.ok and "non-finite at epoch 1, step 2" in diverged.error


def test_expected_identity_matches_what_run_one_writes(tmp_path):
    """The keys compared are exactly those of a real config.json (dcgan defaults)."""
    data = SimpleNamespace(
        name="fashion", image_shape=(28, 28, 1), splits=SimpleNamespace(train_images=np.zeros(7))
    )
    plan = Plan(models=["dcgan"], seeds=[4], out=tmp_path, epochs=2, limit=7)
    identity = expected_identity(plan.run_config("dcgan", 4), data)
    assert identity["seed"] == 4 and identity["train_images"] == 7
    spec = get_model("dcgan")
    assert identity["batch_size"] == spec.default_batch_size
    assert identity["hparams"]["width"] == 64
    config = {**identity, "versions": {"genlab": __version__}, "created": "today"}
    del config["genlab"]
    assert identity_differences(config, identity) == []


def test_plan_validates_everything_up_front(tmp_path):
    plan = make_plan(["DCGAN", "dcgan"], seeds=2, out=tmp_path, epochs=1)
    assert plan.models == ["dcgan"] and plan.seeds == [0, 1]
    assert plan.run_dir("dcgan", 1) == tmp_path / "runs" / "dcgan-s1"
    with pytest.raises(UnknownNameError, match="did you mean 'dcgan'"):
        make_plan(["dcgna"], out=tmp_path)
    with pytest.raises(UnknownNameError, match="unknown dataset"):
        make_plan(["dcgan"], out=tmp_path, dataset="fashon")
    for kwargs, flag in (
        ({"seeds": 0}, "--seeds"),
        ({"epochs": 0}, "--epochs"),
        ({"budget_minutes": -1.0}, "--budget-minutes"),
        ({"eval_samples": 0}, "--eval-n"),
        ({"device": "tpu"}, "--device"),
    ):
        with pytest.raises(UsageError, match=flag):
            make_plan(["dcgan"], out=tmp_path, **kwargs)
    with pytest.raises(UsageError, match="--all"):
        make_plan(["dcgan"], all_models=True)
    assert "dcgan" in make_plan([], all_models=True).models
    assert make_plan(["dcgan"]).out.parts[0] == "comparisons"


def test_reused_runs_are_evaluated_when_their_metrics_do_not_fit(tmp_path):
    def asked(n):
        return SimpleNamespace(evaluate=True, eval_samples=n)

    make_run(tmp_path / "none", "toy", 0)
    make_run(tmp_path / "n500", "toy", 0, metrics={"fid": 3.0, "n": 500})
    make_run(tmp_path / "ae", "toy", 0, metrics={"mse": 0.1, "n": None})
    assert needs_evaluation(tmp_path / "none", asked(500))
    assert not needs_evaluation(tmp_path / "n500", asked(500))
    assert needs_evaluation(tmp_path / "n500", asked(10_000))
    assert not needs_evaluation(
        tmp_path / "ae", asked(10_000)
    )  # drew no samples: n does not matter


def test_fid_tracking_must_be_there_when_asked_for_and_is_ignored_otherwise(tmp_path):
    make_run(tmp_path / "plain", "toy", 0)
    make_run(tmp_path / "tracked", "toy", 0, config={"track_fid": 500})
    asked = _expected(track_fid=500)
    assert decide(tmp_path / "plain", asked, True) == ("fresh", "track_fid changed")
    assert decide(tmp_path / "tracked", asked, True) == ("reuse", "complete")
    # Tracking does not change training, so a comparison without it reuses tracked runs.
    assert decide(tmp_path / "tracked", _expected(), True) == ("reuse", "complete")
    plan = Plan(models=["dcgan"], seeds=[0], out=tmp_path, track_fid=500)
    data = SimpleNamespace(
        name="fashion", image_shape=(28, 28, 1), splits=SimpleNamespace(train_images=np.zeros(7))
    )
    assert expected_identity(plan.run_config("dcgan", 0), data)["track_fid"] == 500
    from genlab.commands.compare import command_line

    assert "--track-fid" not in command_line(make_plan(["dcgan"], seeds=1, out=tmp_path), False)
    tracked_plan = make_plan(["dcgan"], seeds=1, out=tmp_path, track_fid=500)
    assert "--track-fid 500" in command_line(tracked_plan, False)
    with pytest.raises(UsageError, match="--track-fid"):
        make_plan(["dcgan"], seeds=1, out=tmp_path, track_fid=-1)
