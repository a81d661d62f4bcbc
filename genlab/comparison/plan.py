"""What a comparison trains: every model x every seed, on the same data, budget and options.

:func:`make_plan` checks every name and option before anything is trained (through
:meth:`genlab.RunConfig.validate`, the same check as ``genlab run``); :meth:`Plan.run_config` is
the :class:`~genlab.RunConfig` of one (model, seed), exactly what ``genlab run`` would get.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import UsageError

DEFAULT_SEEDS = 3
DEFAULT_EPOCHS = 5
#: With only ``--budget-minutes``, the clock ends training; this only caps the epoch count.
BUDGET_EPOCH_CAP = 10_000
#: Plan options that every run of the comparison gets unchanged.
_SHARED_OPTIONS = ("dataset", "batch_size", "limit", "data_dir", "device", "strategy", "evaluate")
_SHARED_OPTIONS += ("eval_samples", "budget_minutes", "track_fid", "ema")


@dataclass
class Plan:
    """What a comparison trains: every model x every seed, on the same data and budget."""

    models: list[str]
    seeds: list[int]
    out: Path
    dataset: str = "fashion"
    epochs: int | None = None
    budget_minutes: float | None = None
    limit: int | None = None
    batch_size: int | None = None
    evaluate: bool = True
    eval_samples: int = 10_000
    data_dir: str | None = None
    device: str = "auto"
    strategy: str = "default"
    reuse: bool = True
    track_fid: int = 0
    ema: float | None = None  # the weight average's decay; None: each model family's default
    command: str = ""
    #: External sample sets scored beside the models: name -> .npy/.npz or image folder.
    samples: dict = dataclasses.field(default_factory=dict)

    @property
    def run_epochs(self) -> int:
        return self.epochs or (BUDGET_EPOCH_CAP if self.budget_minutes else DEFAULT_EPOCHS)

    def run_dir(self, model: str, seed: int) -> Path:
        return self.out / "runs" / f"{model}-s{seed}"

    def run_config(self, model: str, seed: int, resume: bool = False):
        """The :class:`RunConfig` of one run: what ``genlab run`` would get for it."""
        from genlab.config import RunConfig

        shared = {k: getattr(self, k) for k in _SHARED_OPTIONS}
        out = str(self.run_dir(model, seed))
        return RunConfig(model, seed=seed, out=out, resume=resume, epochs=self.run_epochs, **shared)

    def budget_text(self) -> str:
        if self.budget_minutes:
            cap = f" (at most {self.epochs} epochs)" if self.epochs else ""
            return f"{self.budget_minutes:g} min of training per run{cap}"
        return f"{self.run_epochs} epoch{'s' if self.run_epochs > 1 else ''} per run"


def make_plan(
    models: list[str],
    *,
    all_models: bool = False,
    seeds: int = DEFAULT_SEEDS,
    out: str | Path | None = None,
    **options,
) -> Plan:
    """Check every name and option before anything is trained; canonical model names.

    Run options are checked by :meth:`RunConfig.validate` for every model, the same check
    ``genlab run`` makes, so a comparison refuses exactly what a single run would.
    """
    from genlab.data.loading import is_folder_argument
    from genlab.registry import get_dataset, get_registries

    registry = get_registries().models
    if all_models and models:
        raise UsageError("pass model names or --all, not both")
    names = [s.name for s in registry] if all_models else [registry.get(m).name for m in models]
    if not names:
        raise UsageError("name at least one model (see 'genlab list'), or pass --all")
    names = list(dict.fromkeys(names))
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise UsageError(f"--seeds must be a positive integer, got {seeds}")
    check = Plan(models=names, seeds=[0], out=Path("."), **options)
    for name in names:  # the plan's own --epochs, not the default it stands for
        dataclasses.replace(check.run_config(name, 0), epochs=check.epochs).validate()
    dataset = options.get("dataset", "fashion")
    if not is_folder_argument(dataset):
        options["dataset"] = get_dataset(dataset).name
    if out is None:
        label = "all" if all_models else "-".join(names)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("comparisons") / f"{label}-{Path(options['dataset']).name}-{stamp}"
    return Plan(models=names, seeds=list(range(seeds)), out=Path(out), **options)
