"""The Markdown report of a comparison, with its pictures as files in ``report_files/``.

Meant for pasting into issues, pull requests and docs; the HTML report is the one to open. The
plain-text pieces both reports share (number formatting, run rows, notes) live here too.
"""

from __future__ import annotations

import math
from pathlib import Path

from genlab.run_dir import atomic_write_bytes, atomic_write_text

FILES_DIR = "report_files"
FLOORS_NOTE = (
    "real data: the same metrics for real training images against the test set, i.e. what a "
    "model that reproduces the data distribution would score."
)


def unmeasured_note(comparison) -> str:
    return "n/a for every model (not applicable, or not computed): " + ", ".join(
        comparison.unmeasured
    )


def evaluation_notes(comparison) -> list[str]:
    """Evaluation notes and failed metrics, once each, naming the runs they came from."""
    found: dict[str, list[str]] = {}
    for r in comparison.results:
        for note in r.notes:
            found.setdefault(note, []).append(f"{r.model}-s{r.seed}")
    return [f"{note} ({', '.join(runs)})" for note, runs in found.items()]


def format_stat(stat: dict, seeds: int | None = None) -> str:
    """``"124.4 ± 8.2"`` (the mean to the precision of two digits of its std), or ``"n/a"``.

    A trailing ``(n=1)`` says that fewer seeds finished than were planned.
    """
    mean, std = stat["mean"], stat["std"]
    if mean is None:
        return "n/a"
    if std:
        digits = min(6, max(0, 1 - math.floor(math.log10(std))))
        text = f"{mean:.{digits}f} ± {std:.{digits}f}"
    else:
        text = str(int(mean)) if mean == int(mean) else f"{mean:.4g}"
        text += " ± 0" if std == 0 else ""
    if seeds is not None and stat["n"] < seeds:
        text += f" (n={stat['n']})"
    return text


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: list[str], rows: list[list[str]], align_right=True) -> str:
    sep = ["---"] + ["---:" if align_right else "---"] * (len(headers) - 1)
    lines = [headers, sep, *rows]
    return "\n".join("| " + " | ".join(_escape(c) for c in line) + " |" for line in lines)


def run_rows(comparison) -> tuple[list[str], list[list[str]]]:
    """The configs, seeds, versions and device of every run, as table cells."""
    headers = ["run", "seed", "state", "epochs", "train s", "batch", "train images"]
    headers += ["hyperparameters", "versions", "device", "node"]
    rows = []
    for r in comparison.results:
        config, training = r.config, r.training
        rows.append(
            [
                f"runs/{Path(r.run_dir).name}",
                str(r.seed),
                r.state + (" (reused)" if r.reused else ""),
                *(_text(training.get(k)) for k in ("epochs", "train_seconds")),
                *(_text(config.get(k)) for k in ("batch_size", "train_images")),
                " ".join(f"{k}={v}" for k, v in config.get("hparams", {}).items()),
                " ".join(f"{k} {v}" for k, v in config.get("versions", {}).items()),
                config.get("device", {}).get("description", ""),
                getattr(r, "host", None) or "",
            ]
        )
    return headers, rows


def _text(value) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def summary_table(comparison) -> str:
    """Every metric as mean ± std over seeds; the best mean per row in bold."""
    models = comparison.models
    headers = ["metric"]
    for model in models:
        mark = comparison.model_mark(model)
        label = comparison.label(model)
        headers.append(f"{label} ⚠ {mark}" if mark else label)
    headers += ["real data"] if comparison.floors else []
    rows = []
    for _, keys in comparison.sections:
        for key in keys:
            arrow = comparison.arrow(key)
            cells = [key + arrow]
            for model in models:
                text = comparison.cell(model, key)
                cells.append(f"**{text}**" if model in comparison.best.get(key, []) else text)
            if comparison.floors:
                floor = comparison.floors.get(key)
                cells.append("" if floor is None else f"{floor:.4g}")
            rows.append(cells)
    return markdown_table(headers, rows)


