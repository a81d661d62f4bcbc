"""The self-contained HTML report of a comparison: one file, images as data URIs, inline CSS.

It loads nothing from anywhere (no scripts, fonts or stylesheets), so it opens offline and can be
mailed or attached to an issue as it is.
"""

from __future__ import annotations

import base64
import datetime as _dt
from html import escape
from pathlib import Path

from genlab.report.markdown import (
    FLOORS_NOTE,
    LATENT_NOTE,
    evaluation_notes,
    run_rows,
    unmeasured_note,
)
from genlab.run_dir import atomic_write_text

CSS = """
:root { --fg: #1d1d1f; --muted: #6e6e73; --line: #d9d9de; --best: #e3f4e6; --bad: #b3261e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 8px; padding-bottom: 4px;
     border-bottom: 1px solid var(--line); }
p.lead, .muted, figcaption, .note { color: var(--muted); }
.note { font-size: 13.5px; max-width: 900px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--fg); vertical-align: bottom; }
td.best { background: var(--best); font-weight: 600; }
td.na, .floor { color: var(--muted); }
tr.section td { font-weight: 600; text-align: left; padding-top: 14px; color: var(--muted); }
.mark { display: block; color: var(--bad); font-size: 12px; font-weight: 600; }
.bad { color: var(--bad); }
.gallery { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; }
figure img { display: block; border: 1px solid var(--line); image-rendering: pixelated; }
figure.pixels img { width: 280px; height: auto; }
figcaption { font-size: 13px; text-align: center; }
figcaption b { color: var(--fg); }
img.chart { max-width: 100%; height: auto; }
table.runs { font-size: 12.5px; }
table.runs td, table.runs th { text-align: left; vertical-align: top; }
footer { margin-top: 48px; font-size: 12.5px; color: var(--muted); }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _img(picture, css_class="", alt="") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return f'<img{cls} src="{data_uri(picture.png)}" alt="{escape(alt or picture.title)}">'


def summary_table(comparison) -> str:
    """Every metric as mean ± std over seeds, best per row highlighted, failed runs marked."""
    models = comparison.models
    head = ["<th>metric</th>"]
    for model in models:
        mark = comparison.model_mark(model)
        mark_html = f'<span class="mark">{escape(mark)}</span>' if mark else ""
        head.append(f"<th>{escape(comparison.label(model))}{mark_html}</th>")
    if comparison.floors:
        head.append('<th class="floor">real data</th>')
    width = len(head)
    rows = []
    for section, keys in comparison.sections:
        rows.append(f'<tr class="section"><td colspan="{width}">{section}</td></tr>')
        for key in keys:
            arrow = comparison.arrow(key)
            cells = [f"<td>{escape(key)}{arrow}</td>"]
            for model in models:
                text = comparison.cell(model, key)
                cls = "best" if model in comparison.best.get(key, []) else ""
                cls = "na" if text == "n/a" else cls
                attr = f' class="{cls}"' if cls else ""
                cells.append(f"<td{attr}>{escape(text)}</td>")
            if comparison.floors:
                floor = comparison.floors.get(key)
                cells.append(f'<td class="floor">{"" if floor is None else f"{floor:.4g}"}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _gallery(pictures) -> str:
    items = [
        f'<figure class="pixels">{_img(p)}<figcaption><b>{escape(p.title)}</b> '
        f"{escape(p.caption)}</figcaption></figure>"
        for p in pictures
    ]
    return '<div class="gallery">' + "".join(items) + "</div>"


def _chart(picture, missing: str, note: str = "") -> str:
    if picture is None:
        return f'<p class="note">{escape(note or missing)}</p>'
    text = f'<p class="note">{escape(note)}</p>' if note else ""
    return text + _img(picture, "chart")


def budget_section(comparison) -> list[str]:
    """ "Who wins at which budget": the crossover sentences and the budget ladders."""
    from genlab.report.curve_figures import LADDER_NOTE, ladders, verdicts

    said = verdicts(comparison)
    parts = []
    for title, headers, rows in ladders(comparison):
        head = "".join(f"<th>{escape(h)}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        parts.append(f"<h3>{title}</h3>{table}")
    if not said and not parts:
        return []
    items = "".join(f"<li>{escape(s)}</li>" for s in said)
    note = f'<p class="note">{escape(LADDER_NOTE)}</p>' if parts else ""
    return ["<h2>Who wins at which budget</h2>", f'<ul class="verdict">{items}</ul>', *parts, note]


def _runs_table(comparison) -> str:
    headers, rows = run_rows(comparison)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row, result in zip(rows, comparison.results, strict=True):
        cells = [f"<td>{escape(c)}</td>" for c in row]
        if not result.ok:
            cells[2] = f'<td class="bad">{escape(row[2])}</td>'
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def render_html(comparison, figures) -> str:
    from genlab.version import __version__

    plan = comparison.plan
    title = f"{' vs '.join(plan.models)} on {Path(plan.dataset).name}"
    seeds = ", ".join(map(str, plan.seeds))
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="lead">Same data, same budget, same seeds for every model: '
        f"{escape(plan.budget_text())}, {plan.limit or 'all'} training images, "
        f"seeds {seeds}. Values are mean ± sample standard deviation over the seeds that "
        f"finished; ↑/↓ say which direction is better; the best mean per row is highlighted.</p>",
        *budget_section(comparison),  # the verdict first: who wins at which budget
        "<h2>Results</h2>",
        summary_table(comparison),
    ]
    if comparison.failures:
        items = "".join(
            f"<li><b>{escape(r.model)}</b> seed {r.seed}: <span class='bad'>{escape(r.state)}"
            f"</span> {escape(r.error or '')}</li>"
            for r in comparison.failures
        )
        parts.append(f"<h3>Runs that did not finish</h3><ul>{items}</ul>")
    for note, shown in ((FLOORS_NOTE, comparison.floors), (None, comparison.unmeasured)):
        if shown:
            parts.append(f'<p class="note">{escape(note or unmeasured_note(comparison))}</p>')
    notes = evaluation_notes(comparison)
    if notes:
        items = "".join(f"<li>{escape(n)}</li>" for n in notes)
        parts.append(f'<h3>Notes from the evaluation</h3><ul class="note">{items}</ul>')
    if getattr(comparison, "search", None) is not None:
        from genlab.report.search_figures import search_html

        parts.append(search_html(comparison.search, figures.search, lambda p: _img(p, "chart")))
    if figures.samples:
        parts += ["<h2>Samples</h2>", f'<p class="note">{escape(figures.latent_note)}</p>']
        parts.append(_gallery(figures.samples))
    if figures.reconstructions:
        parts.append("<h2>Reconstructions</h2>")
        parts.append(
            '<p class="note">The same first test images for every autoencoder: in each row, '
            "original and reconstruction alternate.</p>"
        )
        parts.append(_gallery(figures.reconstructions))
    if figures.latents:
        parts += ["<h2>Latent spaces</h2>", f'<p class="note">{escape(LATENT_NOTE)}</p>']
        parts.append(_gallery(figures.latents))
    parts += ["<h2>Metrics</h2>", _chart(figures.metrics, "No metrics were computed.")]
    parts += ["<h2>Training losses</h2>", _chart(figures.losses, "No finished epoch to plot.")]
    parts += ["<h2>Quality over compute</h2>"]
    parts.append(_chart(figures.quality, "Nothing to plot.", figures.quality_note))
    parts += ["<h2>Quality against sampling cost</h2>"]
    parts.append(_chart(figures.sampling, "Nothing to plot.", figures.sampling_note))
    parts += ["<h2>Runs</h2>", _runs_table(comparison)]
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    command = f"<br><code>{escape(plan.command)}</code>" if plan.command else ""
    parts.append(
        f"<footer>genlab {__version__}, {stamp}, {escape(str(plan.out))}{command}</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>genlab: {escape(title)}</title><style>{CSS}</style></head>"
        f"<body>\n{chr(10).join(parts)}\n</body></html>\n"
    )


def write_html(comparison, figures, path: str | Path) -> Path:
    atomic_write_text(path, render_html(comparison, figures))
    return Path(path)
