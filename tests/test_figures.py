"""Every figure genlab draws reads at a glance: no two texts overlap, nothing is cut off, log
axes carry plain tick labels ("4k 8k 16k", "30 s 1 min 2 min"), metrics are named as users
write them (FID, KID), axes say their units.

Each figure is checked when it is saved: the test replaces ``Figure.savefig`` by one that looks
at every visible text of the figure first (tick labels, axis labels, titles, legends,
annotations), at the default size and resolution."""

from __future__ import annotations

import math
from types import SimpleNamespace as NS

import numpy as np
import pytest
from matplotlib.figure import Figure

from genlab.report import figure as shared
from tests.compare.fakes import fake_comparison

FASHION = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def tick_labels(ax, which: str = "x") -> list[str]:
    """The tick labels the axis shows (ticks inside its limits)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    low, high = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    shown = []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        inside = low - 1e-9 * abs(low) <= tick.get_loc() <= high + 1e-9 * abs(high)
        if inside and tick.label1.get_visible() and tick.label1.get_text().strip():
            shown.append(tick.label1)
    return shown


def visible_texts(fig) -> list:
    """Every text the figure shows, drawn."""
    fig.canvas.draw()
    texts = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += tick_labels(ax, "x") + tick_labels(ax, "y") + [ax.xaxis.label, ax.yaxis.label]
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def corners(text, renderer) -> list[tuple[float, float]]:
    """The corners of the text's own box in pixels, turned with the text (a tick label at 30
    degrees fills a thin slanted box, not its whole bounding rectangle)."""
    box = text.get_window_extent(renderer)
    angle = text.get_rotation() % 180
    if not 0 < angle < 90:
        return [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
    text.set_rotation(0)
    flat = text.get_window_extent(renderer)
    text.set_rotation(angle)
    w, h = flat.width, flat.height
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rel = [(h * s, 0), (w * c + h * s, w * s), (w * c, w * s + h * c), (0, h * c)]
    return [(box.x0 + x, box.y0 + y) for x, y in rel]


def overlap(a, b) -> bool:
    """Whether two convex polygons share more than a pixel (separating axis test)."""
    for poly in (a, b):
        for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
            nx, ny = y0 - y1, x1 - x0
            norm = math.hypot(nx, ny) or 1.0
            pa = [(x * nx + y * ny) / norm for x, y in a]
            pb = [(x * nx + y * ny) / norm for x, y in b]
            if min(max(pa), max(pb)) - max(min(pa), min(pb)) <= 1:
                return False
    return True


def layout_problems(fig) -> list[str]:
    """Texts that overlap each other or leave the figure."""
    texts = visible_texts(fig)
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    problems = []
    shapes = []
    for text in texts:
        box = text.get_window_extent(renderer)
        inside = page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1
        if not (inside and page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1):
            problems.append(f"{text.get_text()!r} is cut off")
        shapes.append((text.get_text(), corners(text, renderer)))
    for i, (a, shape_a) in enumerate(shapes):
        for b, shape_b in shapes[i + 1 :]:
            if overlap(shape_a, shape_b):
                problems.append(f"{a!r} overlaps {b!r}")
    return problems


@pytest.fixture
def saved(monkeypatch):
    """Every figure saved during the test: ``[(tick labels by axis, titles, problems)]``."""
    figures = []
    original = Figure.savefig

    def checking_savefig(self, *args, **kwargs):
        figures.append(
            NS(
                problems=layout_problems(self),
                texts=[t.get_text() for t in visible_texts(self)],
                xticks=[[t.get_text() for t in tick_labels(ax)] for ax in self.axes],
            )
        )
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", checking_savefig)
    return figures


def assert_readable(figures) -> None:
    assert figures, "no figure was saved"
    for figure in figures:
        assert not figure.problems, figure.problems


# -- the shared pieces ---------------------------------------------------------------------------
def test_plain_tick_labels():
    assert [shared.count_label(v) for v in (500, 4096, 65536, 60000, 1_048_576)] == [
        "500", "4k", "64k", "60k", "1M",
    ]  # fmt: skip
    assert [shared.duration_label(s) for s in (7.5, 30, 60, 90, 240)] == [
        "7.5 s", "30 s", "1 min", "90 s", "4 min",
    ]  # fmt: skip
    ticks, labels = shared.log_ticks(3500, 72_000, "count", length_in=3.3)
    assert labels == ["4k", "8k", "16k", "32k", "64k"]
    _, labels = shared.log_ticks(10, 900, "seconds", length_in=4)
    assert labels == ["15 s", "30 s", "1 min", "2 min", "4 min", "8 min"]
    _, labels = shared.log_ticks(40_000, 62_000, "count", length_in=3.3)
    assert labels == ["40k", "50k", "60k"]  # a narrow range still gets round ticks


@pytest.mark.parametrize("length", [1.0, 2.0, 4.0, 8.0])
@pytest.mark.parametrize(
    ("low", "high", "kind"),
    [(3000, 2e6, "count"), (2, 20_000, "seconds"), (0.02, 900, "plain"), (14, 19, "plain")],
)
def test_tick_labels_leave_room_between_them(low, high, kind, length):
    ticks, labels = shared.log_ticks(low, high, kind, length_in=length)
    assert 2 <= len(ticks) <= shared.MAX_TICKS
    assert all(low <= t <= high for t in ticks) and ticks == sorted(ticks)
    assert shared._fits(ticks, labels, low, high, length, 10, vertical=False) or len(ticks) == 2


def test_metric_names_as_users_write_them():
    assert shared.metric_name("fid") == "FID" and shared.metric_name("kid") == "KID"
    assert shared.metric_name("classifier_score") == "classifier score"
    assert shared.metric_name("my_plugin_metric") == "my plugin metric"
    assert shared.metric_label("psnr", "higher is better") == "PSNR (dB; higher is better)"
    assert shared.metric_label("fid", "lower is better") == "FID (lower is better)"


# -- the figures ---------------------------------------------------------------------------------
def doubling_curve(last: int, fid0: float = 60.0, seconds_per_image: float = 0.0025):
    points = []
    images = 4096
    while images < last:
        points.append(images)
        images *= 2
    points.append(last)
    return [
        {
            "images": n, "train_seconds": n * seconds_per_image, "fid": fid0 / math.log2(n / 2048),
            "kid": 0.5, "precision": 0.5, "recall": 0.1 * i, "n": 2000, "step": n // 64,
        }
        for i, n in enumerate(points)
    ]  # fmt: skip


@pytest.mark.parametrize("last", [4096, 60_000, 2_000_000])
def test_run_curve(saved, tmp_path, last):
    from genlab.report.images import plot_curve

    plot_curve(tmp_path / "curve.png", doubling_curve(last), title="dcgan on fashion: quality")
    assert_readable(saved)
    assert "FID (lower is better)" in saved[0].texts
    if last == 60_000:  # the quick start's
        assert saved[0].xticks[0] == ["4k", "8k", "16k", "32k", "64k"]


@pytest.mark.parametrize("epochs", [1, 40])
def test_run_losses(saved, tmp_path, epochs):
    from genlab.report.images import plot_losses

    history = [
        {"epoch": e, "d_loss": 1 / e, "g_loss": 2 / e, "val_g_loss": 2.1 / e, "seconds": 3.0}
        for e in range(1, epochs + 1)
    ]
    plot_losses(tmp_path / "losses.png", history, title="dcgan on fashion")
    assert_readable(saved)
    assert all(label.isdigit() for label in saved[0].xticks[0] if label), saved[0].xticks


def two_model_comparison(root, curves=True):
    fast = {"sample_ms_per_image": 0.05, "network_evals_per_image": 1}
    slow = {"sample_ms_per_image": 60.0, "network_evals_per_image": 20}
    metrics = {"fid": 30.0, "kid": 0.2, "precision": 0.6, "recall": 0.3, "psnr": None}
    runs = {}
    for seed in (0, 1):
        runs[("dcgan", seed)] = {
            "metrics": {**metrics, "fid": 25.0 + seed, **fast},
            "curve": doubling_curve(131_072, 60 + seed) if curves else None,
            "epochs": 12,
        }
        runs[("diffusion_with_a_long_name", seed)] = {
            "metrics": {**metrics, "fid": 20.0 + seed, "psnr": 20.0, "mse": 0.01, **slow},
            "curve": doubling_curve(65_536, 90 + seed, 0.01) if curves else None,
            "capabilities": ("sample", "reconstruct"),
            "epochs": 12,
        }
    return fake_comparison(root, runs)


@pytest.mark.parametrize("curves", [True, False])
def test_comparison_figures(saved, tmp_path, curves):
    from genlab.comparison.report import write_reports

    write_reports(two_model_comparison(tmp_path, curves))
    assert len(saved) >= 4  # losses, metrics, quality, sampling cost
    assert_readable(saved)
    texts = "\n".join(t for f in saved for t in f.texts)
    assert "FID against sampling cost" in texts and "fid " not in texts
    if curves:
        assert "1 min" in texts and "16k" in texts


def test_search_figures(saved):
    from genlab.report.search_figures import search_figures
    from genlab.search.study import Search, Trial

    def search(model, fids):
        trials = [
            Trial(i, "complete" if f else "pruned", "", {}, fid=f, defaults=i == 0)
            for i, f in enumerate(fids)
        ]
        return Search(model, "", {"lr": "log-uniform"}, trials)

    searches = {
        "dcgan": search("dcgan", [30.0, 24.0, 190.0, 22.5, None, 27.0]),
        "vae": search("vae", [60.0, 55.0, 58.0, None, None, 70.0]),
    }
    pictures = search_figures(NS(searches=searches))
    assert len(pictures) == 2
    assert_readable(saved)


def test_code_map(saved, tmp_path):
    from genlab.report.latent_figures import save_code_map

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    xy = rng.normal(size=(2000, 2)) + labels[:, None]
    title = "vae: 2000 test codes (16-d), t-SNE, linear probe accuracy 0.812"
    save_code_map(tmp_path / "codes.png", xy, labels, FASHION, title, "tsne")
    assert_readable(saved)
    assert "t-SNE 1" in saved[0].texts
