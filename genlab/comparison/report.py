"""The comparison's reports: ``report.html`` (self-contained) and ``report.md``."""

from __future__ import annotations

from pathlib import Path


def write_reports(comparison) -> dict[str, Path]:
    """``report.html`` (self-contained) and ``report.md`` (+ ``report_files/``) in the comparison
    directory."""
    from genlab.report.html import write_html
    from genlab.report.markdown import write_markdown
    from genlab.report.plots import report_figures

    figures = report_figures(comparison)
    out = comparison.plan.out
    return {
        "html": write_html(comparison, figures, out / "report.html"),
        "markdown": write_markdown(comparison, figures, out / "report.md"),
    }
