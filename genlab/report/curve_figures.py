"""Quality over compute in a comparison report: the curves figure, the budget ladder tables and
the sentence saying who leads where (from :mod:`genlab.comparison.curves`)."""

from __future__ import annotations

from genlab.comparison.curves import AXES, budget_label
from genlab.report.figure import log_axis, metric_label, model_colors, png_bytes, pyplot

CURVES_NOTE = (
    "FID of 2,000 samples (or --eval-n, if fewer) at 4,096 images seen and every doubling "
    "after, plus the end of training; a thick line is the mean over seeds where every seed has "
    "a value, the band spans the lowest to the highest seed, thin lines are the seeds' own "
    "points. Left: against images seen; right: against training time (evaluation time "
    "excluded). Compute on a log scale; lower is better."
)


LADDER_NOTE = (
    "Each cell: mean FID over seeds at that budget (read off the curve, interpolated in log "
    "compute between its points) and the rank among the models that reach the budget; — : the "
    "model's curve does not reach it (a faster model sees more images in the same time)."
)


def curves_png(comparison) -> bytes | None:
    """Two panels, FID against images seen and against training seconds; None without curves."""
    curves = comparison.curves
    if not any(b["x"] for axis in curves.values() for b in axis["bands"].values()):
        return None
    colors = model_colors(comparison.plan.models)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, axis in zip(axes, AXES, strict=True):
        for model, band in curves[axis]["bands"].items():
            if not band["x"]:
                continue
            x = band["x"]
            color = colors.get(model, "#333333")
            label = f"{model} ({band['seeds']} seed{'s' if band['seeds'] > 1 else ''})"
            ax.plot(x, band["mean"], color=color, label=label, lw=1.8)
            if band["seeds"] > 1:
                ax.fill_between(x, band["low"], band["high"], color=color, alpha=0.2, lw=0)
        for run in comparison.results:  # every seed's own points, thin
            if run.ok and run.curve and run.model in colors:
                xs = [p[axis] for p in run.curve]
                ys = [p.get("fid") for p in run.curve]
                ax.plot(xs, ys, color=colors[run.model], lw=0.6, alpha=0.5, marker=".", ms=4)
        ax.set_xscale("log")
        log_axis(ax, "x", "count" if axis == "images" else "seconds")
        ax.set_xlabel(
            "training images seen" if axis == "images" else "training time (evaluation excluded)"
        )
        ax.set_ylabel(metric_label("fid", "lower is better"))
        ax.grid(alpha=0.3)
        ax.set_title(f"FID against {AXES[axis]}", fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def ladder_rows(comparison, axis: str) -> tuple[list[str], list[list[str]]]:
    """``(headers, rows)``: one row per model, one column per budget, ``FID (#rank)``."""
    ladder = comparison.curves[axis]["ladder"]
    headers = ["model", *(budget_label(r["budget"], axis) for r in ladder)]
    rows = []
    for model in comparison.plan.models:
        cells = []
        for rung in ladder:
            value = rung["models"].get(model)
            cells.append(f"{value['mean']:.1f} (#{value['rank']})" if value else "—")
        if any(c != "—" for c in cells):
            rows.append([model, *cells])
    return headers, rows


LADDER_TITLES = {"train_seconds": "FID at training-time budgets", "images": "FID at image budgets"}


def ladders(comparison) -> list[tuple[str, list[str], list[list[str]]]]:
    """``(title, headers, rows)`` of each axis's ladder that has a budget and a model."""
    found = []
    for axis, title in LADDER_TITLES.items():
        headers, rows = ladder_rows(comparison, axis)
        if rows and len(headers) > 1:
            found.append((title, headers, rows))
    return found


def verdicts(comparison) -> list[str]:
    """The crossover sentences, training time first; empty without curves of two models."""
    texts = (comparison.curves[a]["text"] for a in ("train_seconds", "images"))
    return [t for t in texts if t]
