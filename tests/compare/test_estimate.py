"""The time a comparison announces before it starts, from speeds measured on this machine."""

from __future__ import annotations

from genlab import speeds
from genlab.comparison.estimate import curve_points, estimate
from genlab.comparison.plan import Plan


def test_curve_points_are_the_doublings_plus_the_end():
    assert curve_points(60_000, 4096) == 5  # 4,096 8,192 16,384 32,768 and 60,000
    assert curve_points(4096, 4096) == 2 and curve_points(4000, 4096) == 0


def test_estimate_from_measured_speeds(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path))
    plan = Plan(models=["dcgan", "vae"], seeds=[0, 1], out=tmp_path, epochs=2, eval_samples=1000)
    assert "none yet" in estimate(plan, 60_000) and "dcgan, vae" in estimate(plan, 60_000)
    speeds.record("vae", "auto", 50.0, images=4096)  # too short to say anything: not kept
    speeds.record("dcgan", "auto", 200.0, images=60_000, eval_seconds=10.0, eval_n=1000)
    text = estimate(plan, 60_000)
    # 2 seeds x 120,000 images at 200 images/s = 20 min; evaluation: 2 x (1,000 + 5 x 1,000) x 10 ms
    assert text.startswith("time estimate: about 22 min (training 20 min, evaluation 2 min)")
    assert text.endswith("not counted: vae (no speed measured here yet)")
    assert estimate(plan, 60_000, slots=2).startswith("time estimate: about 11 min (training 10")
    budget = Plan(models=["vae"], seeds=[0], out=tmp_path, budget_minutes=3, evaluate=False)
    assert estimate(budget, 60_000).startswith("time estimate: about 3 min (training 3 min)")
    short = Plan(models=["dcgan"], seeds=[0], out=tmp_path, images=2048, evaluate=False)
    assert estimate(short, 60_000).startswith("time estimate: under a minute (training under")
    (tmp_path / "speeds.json").write_text("not json")  # a broken cache only means no estimate
    assert "none yet" in estimate(plan, 60_000)
