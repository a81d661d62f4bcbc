"""The metric suite: every registered metric, applied by capability, over one shared context.

:func:`evaluate` builds an :class:`EvalContext`, runs each registered
:class:`~genlab.specs.MetricSpec` whose ``requires`` the model's capabilities satisfy (the others
are ``None``, shown as n/a), and adds the real-data reference floors: the same sample metrics for
N real training images against the test split, cached per (dataset, evaluator, N). A metric that
fails is ``None`` too, with its error under ``"errors"``; evaluation never takes a run down.

The result is a flat dict of scalars (plus a few nested extras such as ``class_histogram`` and
``reference``); :func:`evaluate_run` also writes it to the run's ``metrics.json``.
"""

from __future__ import annotations

import time

from genlab.evaluation.context import (  # noqa: F401  (the suite's public names)
    DEFAULT_N,
    EvalContext,
    NotApplicable,
    compute_metrics,
    metric_specs,
)
from genlab.specs import SAMPLE


def evaluate(
    model,
    spec,
    data,
    *,
    n: int = DEFAULT_N,
    seed: int = 0,
    run=None,
    reference_splits=None,
    reference: bool = True,
    inception: bool = False,
    options=None,
    progress=None,
) -> dict:
    """Every applicable metric of ``model`` on ``data`` (a ``LoadedData``), plus floors.

    Args:
        reference_splits: the full dataset for the reference floors when ``data`` is a subset
            (a run trained with ``--limit``); defaults to ``data.splits``.
        reference: compute (or read from the cache) the real-data floors.
        inception: also compute FID in ImageNet Inception-v3 space (needs local weights).
        progress: called with a short description before each step.
    """
    from genlab.errors import DataError
    from genlab.evaluation.evaluator import find_evaluator, train_hint

    started = time.perf_counter()
    say = progress or (lambda _text: None)
    say("loading the evaluator")
    full = reference_splits if reference_splits is not None else data.splits
    notes = []
    try:
        evaluator = find_evaluator(data.name, full)
    except DataError as exc:  # a damaged evaluator costs the sample metrics, not the run
        evaluator = None
        notes.append(str(exc))
    options = {**(options or {}), "inception": inception}
    ctx = EvalContext(model, spec, data.splits, evaluator, n, seed, run, options)
    ctx.progress = progress
    specs = metric_specs()
    values, errors = compute_metrics(ctx, specs, lambda name: say(f"computing {name}"))
    drew = "samples" in ctx.__dict__
    result = {
        "n": len(ctx.samples) if drew else None,
        "evaluator": evaluator.id if evaluator is not None else None,
        "dataset": data.name,
        "test_images": len(data.splits.test_images),
        "seed": seed,
        **values,
    }
    if "model_test_images" in ctx.__dict__:  # what the reconstruction metrics ran on
        result["model_test_images"] = len(ctx.model_test_images)
    if evaluator is None and not notes:
        notes.append(
            f"no evaluator for dataset {data.name!r}, so the sample metrics are n/a; train one "
            f"with {train_hint(data.name)}"
        )
    if reference and spec.can(SAMPLE):
        from genlab.evaluation.features import reference_floors

        result["reference"] = reference_floors(
            data.name,
            full,
            evaluator,
            n,
            specs,
            lambda name: say(f"real-data floor: {name}"),
        )
    result["eval_seconds"] = round(time.perf_counter() - started, 2)
    if errors:
        result["errors"] = errors
    if notes:
        result["notes"] = notes
    return result


def evaluate_run(run, *, model, spec, data, n=DEFAULT_N, console=None, **kwargs) -> dict:
    """:func:`evaluate` a run's model, write ``metrics.json`` into the run, return the dict."""
    config = run.config
    seed = kwargs.pop("seed", config.get("seed", 0))
    if "reference_splits" not in kwargs and config.get("limit"):
        kwargs["reference_splits"] = _full_splits(data, config)
    if console is None:
        result = evaluate(model, spec, data, n=n, seed=seed, run=run, **kwargs)
    elif not console.is_terminal:  # a log file: lines, at most one per step and 30 s
        update = _line_progress(console)
        result = evaluate(model, spec, data, n=n, seed=seed, run=run, progress=update, **kwargs)
    else:
        with console.status("evaluating") as status:
            update = lambda text: status.update(f"evaluating: {text}")  # noqa: E731
            result = evaluate(model, spec, data, n=n, seed=seed, run=run, progress=update, **kwargs)
        for note in result.get("notes", []):
            console.print(f"note: {note}", highlight=False)
        for name, error in result.get("errors", {}).items():
            console.print(f"[yellow]warning:[/] metric {name} failed: {error}", highlight=False)
    run.write_metrics(result)
    return result


def _line_progress(console, every_s: float = 30.0):
    """Evaluation progress as printed lines where no status line can be redrawn: each step
    once, and a long one (drawing 10,000 samples in many network evaluations) every ``every_s``."""
    last = {"step": None, "at": 0.0}

    def update(text: str) -> None:
        step, now = text.split(" ")[0:2], time.perf_counter()
        if step != last["step"] or now - last["at"] >= every_s:
            console.print(f"evaluating: {text}", highlight=False)
            last.update(step=step, at=now)

    return update


def _full_splits(data, config):
    """The whole training split of a run trained on a prefix (``--limit``), for the floors;
    the run's own images when the dataset cannot be read again."""
    from genlab.data.loading import reload_run_data
    from genlab.errors import GenlabError

    try:
        _, full = reload_run_data({**config, "dataset": data.name})
    except (GenlabError, OSError, ValueError):
        return data.splits
    return full if len(full.train_images) >= len(data.splits.train_images) else data.splits
