"""``genlab compare --search K`` and ``--jobs``/``--executor``: a comparison at an equal tuning
budget, its runs made by any executor.

1. Every model gets the same search (:func:`genlab.search.study.run_searches`): K trials at the
   same per-trial budget, scored on the validation sample, under ``DIR/search/<model>/``.
2. Each model's best hyperparameters are trained with every seed and evaluated on the test split,
   as the ordinary runs of the comparison (``DIR/runs/<model>-s<seed>/``), then aggregated and
   reported as any comparison is, plus the search's figures.

The runs go through an executor (:mod:`genlab.execution.executors`); which one made a run changes
nothing here, nor in the runs.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field

from genlab.comparison.aggregate import Comparison
from genlab.comparison.execute import (
    _needs_evaluation,
    collect,
    expected_identity,
    reuse_decision,
)
from genlab.comparison.plan import Plan
from genlab.execution.executors import Job, describe, run_jobs
from genlab.run_dir import RunDir, atomic_write_json


@dataclass
class SearchPlan(Plan):
    """A comparison plan whose runs use per-model hyperparameters (the best of a search)."""

    hparams: dict = field(default_factory=dict)

    def run_config(self, model: str, seed: int, resume: bool = False):
        config = super().run_config(model, seed, resume)
        return dataclasses.replace(config, overrides=dict(self.hparams.get(model, {})))


@dataclass
class SearchSummary:
    """Every model's search, and the options they shared."""

    options: object  # genlab.search.study.SearchOptions
    searches: dict

    def to_json(self) -> dict:
        return {
            "options": dataclasses.asdict(self.options),
            "budget": self.options.budget_text(),
            "models": {m: s.to_json() for m, s in self.searches.items()},
        }


def run_with_executor(plan: Plan, executor, console=None) -> Comparison:
    """:func:`genlab.comparison.execute.run_comparison` with the training done by ``executor``:
    the same reuse, resume and retraining decisions, taken here; only the training moves."""
    from genlab.comparison.execute import _evaluate_reused
    from genlab.data.loading import load

    say = _printer(console)
    data = load(plan.dataset, plan.data_dir, limit=plan.limit)
    RunDir(plan.out).ensure_writable()
    results, jobs = {}, []
    for model in plan.models:
        for seed in plan.seeds:
            run_dir = plan.run_dir(model, seed)
            expected = expected_identity(plan, model, seed, data)
            decision, why = reuse_decision(run_dir, expected, plan.reuse)
            key = f"{model}-s{seed}"
            if decision == "reuse":
                say(f"{key}: reused finished run {run_dir} ({why})")
                needs = plan.evaluate and why == "complete"
                if needs and _needs_evaluation(run_dir, plan.eval_samples):
                    results[key] = _evaluate_reused(plan, model, seed, run_dir, data, console)
                else:
                    results[key] = collect(run_dir, model, seed, reused=True)
                continue
            if decision == "fresh" and run_dir.exists():
                say(f"{key}: retraining {run_dir} ({why})")
                shutil.rmtree(run_dir)
            jobs.append(Job(key, plan.run_config(model, seed, resume=decision == "resume")))
    if jobs:
        say(f"training {len(jobs)} runs ({describe(executor)})")

    def done(job, result):
        model, seed = job.config.model, job.config.seed
        results[job.key] = collect(plan.run_dir(model, seed), model, seed, error=result["error"])
        state = results[job.key].state
        say(f"{job.key}: {state}" + (f": {result['error']}" if result["error"] else ""))

    run_jobs(executor, jobs, on_done=done)
    ordered = [results[f"{m}-s{s}"] for m in plan.models for s in plan.seeds]
    comparison = Comparison(plan, ordered)
    atomic_write_json(plan.out / "comparison.json", comparison.to_json())
    return comparison


def run_search_comparison(plan: Plan, options, executor, console=None):
    """Search every model, retrain the best configurations on every seed, aggregate.

    Returns the comparison with ``comparison.search`` (a :class:`SearchSummary`) attached;
    ``comparison.json`` holds both.
    """
    from genlab.search.study import run_searches

    say = _printer(console)
    dirs = {m: plan.out / "search" / m for m in plan.models}
    say(f"searching {', '.join(plan.models)}: {options.trials} trials each, {describe(executor)}")
    searches = run_searches(plan.models, dirs, options, executor, say)
    hparams = {}
    for model, search in searches.items():
        best = search.best
        hparams[model] = dict(best.params) if best else {}
        chosen = "no trial finished: defaults" if best is None else f"trial {best.number}"
        say(f"{model}: best {chosen}" + (f", validation FID {best.fid:.2f}" if best else ""))
    fields = {f.name: getattr(plan, f.name) for f in dataclasses.fields(Plan)}
    final = SearchPlan(**fields, hparams=hparams)
    comparison = run_with_executor(final, executor, console)
    comparison.search = SearchSummary(options, searches)
    atomic_write_json(plan.out / "comparison.json", comparison_json(comparison))
    return comparison


def comparison_json(comparison) -> dict:
    """``comparison.to_json()`` plus the search, when there was one."""
    data = comparison.to_json()
    summary = getattr(comparison, "search", None)
    if summary is not None:
        data["search"] = summary.to_json()
    return data


def _printer(console):
    def say(text: str) -> None:
        if console is not None:
            console.print(text, highlight=False, soft_wrap=True)

    return say
