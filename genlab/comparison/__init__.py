"""``genlab compare``: train several models on the same data, budget and seeds; one report.

:mod:`~genlab.comparison.plan` says what is trained, :mod:`~genlab.comparison.execute` trains,
resumes or reuses every run through :func:`genlab.run.run_one`, :mod:`~genlab.comparison.aggregate`
turns the runs into mean ± std per model and metric, and :mod:`~genlab.comparison.report` writes
the HTML and Markdown reports.
"""
