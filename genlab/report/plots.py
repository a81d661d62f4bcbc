"""The pictures of a comparison report: sample grids, reconstructions, losses, metrics, time.

Everything is returned as PNG bytes, so the HTML report can embed it and the Markdown report can
write it next to itself. Pictures are read from the run directories (no model is rebuilt), so a
report of a finished comparison takes seconds.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from genlab.report.figure import (
    Picture,
    integer_axis,
    log_axis,
    metric_label,
    metric_name,
    model_colors,
    panel_grid,
    png_bytes,
    pyplot,
)
from genlab.report.images import validation_style
from genlab.run_dir import HISTORY_BOOKKEEPING
from genlab.specs import RECONSTRUCT

#: Preferred metrics for "quality over training time", in order; else the first directed one.
QUALITY_KEYS = ("fid", "kid", "classifier_score", "mse")


@dataclass
class Figures:
    samples: list[Picture] = field(default_factory=list)
    reconstructions: list[Picture] = field(default_factory=list)
    losses: Picture | None = None
    metrics: Picture | None = None
    quality: Picture | None = None
    sampling: Picture | None = None  # quality against what one generated image costs
    sampling_note: str = ""
    latent_note: str = ""
    quality_note: str = ""
    search: list[Picture] = field(default_factory=list)  # genlab.report.search_figures
    latents: list[Picture] = field(default_factory=list)  # RUN/explore/codes.png per model


def report_figures(comparison) -> Figures:
    figures = Figures()
    shown = _first_complete_runs(comparison)
    for model, run in shown.items():
        path = Path(run.run_dir)
        if (path / "samples.png").exists():
            figures.samples.append(
                Picture(
                    f"samples-{model}.png",
                    model,
                    (path / "samples.png").read_bytes(),
                    f"seed {run.seed}",
                )
            )
        grids = sorted((path / "samples").glob("epoch-*.png"))
        if RECONSTRUCT in run.config.get("capabilities", ()) and grids:
            figures.reconstructions.append(
                Picture(
                    f"reconstructions-{model}.png",
                    model,
                    grids[-1].read_bytes(),
                    f"seed {run.seed}, after epoch {int(grids[-1].stem.split('-')[1])}",
                )
            )
        codes = path / "explore" / "codes.png"
        if codes.exists():
            figures.latents.append(
                Picture(f"codes-{model}.png", model, codes.read_bytes(), f"seed {run.seed}")
            )
    figures.latent_note = latent_note(shown)
    figures.losses = _picture("losses.png", "Training losses", loss_curves(comparison))
    figures.metrics = _picture("metrics.png", "Metrics", metric_bars(comparison))
    from genlab.report.curve_figures import CURVES_NOTE, curves_png

    png = curves_png(comparison)
    if png is not None:  # the runs' quality curves
        figures.quality = Picture("quality-curves.png", "Quality over compute", png)
        figures.quality_note = CURVES_NOTE
    else:  # per-epoch values (--track-fid), or one final point per run
        png, figures.quality_note = quality_vs_time(comparison)
        figures.quality = _picture("quality-vs-time.png", "Quality over training time", png)
    png, figures.sampling_note = quality_vs_sampling_cost(comparison)
    figures.sampling = _picture(
        "quality-vs-sampling-cost.png", "Quality against sampling cost", png
    )
    if getattr(comparison, "search", None) is not None:
        from genlab.report.search_figures import search_figures

        figures.search = search_figures(comparison.search)
    return figures


def _picture(name, title, png):
    return Picture(name, title, png) if png else None


def _first_complete_runs(comparison) -> dict:
    """For each model, its complete run with the lowest seed (what the sample grids show)."""
    shown = {}
    for model in comparison.plan.models:
        runs = sorted((r for r in comparison.runs_of(model) if r.ok), key=lambda r: r.seed)
        if runs:
            shown[model] = runs[0]
    return shown


def latent_note(shown: dict) -> str:
    """Say which models' grids come from the very same latent vectors (fixed_latents.npy)."""
    groups: dict[tuple, list[str]] = {}
    for model, run in shown.items():
        path = Path(run.run_dir) / "fixed_latents.npy"
        if path.exists():
            key = (run.seed, hashlib.sha256(path.read_bytes()).hexdigest())
            groups.setdefault(key, []).append(model)
    shared = [models for models in groups.values() if len(models) > 1]
    text = (
        "Every run draws its latent vectors from its seed, and all models use the same seeds, "
        "so models with the same latent size start from the same draws."
    )
    if shared:
        names = "; ".join(", ".join(g) for g in shared)
        text += f" Identical latent vectors (fixed_latents.npy) here: {names}."
    text += (
        " Models that fit their own sampling prior after training (e.g. a Gaussian over the "
        "latent codes of an autoencoder) map those draws through that prior first."
    )
    return text