def render_markdown(comparison, figures, files: str = FILES_DIR) -> str:
    from genlab.version import __version__

    plan = comparison.plan
    title = f"{' vs '.join(plan.models)} on {Path(plan.dataset).name}"
    seeds = ", ".join(map(str, plan.seeds))
    out = [
        f"# {title}",
        "",
        f"Same data, same budget, same seeds for every model: {plan.budget_text()}, "
        f"{plan.limit or 'all'} training images, seeds {seeds}. Values are mean ± sample standard "
        "deviation over the seeds that finished; ↑/↓ say which direction is better; the best "
        "mean per row is in bold.",
        "",
        *budget_section(comparison),  # the verdict first: who wins at which budget
        "## Results",
        "",
        summary_table(comparison),
        "",
    ]
    if comparison.failures:
        out += ["Runs that did not finish:", ""]
        out += [f"- **{r.model}** seed {r.seed}: {r.state}: {r.error}" for r in comparison.failures]
        out.append("")
    if comparison.floors:
        out += [FLOORS_NOTE, ""]
    if comparison.unmeasured:
        out += [unmeasured_note(comparison), ""]
    notes = evaluation_notes(comparison)
    if notes:
        out += ["Notes from the evaluation:", "", *(f"- {n}" for n in notes), ""]

    def image(picture, alt=None):
        return f"![{alt or picture.title}]({files}/{picture.name})"

    if getattr(comparison, "search", None) is not None:
        from genlab.report.search_figures import search_markdown

        out += search_markdown(comparison.search, figures.search, files)
    if figures.samples:
        out += ["## Samples", "", figures.latent_note, ""]
        out += [
            markdown_table(
                [p.title for p in figures.samples], [[image(p) for p in figures.samples]], False
            )
        ]
        out += ["", " · ".join(f"{p.title}: {p.caption}" for p in figures.samples), ""]
    if figures.reconstructions:
        recons = figures.reconstructions
        out += [
            "## Reconstructions",
            "",
            "The same first test images for every autoencoder; original and reconstruction "
            "alternate in each row.",
            "",
            markdown_table([p.title for p in recons], [[image(p) for p in recons]], False),
            "",
        ]
    if figures.latents:
        latents = figures.latents
        out += ["## Latent spaces", "", LATENT_NOTE, ""]
        out += [
            markdown_table([p.title for p in latents], [[image(p) for p in latents]], False),
            "",
        ]
    for heading, picture, note in (
        ("Metrics", figures.metrics, "No metrics were computed."),
        ("Training losses", figures.losses, "No finished epoch to plot."),
        ("Quality over compute", figures.quality, figures.quality_note),
        ("Quality against sampling cost", figures.sampling, figures.sampling_note),
    ):
        out += [f"## {heading}", ""]
        if picture is not None and heading.startswith("Quality"):
            out += [note, ""]
        out += [image(picture) if picture is not None else note, ""]
    headers, rows = run_rows(comparison)
    out += ["## Runs", "", markdown_table(headers, rows, align_right=False), ""]
    out += [f"genlab {__version__} · `{plan.command}`" if plan.command else f"genlab {__version__}"]
    return "\n".join(out) + "\n"


def budget_section(comparison) -> list[str]:
    """ "Who wins at which budget": the crossover sentences and the budget ladders."""
    from genlab.report.curve_figures import LADDER_NOTE, ladders, verdicts

    said, tables = verdicts(comparison), ladders(comparison)
    if not said and not tables:
        return []
    out = ["## Who wins at which budget", "", *(f"- {s}" for s in said), ""]
    for title, headers, rows in tables:
        out += [f"**{title}**", "", markdown_table(headers, rows), ""]
    return out + ([LADDER_NOTE, ""] if tables else [])


LATENT_NOTE = (
    "The test images' codes projected to 2-D (PCA; t-SNE with "
    "'genlab explore RUN --method tsne'), coloured by class. Interpolations and traversals "
    "are in each run's explore/ folder."
)


def all_pictures(figures) -> list:
    singles = [figures.metrics, figures.losses, figures.quality, figures.sampling]
    singles += figures.search
    pictures = [*figures.samples, *figures.reconstructions, *figures.latents]
    return [*pictures, *[p for p in singles if p is not None]]


def write_markdown(comparison, figures, path: str | Path, files: str = FILES_DIR) -> Path:
    """``report.md`` plus its pictures in the folder ``files`` next to it."""
    path = Path(path)
    for picture in all_pictures(figures):
        atomic_write_bytes(path.parent / files / picture.name, picture.png)
    atomic_write_text(path, render_markdown(comparison, figures, files))
    return path
