"""The best-FID-versus-trials bootstrap (Lucic et al. 2018) and rankings."""

from __future__ import annotations

import math

from genlab.search.analysis import best_vs_trials, ranking


def test_curve_starts_at_the_median_trial_and_never_rises():
    scores = [50.0, 40.0, 30.0, 20.0, 10.0]
    curve = best_vs_trials(scores, draws=4000)
    assert [row["n"] for row in curve] == [1, 2, 3, 4, 5]
    assert curve[0]["median"] == 30.0  # one trial drawn: the median trial
    medians = [row["median"] for row in curve]
    assert medians == sorted(medians, reverse=True) and medians[-1] < 30.0
    for row in curve:
        assert row["low"] <= row["median"] <= row["high"]
    assert curve[0]["low"] == 10.0 and curve[0]["high"] == 50.0


def test_failed_trials_cost_budget():
    ok = best_vs_trials([10.0, 20.0], draws=2000)
    with_failures = best_vs_trials([10.0, 20.0, None, math.inf], draws=2000)
    assert with_failures[0]["finite"] < 0.6  # half the single draws hit a failed trial
    assert ok[0]["finite"] == 1.0
    assert best_vs_trials([None, None])[0]["median"] is None
    assert best_vs_trials([]) == []


def test_same_seed_same_curve():
    assert best_vs_trials([3.0, 1.0, 2.0], seed=1) == best_vs_trials([3.0, 1.0, 2.0], seed=1)


def test_ranking_puts_missing_last():
    assert ranking({"a": 30.0, "b": None, "c": 10.0, "d": 20.0}) == ["c", "d", "a", "b"]


def test_ranking_sentence_says_whether_the_search_changed_the_order():
    from types import SimpleNamespace as NS

    from genlab.report.search_figures import ranking_sentence

    def search(default, best):
        return NS(defaults=NS(fid=default), best=NS(fid=best))

    changed = NS(searches={"gan": search(40.0, 20.0), "vae": search(30.0, 25.0)})
    text = ranking_sentence(changed)
    assert "defaults: vae, gan; with the best of the search: gan, vae" in text
    assert text.endswith("The search changed the ranking.")
    same = NS(searches={"gan": search(40.0, 35.0), "vae": search(30.0, 25.0)})
    assert ranking_sentence(same).endswith("The ranking did not change.")
    assert ranking_sentence(NS(searches={"gan": search(40.0, 35.0)})) == ""
