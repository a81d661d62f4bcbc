"""Who wins at which budget, on hand-written curves: bands over seeds, the ladder, the leads."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from genlab.comparison.curves import bands, crossover_text, ladder, ladder_budgets, leads, summary


def _run(model, seed, points, ok=True):
    """A finished run whose curve has ``(images, fid)`` points, 1,000 images per second."""
    curve = [{"images": x, "train_seconds": x / 1000, "fid": y} for x, y in points]
    return SimpleNamespace(model=model, seed=seed, curve=curve, ok=ok)


#: "fast" improves early and stalls; "slow" starts worse and overtakes after about 16k images.
FAST = [(4096, 40.0), (8192, 30.0), (16384, 25.0), (32768, 24.0), (65536, 23.5)]
SLOW = [(4096, 90.0), (8192, 60.0), (16384, 26.0), (32768, 15.0), (65536, 10.0)]


def _shifted(points, by):
    return [(x, y + by) for x, y in points]


def test_band_spans_the_seeds_and_only_where_every_seed_has_a_value():
    runs = [_run("a", 0, FAST), _run("a", 1, _shifted(FAST[:3], 2.0))]
    [band] = bands(runs, "images").values()
    assert band.seeds == 2
    assert band.x[0] == pytest.approx(4096) and band.x[-1] == pytest.approx(16384)
    assert band.mean[0] == pytest.approx(41.0) and band.low[0] == 40 and band.high[0] == 42
    mean, low, high = band.at(8192)
    assert (mean, low, high) == pytest.approx((31.0, 30.0, 32.0), abs=0.1)  # on the grid
    assert band.at(32768) is None  # seed 1 stopped before: no value made up
    assert not bands([_run("a", 0, FAST, ok=False)], "images")  # failed runs are left out


def test_ladder_ranks_each_budget_and_leaves_out_who_does_not_reach_it():
    runs = [_run("fast", 0, FAST), _run("slow", 0, SLOW[:4])]
    all_bands = bands(runs, "images")
    budgets = ladder_budgets(all_bands, "images")
    assert budgets == [4096, 8192, 16384, 32768, 65536]
    rows = {r["budget"]: r["models"] for r in ladder(all_bands, budgets)}
    assert rows[4096]["fast"]["rank"] == 1 and rows[4096]["slow"]["rank"] == 2
    assert rows[32768]["slow"]["rank"] == 1 and rows[32768]["slow"]["mean"] == 15.0
    assert set(rows[65536]) == {"fast"}  # slow's curve ends at 32,768 images
    minutes = ladder_budgets(bands(runs, "train_seconds"), "train_seconds")
    assert minutes == [7.5, 15.0, 30.0, 60.0]  # doublings of a minute from 4.1 s to 65.5 s


def test_a_lead_is_claimed_only_where_the_seed_bands_separate():
    runs = [_run("fast", s, _shifted(FAST, s)) for s in (0, 1)]
    runs += [_run("slow", s, _shifted(SLOW, s)) for s in (0, 1)]
    stretches = leads(bands(runs, "images"))
    assert [(s.leader, s.tied) for s in stretches] == [
        ("fast", ()),
        (None, ("fast", "slow")),
        ("slow", ()),
    ]
    assert stretches[0].end < 16384 < stretches[2].start
    text = crossover_text(stretches, "images")
    assert text.startswith("fast leads up to about ")
    assert "tie (fast, slow) from about " in text and "slow leads from about " in text
    # Seeds far apart: the bands overlap everywhere, so nobody leads anywhere.
    noisy = [_run("fast", s, _shifted(FAST, 80 * s)) for s in (0, 1)]
    noisy += [_run("slow", s, _shifted(SLOW, 80 * s)) for s in (0, 1)]
    assert {s.leader for s in leads(bands(noisy, "images"))} == {None}


def test_summary_holds_both_axes_and_is_empty_without_curves():
    runs = [_run("fast", 0, FAST), _run("slow", 0, SLOW)]
    both = summary(runs)
    assert set(both) == {"images", "train_seconds"}
    assert both["train_seconds"]["text"].startswith("fast leads up to about ")
    assert "min" in both["train_seconds"]["text"] or " s" in both["train_seconds"]["text"]
    empty = summary([SimpleNamespace(model="a", seed=0, curve=[], ok=True)])
    assert empty["images"] == {"bands": {}, "ladder": [], "leads": [], "text": ""}


def test_no_lead_where_the_curves_share_no_stretch_of_the_axis():
    """Equal images, unequal speeds: one model's curve ends before the other's begins in time."""
    quick = _run("quick", 0, [(4096, 50.0), (65536, 30.0)])
    for point in quick.curve:
        point["train_seconds"] /= 100  # 100 times faster: done in 0.7 s
    slow = _run("slow", 0, [(4096, 60.0), (65536, 20.0)])
    both = summary([quick, slow])
    assert both["images"]["text"].startswith("quick leads up to about ")
    assert both["train_seconds"]["leads"] == []
    assert both["train_seconds"]["text"] == (
        "no lead claimed on training time: the curves share no stretch of it (quick ends at "
        "about 0.66 s, slow starts at about 4.1 s); give every model the same budget on this "
        "axis to compare here."
    )
