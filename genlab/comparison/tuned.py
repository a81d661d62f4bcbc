"""Search, then retrain: ``genlab compare --search K`` and ``genlab tune`` share this one path.

1. Every model gets the same search (:func:`genlab.search.study.run_searches`): K trials at the
   same per-trial budget, scored on the validation sample.
2. Each model's best hyperparameters are trained with every seed of the plan and evaluated on
   the test split, as the ordinary runs of a comparison (:func:`run_comparison`), then
   aggregated and reported as any comparison is, plus the search's figures.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from genlab.comparison.compare import comparison_json, printer, run_comparison
from genlab.comparison.plan import Plan
from genlab.run_dir import atomic_write_json


@dataclass
class SearchSummary:
    """Every model's search, and the options they shared."""

    options: object  # genlab.search.study.SearchOptions
    searches: dict

    def to_json(self) -> dict:
        return {
            "options": dataclasses.asdict(self.options),
            "budget": self.options.budget_text("trial"),
            "models": {m: s.to_json() for m, s in self.searches.items()},
        }


def search_then_retrain(
    plan: Plan,
    options,
    executor,
    study_dirs: dict,
    console=None,
    on_searched=None,
    retrain_defaults: bool = True,
):
    """Search every model of ``plan`` (study of model m in ``study_dirs[m]``), then train each
    model's best configuration on every seed of the plan (none: search only). A model none of
    whose trials finished is retrained with its defaults, or left out with
    ``retrain_defaults=False``.

    ``on_searched(summary)`` is called between the two. Returns ``(summary, comparison)``; the
    comparison (None without seeds) carries the summary as ``comparison.search``, and
    ``comparison.json`` holds both.
    """
    from genlab.execution.executors import describe
    from genlab.search.study import run_searches

    say = printer(console)
    trials = f"{options.trials} trial{'s' if options.trials > 1 else ''}"
    say(f"searching {', '.join(plan.models)}: {trials} each, {describe(executor)}")
    searches = run_searches(plan.models, study_dirs, options, executor, say)
    summary = SearchSummary(options, searches)
    if on_searched is not None:
        on_searched(summary)
    hparams = {}
    for model, search in searches.items():
        best = search.best
        hparams[model] = dict(best.params) if best else {}
        chosen = "no trial finished: defaults" if best is None else f"trial {best.number}"
        unscored = [t for t in search.trials if t.fid is None]
        of = f" of {len(search.trials) - len(unscored)} scored" if best and unscored else ""
        say(f"{model}: best {chosen}{of}" + (f", validation FID {best.fid:.2f}" if best else ""))
        if best and unscored:  # chosen from an incomplete set: say which trials are missing
            missing = ", ".join(f"trial {t.number} {t.state}" for t in unscored)
            say(f"{model}: [yellow]not scored, so not candidates:[/] {missing}")
    models = [m for m in plan.models if retrain_defaults or searches[m].best is not None]
    if not plan.seeds or not models:
        return summary, None
    final = dataclasses.replace(plan, models=models, hparams=hparams)
    comparison = run_comparison(final, executor, console)
    comparison.search = summary
    atomic_write_json(plan.out / "comparison.json", comparison_json(comparison))
    return summary, comparison
