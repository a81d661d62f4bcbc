"""The one comparison loop: every (model, seed) of a plan made by the run pipeline, then
aggregated.

Each run is an ordinary run directory made by :func:`genlab.run.run_one`, exactly as ``genlab
run`` makes it, under ``DIR/runs/<model>-s<seed>/``, through
:func:`genlab.execution.pipeline.make_runs`: a finished run whose ``config.json`` matches what
would be trained is reused, an interrupted one resumed, so an interrupted comparison continues
where it stopped when the same command is run again. Which executor made the runs (this
process, ``--jobs``, Ray) changes nothing here.
"""

from __future__ import annotations

from genlab.comparison.aggregate import Comparison
from genlab.comparison.plan import Plan
from genlab.comparison.results import run_result
from genlab.execution.pipeline import Request, make_runs
from genlab.run_dir import RunDir, atomic_write_json


def requests(plan: Plan) -> list[Request]:
    """One request per (model, seed), in the plan's order."""
    return [
        Request(f"{model} seed {seed}", plan.run_config(model, seed), reuse=plan.reuse)
        for model in plan.models
        for seed in plan.seeds
    ]


def run_comparison(plan: Plan, executor=None, console=None) -> Comparison:
    """Make (or reuse) every model x seed with ``executor`` (default: in this process), then
    aggregate; writes ``comparison.json``."""
    from genlab.comparison.estimate import estimate
    from genlab.data.loading import load
    from genlab.execution.executors import InProcess, describe

    data = load(plan.dataset, plan.data_dir, limit=plan.limit)  # fails early on missing data
    RunDir(plan.out).ensure_writable()
    executor = executor if executor is not None else InProcess(console)
    say = printer(console)
    say(estimate(plan, len(data.splits.train_images), executor.slots))
    wanted = requests(plan)
    if executor.slots > 1 or not isinstance(executor, InProcess):
        say(f"making {len(wanted)} runs ({describe(executor)})")
    made = make_runs(wanted, executor, say=say, total=len(wanted))
    results = []
    for model in plan.models:
        for seed in plan.seeds:
            item = made[f"{model} seed {seed}"]
            results.append(run_result(model, seed, item.outcome, item.reused, item.notes))
    comparison = Comparison(plan, results)
    atomic_write_json(plan.out / "comparison.json", comparison_json(comparison))
    return comparison


def comparison_json(comparison) -> dict:
    """``comparison.to_json()`` plus the search, when there was one."""
    data = comparison.to_json()
    summary = getattr(comparison, "search", None)
    if summary is not None:
        data["search"] = summary.to_json()
    return data


def printer(console):
    """``say(text)``: one progress line on ``console`` (nothing without one)."""

    def say(text: str) -> None:
        if console is not None:
            console.print(text, highlight=False, soft_wrap=True)

    return say
