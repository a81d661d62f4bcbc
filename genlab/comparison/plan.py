"""What a comparison trains: every model x every seed, on the same data, budget and options.

:func:`make_plan` checks every name and option before anything is trained (through
:meth:`genlab.config.RunConfig.validate`, the same check as ``genlab run``);
:meth:`Plan.run_config` is the :class:`~genlab.config.RunConfig` of one (model, seed), exactly
what ``genlab run`` would get.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from genlab.config import RunOptions
from genlab.errors import UsageError

DEFAULT_SEEDS = 3


@dataclass(kw_only=True)
class Plan(RunOptions):
    """What a comparison trains: every model x every seed, with the same :class:`RunOptions`."""

    models: list[str]
    seeds: list[int]
    out: Path
    reuse: bool = True
    command: str = ""
    #: External sample sets scored beside the models: name -> .npy/.npz or image folder.
    samples: dict = field(default_factory=dict)
    #: Hyperparameters per model (``--set`` values), e.g. the best of a search.
    hparams: dict = field(default_factory=dict)

    shared: ClassVar[bool] = True

    def run_dir(self, model: str, seed: int) -> Path:
        return self.out / "runs" / f"{model}-s{seed}"

    def run_config(self, model: str, seed: int, resume: bool = False):
        """The :class:`RunConfig` of one run: what ``genlab run`` would get for it."""
        overrides = dict(self.hparams.get(model, {}))
        out = self.run_dir(model, seed)
        return super().run_config(model, seed=seed, out=out, resume=resume, overrides=overrides)


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
