"""External sample sets in a comparison: ``genlab compare ... --samples NAME=PATH``.

Samples made elsewhere (another framework, a paper's released samples) are scored exactly as
``genlab evaluate PATH`` scores them — same evaluator, metrics, ``--eval-n`` and floors — and
join the comparison as one more column with a single "seed" and no training cost.
"""

from __future__ import annotations

import re
from pathlib import Path

from genlab.comparison.aggregate import NOT_METRICS, is_number
from genlab.errors import UsageError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parse_sample_sets(items: list[str] | None, models: list[str]) -> dict[str, str]:
    """``["NAME=PATH", ...]`` -> ``{NAME: PATH}``; every problem is one :class:`UsageError`."""
    from genlab.evaluation.external import is_samples_path

    sets: dict[str, str] = {}
    for item in items or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--samples takes NAME=PATH, got {item!r}")
        if not _NAME.match(name):
            raise UsageError(f"--samples name {name!r}: use letters, digits, '-', '_' or '.'")
        if name in models or name in sets:
            raise UsageError(f"--samples name {name!r} is already a column; pick another name")
        if not Path(path).expanduser().exists():
            raise UsageError(f"--samples {name}: {path} does not exist")
        if not is_samples_path(path):
            raise UsageError(
                f"--samples {name}: {path} is not a .npy/.npz array or a folder of images"
            )
        sets[name] = str(path)
    return sets


def score_sample_sets(plan, console=None) -> list:
    """One complete :class:`~genlab.comparison.results.RunResult` per sample set of ``plan``;
    a set that cannot be scored becomes a failed result with its error, never an exception."""
    from genlab.comparison.results import RunResult
    from genlab.data.loading import load
    from genlab.errors import GenlabError
    from genlab.evaluation.external import evaluate_samples, load_samples

    if not plan.samples:
        return []
    data = load(plan.dataset, plan.data_dir)  # the whole test split, as runs are evaluated
    results = []
    for name, path in plan.samples.items():
        if console is not None:
            console.print(f"[bold]samples[/] {name}: scoring {path}", highlight=False)
        try:
            samples = load_samples(path)
            values = evaluate_samples(samples, data, n=plan.eval_samples, seed=0)
        except GenlabError as exc:
            results.append(RunResult(name, 0, path, "failed", error=str(exc)))
            continue
        metrics = {
            k: v for k, v in values.items() if k not in NOT_METRICS and (is_number(v) or v is None)
        }
        floors = {k: v for k, v in (values.get("reference") or {}).items() if is_number(v)}
        notes = [f"external samples ({samples.describe()})"]
        notes += [f"metric {k} failed: {e}" for k, e in (values.get("errors") or {}).items()]
        results.append(
            RunResult(
                name,
                0,
                path,
                "complete",
                metrics=metrics,
                floors=floors,
                notes=notes,
                config={"samples": path, "value_range": values.get("value_range")},
            )  # fmt: skip
        )
    return results


def with_sample_sets(comparison, console=None):
    """``comparison`` with the plan's sample sets scored and added (rewrites comparison.json)."""
    from genlab.comparison.aggregate import Comparison
    from genlab.comparison.compare import comparison_json
    from genlab.run_dir import atomic_write_json

    plan = comparison.plan
    if not plan.samples:
        return comparison
    extended = Comparison(plan, [*comparison.results, *score_sample_sets(plan, console)])
    if getattr(comparison, "search", None) is not None:
        extended.search = comparison.search
    atomic_write_json(plan.out / "comparison.json", comparison_json(extended))
    return extended
