"""Per-model hyperparameter search with Optuna: the same number of trials and the same per-trial
budget for every model, each trial scored by FID on the validation sample (Lucic et al. 2018).

A model's search lives in one directory: ``study.db`` (an Optuna study in SQLite) and
``trials/trial-NNN/``, one ordinary run directory per trial made by :func:`genlab.run.run_one`.
Trial 0 is the model's defaults; the others are drawn from its declared search space
(:mod:`genlab.search.space`) by a random sampler (TPE on request) whose seed depends only on the
search seed and the trial number, so the same command draws the same trials whether it ran
through, was interrupted and rerun, or ran its trials in parallel.

With a pruner (``--pruner asha|hyperband``), every trial reports the points of its quality
curve (:mod:`genlab.evaluation.curve`, scored on the validation sample) to Optuna's
successive-halving or Hyperband pruner as it trains, and a trial the pruner stops ends as
``pruned`` after that point, so the same budget tries more configurations. Pruning decides in
this process, so it runs trials in this process (no ``--jobs``, no Ray). ``--total-images``
gives the search a budget of training images over all its trials instead of a trial count.

Rerunning the same command continues a search: finished, diverged and failed trials are kept,
a trial that was running when the process died resumes its run directory from the last
checkpoint, and only the missing trials are drawn.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from genlab.config import RunOptions
from genlab.errors import UsageError
from genlab.execution.pipeline import Made, Request, make_runs
from genlab.search.space import check_space, describe_space

SAMPLERS = ("random", "tpe")
PRUNERS = ("none", "asha", "hyperband")
#: How trial states read in reports (a diverged trial is told as FAIL; its run says diverged).
OPTUNA_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}
#: Every trial trains with this seed: trials differ only in their hyperparameters.
TRIAL_SEED = 0


@dataclass(kw_only=True)
class SearchOptions(RunOptions):
    """What every trial of every model gets: the shared :class:`~genlab.config.RunOptions`
    (data, budget, ``eval_samples`` for each validation FID), and how trials are drawn."""

    trials: int
    sampler: str = "random"
    seed: int = 0  # the search's seed: which configurations are drawn
    pruner: str = "none"
    total_images: int | None = None  # stop drawing trials once they have seen this many

    shared: ClassVar[bool] = True

    def check(self) -> None:
        if not isinstance(self.trials, int) or self.trials < 1:
            raise UsageError(f"the number of trials must be positive, got {self.trials}")
        if self.sampler not in SAMPLERS:
            choices = ", ".join(SAMPLERS)
            raise UsageError(f"--sampler must be one of {choices}, got {self.sampler!r}")
        if self.pruner not in PRUNERS:
            choices = ", ".join(PRUNERS)
            raise UsageError(f"--pruner must be one of {choices}, got {self.pruner!r}")
        if self.pruner != "none" and not self.curve:
            raise UsageError("--pruner decides on the quality curve; it needs --curve > 0")
        if self.total_images is not None and self.total_images < 1:
            raise UsageError(f"--total-images must be positive, got {self.total_images}")

    def identity(self) -> dict:
        """What a search directory must have been made with to be continued."""
        keys = ("dataset", "epochs", "budget_minutes", "limit", "batch_size", "eval_samples")
        ema = {} if self.ema is None else {"ema": self.ema}
        pruner = {} if self.pruner == "none" else {"pruner": self.pruner}
        images = {"images": self.images} if self.images else {}
        import genlab.backends as backends

        backend = {"backend": backends.requested(self.backend)}
        fixed = {"sampler": self.sampler, "seed": self.seed, **ema, **pruner, **images, **backend}
        return {**{k: getattr(self, k) for k in keys}, **fixed}

    def budget_text(self, per: str = "trial") -> str:
        return super().budget_text(per)


@dataclass
class Trial:
    """One trial as read back from its run directory and the study."""

    number: int
    state: str
    run_dir: str
    params: dict
    hparams: dict = field(default_factory=dict)
    fid: float | None = None
    defaults: bool = False
    error: str | None = None
    epochs: int | None = None
    train_seconds: float | None = None
    attempt: int | None = None


@dataclass
class Search:
    """One model's search: its trials (in trial order) and the best of them."""

    model: str
    study_dir: str
    space: dict
    trials: list[Trial]

    @property
    def searched(self) -> bool:
        """False for a model without a declared space: it ran with its defaults only."""
        return bool(self.space)

    @property
    def scores(self) -> list[float]:
        """Validation FID of every trial, ``inf`` for one that diverged or failed."""
        return [t.fid if t.fid is not None else math.inf for t in self.trials]

    @property
    def best(self) -> Trial | None:
        finished = [t for t in self.trials if t.fid is not None]
        return min(finished, key=lambda t: (t.fid, t.number)) if finished else None

    @property
    def defaults(self) -> Trial | None:
        return next((t for t in self.trials if t.defaults), None)

    def to_json(self) -> dict:
        best = self.best
        return {
            "model": self.model,
            "study_dir": self.study_dir,
            "searched": self.searched,
            "space": self.space,
            "trials": [dataclasses.asdict(t) for t in self.trials],
            "best": None if best is None else _best_json(best),
            "defaults_fid": self.defaults.fid if self.defaults else None,
            "states": _count(t.state for t in self.trials),
        }


