"""``genlab compare``: train several models on the same data, budget and seeds; one report.

:mod:`~genlab.comparison.plan` says what is trained; :mod:`~genlab.comparison.compare` makes
every run through the run pipeline (:mod:`genlab.execution`) and aggregates them
(:mod:`~genlab.comparison.aggregate`, one :class:`~genlab.comparison.results.RunResult` per
run); :mod:`~genlab.comparison.tuned` searches first (``--search``, ``genlab tune``);
:mod:`~genlab.comparison.report` writes the HTML and Markdown reports.
"""
