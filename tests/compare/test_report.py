"""The HTML and Markdown reports: self-contained, complete, and rendered by a real browser."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

from genlab.comparison.report import write_reports
from tests.compare.fakes import fake_comparison

GAN = {"fid": 40.0, "precision": 0.6, "mse": None}
AE = {"fid": 70.0, "precision": 0.5, "mse": 0.02}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    runs = {
        ("toy_gan", 0): {"metrics": {**GAN, "fid": 38.0, "n": 500, "evaluator": "cnn"}},
        ("toy_gan", 1): {"metrics": GAN},
        ("toy_ae", 0): {"metrics": AE, "capabilities": ("sample", "reconstruct")},
        ("toy_ae", 1): {"metrics": {**AE, "fid": 72.0}, "capabilities": ("sample", "reconstruct")},
        ("toy_broken", 0): {"state": "diverged"},
        ("toy_broken", 1): {"state": "failed"},
    }
    comparison = fake_comparison(root, runs)
    paths = write_reports(comparison)
    return comparison, paths


def test_html_is_self_contained_with_embedded_images(report):
    _, paths = report
    html = paths["html"].read_text()
    assert re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html) is None
    assert not re.search(r"https?://|<script|<link|@import|url\(", html)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    # 2 sample grids (none for the broken model), 1 reconstruction grid, 3 charts
    assert len(images) == 6
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_shows_every_metric_the_best_and_the_failures(report):
    _, paths = report
    html = paths["html"].read_text()
    assert '<td class="best">39.0 ± 1.4</td>' in html  # toy_gan's fid, lower is better
    assert "0.020 ± 0.000" not in html and '<td class="na">n/a</td>' in html
    assert "1/2 diverged" in html and "1/2 failed" in html
    assert "non-finite at epoch 1, step 2" in html
    for text in ("Samples", "Reconstructions", "Training losses", "Quality over training time"):
        assert text in html
    assert "evaluator" not in html  # strings and bookkeeping keys are not metrics
    assert "lr=0.0002" in html and "tensorflow 2.21.0" in html  # configs and versions


def test_markdown_links_its_pictures(report):
    comparison, paths = report
    text = paths["markdown"].read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 6
    for link in links:
        assert (paths["markdown"].parent / link).is_file(), link
    assert "**39.0 ± 1.4**" in text and "| fid ↓ |" in text
    assert not list(comparison.plan.out.rglob("*.tmp"))


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_a_headless_browser_renders_the_report(report, tmp_path):
    from PIL import Image

    _, paths = report
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            paths["html"].resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file(), "chromium wrote no screenshot"
    pixels = np.asarray(Image.open(shot).convert("L"), "float32")
    assert pixels.shape == (2000, 1200)
    assert pixels.std() > 20, "the screenshot is (nearly) blank"
    assert (pixels < 64).mean() > 0.005  # dark text and pictures, not just a white page


def test_quality_over_time_draws_per_epoch_curves_when_fid_was_tracked(tmp_path):
    from genlab.report.plots import quality_vs_time
    from genlab.run_dir import RunDir

    runs = {("toy_gan", s): {"metrics": {**GAN, "fid": 40.0 + s}} for s in (0, 1)}
    comparison = fake_comparison(tmp_path, runs)
    png, note = quality_vs_time(comparison)
    assert png and "computed once per run" in note
    for result in comparison.results:
        run = RunDir(result.run_dir)
        run.write_history([{**row, "fid": 90.0 / row["epoch"]} for row in run.read_history()])
    png, note = quality_vs_time(comparison)
    assert png.startswith(b"\x89PNG") and note.startswith("FID after each epoch")


def test_fid_axis_goes_logarithmic_only_for_a_wide_spread():
    """One trial at FID 190 must not flatten the differences between trials at 20-30."""
    from genlab.report.figure import pyplot
    from genlab.report.search_figures import fid_axis

    plt = pyplot()
    fig, (wide, narrow) = plt.subplots(1, 2)
    fid_axis(wide, [20.0, 25.0, 31.0, 190.0, None])
    fid_axis(narrow, [20.0, 25.0, 31.0])
    assert wide.get_yscale() == "log" and narrow.get_yscale() == "linear"
    assert {20, 30, 50, 100, 150} <= set(wide.get_yticks())
    assert [t.get_text() for t in wide.get_yticklabels()][:2] == ["20", "30"]
    plt.close(fig)


def test_quality_against_sampling_cost_needs_measured_costs(tmp_path):
    from genlab.report.plots import quality_vs_sampling_cost

    plain = fake_comparison(tmp_path / "plain", {("toy_gan", 0): {"metrics": GAN}})
    assert quality_vs_sampling_cost(plain) == (
        None,
        "No model was evaluated on samples, so there is no sampling cost to plot.",
    )
    slow = {"sample_ms_per_image": 150.0, "network_evals_per_image": 20}
    fast = {"sample_ms_per_image": 2.5, "network_evals_per_image": 1}
    runs = {
        ("toy_diffusion", 0): {"metrics": {**GAN, "fid": 30.0, **slow}},
        ("toy_diffusion", 1): {"metrics": {**GAN, "fid": 32.0, **slow}},
        ("toy_gan", 0): {"metrics": {**GAN, **fast}},
    }
    comparison = fake_comparison(tmp_path / "costs", runs)
    png, note = quality_vs_sampling_cost(comparison)
    assert png.startswith(b"\x89PNG") and "network evaluations per image" in note
    html = write_reports(comparison)["html"].read_text()
    assert "Quality against sampling cost" in html and note in html


def test_curves_give_the_budget_section_and_the_compute_figure(tmp_path):
    """Two models whose seed bands separate: the reports say who leads where, rank the ladder
    and draw FID against compute; the JSON carries the same."""

    def curve(fids, seed):
        return [
            {"images": 4096 * 2**i, "train_seconds": 30.0 * 2**i, "fid": f + seed, "step": i}
            for i, f in enumerate(fids)
        ]

    early, late = [40.0, 30.0, 25.0, 24.0], [90.0, 50.0, 20.0, 12.0]
    runs = {("toy_ae", s): {"metrics": AE, "curve": curve(early, s)} for s in (0, 1)}
    runs |= {("toy_gan", s): {"metrics": GAN, "curve": curve(late, s)} for s in (0, 1)}
    comparison = fake_comparison(tmp_path, runs)
    paths = write_reports(comparison)
    html, markdown = paths["html"].read_text(), paths["markdown"].read_text()
    said = comparison.curves["train_seconds"]["text"]
    assert said.startswith("toy_ae leads up to about ") and "toy_gan leads from about " in said
    for text in (html, markdown):
        assert "Who wins at which budget" in text and "Quality over compute" in text
        assert "FID at training-time budgets" in text and "FID at image budgets" in text
        assert "toy_ae leads up to about 1.7 min" in text
    assert "| toy_gan | 90.5 (#2) | 50.5 (#2) | 20.5 (#1) | 12.5 (#1) |" in markdown
    assert "| toy_ae | 40.5 (#1) | 30.5 (#1) | 25.5 (#2) | 24.5 (#2) |" in markdown
    assert (paths["markdown"].parent / "report_files" / "quality-curves.png").is_file()
    data = comparison.to_json()
    assert [r["curve"] for r in data["runs"] if r["model"] == "toy_gan"][0][0]["fid"] == 90.0
    assert data["curves"]["images"]["ladder"][0]["budget"] == 4096