def _best_json(trial: Trial) -> dict:
    return {
        "trial": trial.number,
        "fid": trial.fid,
        "params": trial.params,
        "hparams": trial.hparams,
    }


def _count(states) -> dict:
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


# -- the study --------------------------------------------------------------------------------
def _optuna():
    from genlab.dependencies import require

    optuna = require("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def open_study(model: str, study_dir: Path, options: SearchOptions):
    """The model's Optuna study in ``study_dir/study.db``, created or continued."""
    optuna = _optuna()
    study_dir.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{(study_dir / 'study.db').resolve()}"
    study = optuna.create_study(
        storage=storage,
        study_name=model,
        direction="minimize",
        load_if_exists=True,
        pruner=make_pruner(options),
    )
    from genlab.run import identity_differences

    wanted = options.identity()
    saved = study.user_attrs.get("options")
    if saved is None:
        study.set_user_attr("options", wanted)
    elif changed := identity_differences(saved, {**dict.fromkeys(saved), **wanted}):
        changed = ", ".join(changed)
        raise UsageError(
            f"{study_dir} holds a search made with other options ({changed} differ); rerun with "
            "the original options to continue it, or choose another --out"
        )
    return study


def make_pruner(options: SearchOptions):
    """Optuna's pruner for ``--pruner``, its rungs on the curve's points (doublings of images
    seen from ``--curve-from``): successive halving (ASHA) or Hyperband, keeping half at each."""
    optuna = _optuna()
    if options.pruner == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=options.curve_from, reduction_factor=2
        )
    if options.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=options.curve_from, max_resource=options.images or "auto",
            reduction_factor=2,
        )  # fmt: skip
    return optuna.pruners.NopPruner()


def _sampler(options: SearchOptions, number: int):
    """A sampler seeded by (search seed, trial number): the same draw however trials are run."""
    optuna = _optuna()
    seed = options.seed * 1_000_003 + number
    if options.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


class ModelSearch:
    """The bookkeeping of one model's study while its trials run."""

    def __init__(self, model: str, study_dir: Path, options: SearchOptions, train_images: int):
        from genlab.registry import get_model
        from genlab.search.holdout import trial_limit

        self.spec = get_model(model)
        self.model = self.spec.name
        self.space = check_space(self.spec)
        self.dir = Path(study_dir)
        self.options = options
        self.limit = trial_limit(train_images, options.limit)
        self.study = open_study(self.model, self.dir, options)
        # Without a declared space there is nothing to search: the defaults, once.
        self.target = options.trials if self.space else 1
        #: Training images seen by the finished trials (for --total-images).
        self.used = sum(
            images_seen(self.trial_dir(t.number))
            for t in self.study.get_trials(deepcopy=False)
            if t.state.is_finished()
        )

    def trial_dir(self, number: int) -> Path:
        return self.dir / "trials" / f"trial-{number:03d}"

    def request(self, number: int, params: dict, trial=None) -> Request:
        """Trial ``number`` as a run request: the search's options, the trial's
        hyperparameters, no test evaluation and no pictures, scored on the validation sample
        (its curve too); with a pruner, its curve points go to ``trial`` as they come."""
        config = self.options.run_config(
            self.model,
            seed=TRIAL_SEED,
            out=self.trial_dir(number),
            limit=self.limit,
            overrides=dict(params),
            evaluate=False,
            grids=False,
            track_fid=0,
            curve_on="holdout",
        )
        key = f"{self.model}/trial-{number:03d}"
        on_point = None
        if self.options.pruner != "none":
            optuna = _optuna()
            trial = trial or optuna.trial.Trial(self.study, self._trial_id(number))
            on_point = _reporter(trial)
        return Request(
            key, config, identity=False, validation_n=self.options.eval_samples,
            label=_params_text(params), on_point=on_point,
        )  # fmt: skip

    def _trial_id(self, number: int) -> int:
        return next(
            t._trial_id for t in self.study.get_trials(deepcopy=False) if t.number == number
        )

    def unfinished(self) -> list[Request]:
        """Trials a previous process started but did not finish: resumed, not redrawn."""
        optuna = _optuna()
        live = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
        return [
            self.request(t.number, t.params)
            for t in self.study.get_trials(deepcopy=False)
            if t.number < self.target and t.state in live
        ]

    @property
    def drawn(self) -> int:
        return len(self.study.get_trials(deepcopy=False))

    def draw(self) -> Request | None:
        """The next trial: the defaults first, then points of the space; None when all drawn."""
        number = self.drawn
        if number >= self.target:
            return None
        if self.options.total_images and self.used >= self.options.total_images:
            return None
        self.study.sampler = _sampler(self.options, number)
        trial = self.study.ask()
        params = {} if number == 0 else {n: d.suggest(trial, n) for n, d in self.space.items()}
        trial.set_user_attr("defaults", number == 0)
        return self.request(trial.number, params, trial)

    def record(self, request: Request, made: Made) -> None:
        """Tell the study how a trial ended: its FID, pruned, or failed (a diverged one too)."""
        optuna = _optuna()
        number = int(Path(request.config.out).name.split("-")[-1])
        fid = (made.validation or {}).get("fid")
        state = made.outcome.state
        self.used += images_seen(request.config.out)
        if state == "complete" and fid is not None and math.isfinite(fid):
            self.study.tell(number, fid)
        elif state == "pruned":
            self.study.tell(number, state=optuna.trial.TrialState.PRUNED)
        else:
            self.study.tell(number, state=optuna.trial.TrialState.FAIL)

    def result(self) -> Search:
        frozen = sorted(self.study.get_trials(deepcopy=False), key=lambda t: t.number)
        trials = [read_trial(self.trial_dir(t.number), t) for t in frozen if t.number < self.target]
        return Search(self.model, str(self.dir), describe_space(self.spec), trials)