# -- matplotlib charts --------------------------------------------------------------------------
def loss_curves(comparison) -> bytes | None:
    """One panel per model: each loss per epoch, mean over seeds, shaded min..max."""
    from genlab.run_dir import RunDir

    histories = {}
    for model in comparison.plan.models:
        runs = [RunDir(r.run_dir).read_history() for r in comparison.runs_of(model) if r.ok]
        if any(runs):
            histories[model] = [h for h in runs if h]
    if not histories:
        return None
    plt = pyplot()
    fig, axes = panel_grid(plt, len(histories))
    for ax, (model, runs) in zip(axes, histories.items(), strict=True):
        keys = [k for k in runs[0][0] if k not in HISTORY_BOOKKEEPING]
        colors: dict[str, str] = {}
        for key in keys:
            epochs = sorted({row["epoch"] for h in runs for row in h})
            values = [
                [row[key] for h in runs for row in h if row["epoch"] == e and key in row]
                for e in epochs
            ]
            mean = [sum(v) / len(v) if v else math.nan for v in values]
            style = validation_style(key, colors)
            line = ax.plot(epochs, mean, marker="o", markersize=3, label=key, **style)[0]
            colors[key] = line.get_color()
            if len(runs) > 1:
                low = [min(v) if v else math.nan for v in values]
                high = [max(v) if v else math.nan for v in values]
                ax.fill_between(epochs, low, high, color=line.get_color(), alpha=0.2)
        ax.set_title(f"{model} ({len(runs)} seed{'s' if len(runs) > 1 else ''})", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean over the epoch")
        integer_axis(ax, "x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def metric_bars(comparison) -> bytes | None:
    """One panel per quality metric: mean ± std over seeds, each seed a dot, real data dashed."""
    keys = [
        k
        for k in comparison.metric_keys
        if not k.endswith("_std") and any(s[k]["n"] for s in comparison.stats.values())
    ]
    if not keys:
        return None
    models = comparison.models
    colors = model_colors(models)
    plt = pyplot()
    fig, axes = panel_grid(
        plt, len(keys), width=max(3.2, 0.9 * len(models) + 1.2), height=3.2, cols=4
    )
    for ax, key in zip(axes, keys, strict=True):
        for i, model in enumerate(models):
            stat = comparison.stats[model][key]
            if stat["mean"] is None:  # in its slot, off the axis and its labels
                ax.text(i, 0.04, "n/a", ha="center", va="bottom", fontsize=8, color="#777",
                        transform=ax.get_xaxis_transform())  # fmt: skip
                continue
            best = model in comparison.best.get(key, [])
            ax.bar(
                i, stat["mean"], yerr=stat["std"] or 0.0, capsize=4, color=colors[model],
                edgecolor="black" if best else "none", linewidth=2 if best else 0,
            )  # fmt: skip
            seeds = [r.metrics.get(key) for r in comparison.runs_of(model) if r.ok]
            seeds = [v for v in seeds if v is not None]
            ax.plot([i] * len(seeds), seeds, "o", color="black", markersize=3, alpha=0.6)
        floor = comparison.floors.get(key)
        if floor is not None:
            ax.axhline(floor, color="#555", linestyle="--", linewidth=1, label="real data")
            ax.legend(fontsize=7, loc="best")
        better = comparison.better(key)
        ax.set_title(metric_label(key) + (f"\n({better})" if better else ""), fontsize=9)
        ax.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=8)
        ax.set_xlim(-0.6, len(models) - 0.4)  # every model's slot, with a bar or not
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)


