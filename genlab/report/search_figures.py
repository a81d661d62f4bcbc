"""The hyperparameter-search part of a comparison report (``genlab compare --search K``).

Two figures in the manner of Lucic et al. 2018: the distribution of validation FID over every
model's trials, and the best FID reached as a function of the number of trials with a bootstrap
band; a table of the defaults against the best trial and the winning hyperparameters; and one
plain sentence on whether the ranking changed between the defaults and the search.
"""

from __future__ import annotations

import math
from html import escape

from genlab.report.figure import (
    Picture,
    integer_axis,
    log_axis,
    metric_label,
    model_colors,
    png_bytes,
    pyplot,
)
from genlab.search.analysis import best_vs_trials, ranking


def search_figures(summary) -> list[Picture]:
    """The FID distribution and the best-versus-trials chart (none without a finished trial)."""
    searches = summary.searches
    if not any(s.best for s in searches.values()):
        return []
    return [
        Picture(
            "search-distribution.png",
            "Validation FID of every trial",
            distribution_chart(searches),
            "each dot a trial (star: the defaults); box: quartiles of the finished trials",
        ),
        Picture(
            "search-best-vs-trials.png",
            "Best validation FID against the number of trials",
            best_vs_trials_chart(searches),
            "median of 2,000 bootstrap draws of n trials, band: 5th to 95th percentile",
        ),
    ]


def fid_axis(ax, values) -> None:
    """A logarithmic y axis with plain tick labels when the FIDs span more than 3x, so that one
    failed-looking trial (FID 200) does not flatten the differences between good ones (20-30)."""
    values = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not values or max(values) < 3 * min(values):
        return
    ax.set_yscale("log")
    ax.set_ylim(min(values) / 1.15, max(values) * 1.15)
    log_axis(ax, "y", "plain")


def distribution_chart(searches) -> bytes:
    plt = pyplot()
    models = list(searches)
    colors = model_colors(models)
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(models), 4.2))
    finished = [[t.fid for t in searches[m].trials if t.fid is not None] for m in models]
    ax.boxplot(
        [v or [math.nan] for v in finished],
        positions=range(len(models)),
        widths=0.5,
        showfliers=False,
        medianprops={"color": "black"},
    )
    for i, model in enumerate(models):
        for j, trial in enumerate(t for t in searches[model].trials if t.fid is not None):
            x = i + 0.18 * math.sin(j * 2.39996)  # golden-angle jitter: spread, reproducible
            marker, size = ("*", 140) if trial.defaults else ("o", 30)
            ax.scatter(x, trial.fid, color=colors[model], marker=marker, s=size, zorder=3)
    labels = []
    for model in models:
        trials = searches[model].trials
        pruned = sum(t.state == "pruned" for t in trials)
        bad = sum(t.fid is None and t.state != "pruned" for t in trials)
        notes = [f"{n} {what}" for n, what in ((pruned, "pruned"), (bad, "failed")) if n]
        labels.append(model + (f"\n({', '.join(notes)})" if notes else ""))
    ax.set_xticks(range(len(models)), labels)
    fid_axis(ax, [v for values in finished for v in values])
    ax.set_ylabel("validation " + metric_label("fid", "lower is better"))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)


def best_vs_trials_chart(searches) -> bytes:
    plt = pyplot()
    colors = model_colors(list(searches))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    shown = []
    for model, search in searches.items():
        curve = [row for row in best_vs_trials(search.scores) if row["median"] is not None]
        if not curve:
            continue
        n = [row["n"] for row in curve]
        high = [row["high"] if row["high"] is not None else math.nan for row in curve]
        ax.plot(n, [row["median"] for row in curve], "-o", color=colors[model], label=model, ms=4)
        ax.fill_between(n, [row["low"] for row in curve], high, color=colors[model], alpha=0.18)
        shown += [row["low"] for row in curve] + high
    fid_axis(ax, shown)
    ax.set_xlabel("number of trials")
    ax.set_ylabel("best validation " + metric_label("fid", "lower is better"))
    integer_axis(ax, "x")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return png_bytes(fig)


# -- text -------------------------------------------------------------------------------------
def ranking_sentence(summary) -> str:
    """Whether the order of the models changed between their defaults and their best trials."""
    searches = summary.searches
    if len(searches) < 2:
        return ""
    before = ranking({m: s.defaults.fid if s.defaults else None for m, s in searches.items()})
    after = ranking({m: s.best.fid if s.best else None for m, s in searches.items()})
    text = (
        f"Ranking by validation FID with each model's defaults: {', '.join(before)}; with the "
        f"best of the search: {', '.join(after)}. "
    )
    if before == after:
        return text + "The ranking did not change."
    return text + "The search changed the ranking."


def protocol_text(summary) -> str:
    o = summary.options
    return (
        f"Every model got the same search: {o.trials} trials of {o.budget_text()}, trial 0 its "
        f"defaults, the others drawn by the {o.sampler} sampler from the search space the model "
        f"declares. Each trial is scored by the FID of {o.eval_samples:,} samples against the "
        "validation sample (the last images of the training split, which no trial trains on). "
        "The best trial's hyperparameters were then trained with every seed and evaluated on "
        "the test split: those are the results above."
    )


def search_rows(summary) -> tuple[list[str], list[list[str]]]:
    headers = ["model", "trials", "defaults FID", "best FID", "best trial", "hyperparameters"]
    rows = []
    for model, search in summary.searches.items():
        states = ", ".join(f"{n} {s}" for s, n in search.to_json()["states"].items())
        best = search.best
        params = "(defaults)" if best and not best.params else ""
        if best and best.params:
            params = ", ".join(f"{k}={_short(v)}" for k, v in best.params.items())
        if not search.searched:
            params = "no search space declared: defaults only"
        defaults = search.defaults.fid if search.defaults else None
        rows.append(
            [
                model,
                states,
                _number(defaults),
                _number(best.fid if best else None),
                str(best.number) if best else "–",
                params,
            ]
        )
    return headers, rows


def unsearched_note(summary) -> str:
    names = [m for m, s in summary.searches.items() if not s.searched]
    if not names:
        return ""
    return (
        f"{', '.join(names)} declare{'s' if len(names) == 1 else ''} no search space and "
        "ran with defaults only: not searched, so not compared at an equal search budget."
    )


def _number(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def search_html(summary, pictures, img) -> str:
    """The HTML section; ``img(picture)`` embeds a picture as the report does."""
    headers, rows = search_rows(summary)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    parts = [
        "<h2>Hyperparameter search</h2>",
        f'<p class="note">{escape(protocol_text(summary))}</p>',
        f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>',
    ]
    for text in (ranking_sentence(summary), unsearched_note(summary)):
        if text:
            parts.append(f"<p><b>{escape(text)}</b></p>")
    figures = "".join(
        f"<figure>{img(picture)}<figcaption><b>{escape(picture.title)}</b>: "
        f"{escape(picture.caption)}</figcaption></figure>"
        for picture in pictures
    )
    parts.append(f'<div class="gallery">{figures}</div>')
    return "\n".join(parts)


def search_markdown(summary, pictures, files: str) -> list[str]:
    headers, rows = search_rows(summary)
    out = ["## Hyperparameter search", "", protocol_text(summary), ""]
    out.append("| " + " | ".join(headers) + " |")
    out.append("|" + "---|" * len(headers))
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    out.append("")
    for text in (ranking_sentence(summary), unsearched_note(summary)):
        if text:
            out += [f"**{text}**", ""]
    for picture in pictures:
        out += [f"![{picture.title}]({files}/{picture.name})", "", picture.caption, ""]
    return out