def read_trial(run_dir: Path, frozen) -> Trial:
    """A trial's outcome from its run directory (the truth) and the study (params, defaults)."""
    from genlab.execution.executors import worker_record
    from genlab.run_dir import RunDir

    outcome = RunDir(run_dir).outcome()
    trial = Trial(
        number=frozen.number,
        state=OPTUNA_STATES.get(frozen.state.name, frozen.state.name.lower()),
        run_dir=str(run_dir),
        params=dict(frozen.params),
        defaults=bool(frozen.user_attrs.get("defaults")),
        hparams=outcome.config.get("hparams", {}),
        epochs=outcome.epochs,
        train_seconds=outcome.train_seconds,
        attempt=worker_record(run_dir).get("attempt"),
    )
    if outcome.finished:
        trial.state = outcome.state
    if outcome.ok:
        trial.fid = (outcome.validation or {}).get("fid")
        if trial.fid is None:
            trial.state = "failed"
    if trial.state not in ("complete", "running", "waiting"):
        trial.error = outcome.error if not outcome.ok else "no validation FID"
    return trial


# -- running searches -------------------------------------------------------------------------
def run_searches(
    models: list[str], study_dirs: dict, options: SearchOptions, executor, say=None
) -> dict[str, Search]:
    """Run (or continue) every model's search on one executor; every model gets the same
    trials and budget. Trials of all models share the executor's slots, drawn round-robin."""
    from genlab.search.holdout import check_dataset

    options.check()
    data = check_dataset(options.dataset, options.data_dir)
    if options.dataset != data.name and "/" not in options.dataset:
        options = dataclasses.replace(options, dataset=data.name)
    searches = {
        m: ModelSearch(m, Path(study_dirs[m]), options, len(data.splits.train_images))
        for m in models
    }

    def trials():
        for search in searches.values():
            yield from search.unfinished()
        while (request := _draw_next(searches)) is not None:
            yield request

    def record(request: Request, made: Made) -> None:
        searches[request.key.split("/")[0]].record(request, made)

    make_runs(trials(), executor, say=say, on_done=record)
    return {m: s.result() for m, s in searches.items()}


def _reporter(trial):
    """``on_point`` of a pruned search: report the point's FID at its images seen, and stop the
    run when the pruner says so."""

    def on_point(row: dict) -> bool:
        trial.report(row["fid"], step=row["point"])
        return trial.should_prune()

    return on_point


def images_seen(run_dir) -> int:
    """Training images a trial saw: its last curve point, else its steps x batch size."""
    from genlab.run_dir import RunDir

    run = RunDir(run_dir)
    curve = run.read_curve()
    if curve:
        return int(curve[-1]["images"])
    history = run.read_history()
    if not history or not (run / "config.json").exists():
        return 0
    steps = sum(row.get("steps", 0) for row in history)
    return int(steps * run.config.get("batch_size", 0))


def _draw_next(searches: dict) -> Request | None:
    """The next trial of the model with the fewest drawn (ties: command-line order)."""
    open_ = [s for s in searches.values() if s.drawn < s.target]
    if not open_:
        return None
    return min(open_, key=lambda s: s.drawn).draw()


def _params_text(params: dict) -> str:
    if not params:
        return " (defaults)"
    return " (" + ", ".join(f"{k}={_short(v)}" for k, v in params.items()) + ")"


def _short(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