def quality_vs_time(comparison) -> tuple[bytes | None, str]:
    """Quality against wall-clock training time, and a sentence saying what is plotted.

    Per-epoch curves where the history records the metric; otherwise (the usual case) the final
    value of every run against its total training seconds.
    """
    from genlab.run_dir import RunDir

    directed = [
        k
        for k in comparison.metric_keys
        if comparison.directions.get(k) is not None
        and any(s[k]["n"] for s in comparison.stats.values())
    ]
    preferred = [k for k in QUALITY_KEYS if k in directed] + directed
    if not preferred:
        return None, "No quality metric was computed (evaluation was off), so nothing is plotted."
    key = preferred[0]
    colors = model_colors(comparison.plan.models)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    per_epoch = False
    for model in comparison.plan.models:
        runs = [r for r in comparison.runs_of(model) if r.ok]
        for i, run in enumerate(runs):
            history = RunDir(run.run_dir).read_history()
            points = [(row["elapsed"], row[key]) for row in history if key in row]
            label = model if i == 0 else None
            if len(points) > 1:
                per_epoch = True
                ax.plot(*zip(*points, strict=True), marker="o", color=colors[model], label=label)
            elif run.metrics.get(key) is not None and run.training.get("train_seconds"):
                x, y = run.training["train_seconds"], run.metrics[key]
                ax.scatter([x], [y], color=colors[model], label=label, s=40)
    name = metric_name(key)
    ax.set_xlabel("training time (seconds, wall clock)")
    ax.set_ylabel(metric_label(key, comparison.better(key)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if per_epoch:
        note = f"{name} after each epoch against elapsed training time, one line per run."
    else:
        note = (
            f"Final {name} of every run against its total training seconds (one point per run). "
            f"{name} is computed once per run, after training, so there are no per-epoch values."
        )
    ax.set_title(f"{name} against training time", fontsize=10)
    fig.tight_layout()
    return png_bytes(fig), note


def quality_vs_sampling_cost(comparison) -> tuple[bytes | None, str]:
    """Quality against the time one generated image costs (log scale), one point per model
    (mean over seeds, bars from min to max), labelled with its network evaluations per image."""
    key = next((k for k in QUALITY_KEYS if k in comparison.metric_keys), None)
    cost = "sample_ms_per_image"
    models = [
        m
        for m in comparison.models
        if key and comparison.stats[m][key]["n"] and comparison.stats[m].get(cost, {}).get("n")
    ]
    if not models:
        return None, "No model was evaluated on samples, so there is no sampling cost to plot."
    colors = model_colors(comparison.models)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = []
    for model in models:
        runs = [r for r in comparison.runs_of(model) if r.ok and r.metrics.get(cost) is not None]
        xs = [r.metrics[cost] for r in runs if r.metrics.get(key) is not None]
        ys = [r.metrics[key] for r in runs if r.metrics.get(key) is not None]
        x, y = sum(xs) / len(xs), sum(ys) / len(ys)
        ax.errorbar(
            [x], [y], xerr=[[x - min(xs)], [max(xs) - x]], yerr=[[y - min(ys)], [max(ys) - y]],
            fmt="o", color=colors[model], capsize=3, label=model,
        )  # fmt: skip
        evals = comparison.stats[model].get("network_evals_per_image", {}).get("mean")
        labels.append((f"{model} ({evals:g} NFE)" if evals else model, x, y))
    ax.set_xscale("log")
    ax.margins(x=0.3, y=0.15)  # room for the labels
    log_axis(ax, "x", "plain")
    low, high = (math.log(v) for v in ax.get_xlim())
    for text, x, y in labels:  # beside the point, on the side with more room
        right = (math.log(x) - low) / (high - low) < 0.5
        ax.annotate(
            text, (x, y), textcoords="offset points", xytext=(6 if right else -6, 5),
            ha="left" if right else "right", va="bottom", fontsize=8,
        )  # fmt: skip
    ax.set_xlabel("milliseconds per generated image (log scale; on the machine that evaluated)")
    ax.set_ylabel(metric_label(key, comparison.better(key)))
    ax.set_title(f"{metric_name(key)} against sampling cost", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    note = (
        f"Mean {metric_name(key)} over seeds against the mean time one sample took to generate "
        "during evaluation (bars: min to max over seeds); NFE = network evaluations per image. "
        "Down and to the left is better: a slightly worse model that samples far faster may be the "
        "right choice."
    )
    return png_bytes(fig), note
