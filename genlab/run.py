"""One training run: :func:`run_one` is the only place where build -> train -> evaluate -> save
is wired.

``genlab run`` and every run of ``genlab compare`` go through :func:`run_one`, so a comparison is
always between runs produced exactly like single runs. :func:`load_run_model` rebuilds the model
of a finished run.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import platform
import time
from pathlib import Path

from genlab.config import RunConfig
from genlab.errors import ConfigError, DivergenceError, PluginError, RunDirError
from genlab.registry import get_model
from genlab.run_dir import RunDir, atomic_output, open_run, save_npy
from genlab.specs import RECONSTRUCT, resolve
from genlab.version import __version__

PREVIEW_COUNT = 64
FINALIZE_IMAGES = 10_000
#: Config keys that must match when a run is resumed or reused.
IDENTITY_KEYS = (
    "model",
    "hparams",
    "dataset",
    "image_shape",
    "train_images",
    "batch_size",
    "seed",
    "val_fraction",
    "ema",
    "backend",
)


def run_identity(
    spec, model_config, data, batch_size: int, seed: int, val_fraction=None, ema=None, backend=None
) -> dict:
    """What makes two runs the same run: the ``config.json`` values a resumed or reused run must
    match (:data:`IDENTITY_KEYS`). ``data`` is before the validation split; ``train_images``
    counts what is left after it. ``val_fraction`` and ``ema`` (the weight average's decay)
    appear only when they are not 0. The Keras backend is part of it: the same seed on another
    backend draws other numbers, so it is another run."""
    import genlab.backends as backends
    from genlab.data.split import resolve_fraction, validation_count
    from genlab.engine.ema import resolve_decay

    fraction = resolve_fraction(val_fraction, spec)
    decay = resolve_decay(ema, spec)
    images = len(data.splits.train_images)
    return {
        "model": spec.name,
        "hparams": dataclasses.asdict(model_config),
        "dataset": data.name,
        "image_shape": list(data.image_shape),
        "train_images": images - validation_count(images, fraction),
        "batch_size": batch_size,
        "seed": seed,
        **({"val_fraction": fraction} if fraction else {}),
        **({"ema": decay} if decay else {}),
        "backend": backends.requested(backend),
    }


def config_identity(config: RunConfig, spec, model_config, data, batch_size: int) -> dict:
    """:func:`run_identity` of the run ``config`` describes."""
    return run_identity(
        spec,
        model_config,
        data,
        batch_size,
        config.seed,
        config.val_fraction,
        config.ema,
        config.backend,
    )


def recorded_backend(recorded: dict) -> str:
    """The backend a run was made on; runs made before genlab had others were TensorFlow's."""
    return recorded.get("backend") or "tensorflow"


def backend_switch(subject: str, recorded: dict, wanted: str, fix: str = "") -> ConfigError:
    """The one refusal of a run made on another backend: ``subject`` ("the run in X was
    trained"), then how to keep it (``--backend`` it was made on, and ``fix``)."""
    was = recorded_backend(recorded)
    return ConfigError(
        f"{subject} on the {was} backend, not {wanted}; use --backend {was}{fix} (the same "
        "seed draws other random numbers on another backend: it would be another run)"
    )


def identity_differences(recorded: dict, expected: dict) -> list[str]:
    """Keys of ``expected`` whose values ``recorded`` (a run's ``config.json``, or any record of
    the options something was made with) does not match, compared as JSON values. The one
    identity comparison: resuming, reusing and continuing a search all use it. ``genlab`` is
    compared with the version that made the run (``versions.genlab``)."""
    actual = {**recorded, "genlab": recorded.get("versions", {}).get("genlab")}
    actual["backend"] = recorded_backend(recorded)
    normal = json.loads(json.dumps({k: actual.get(k) for k in expected}, default=str))
    wanted = json.loads(json.dumps(expected, default=str))
    return [k for k in expected if normal[k] != wanted[k]]


def default_out(config: RunConfig, spec) -> Path:
    dataset = Path(config.dataset).name if "/" in config.dataset else config.dataset
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{spec.name}-{dataset}-s{config.seed}-{stamp}"


def _versions() -> dict:
    import keras

    import genlab.backends as backends

    backend = keras.backend.backend()
    return {
        "genlab": __version__,
        backend: backends.version(backend),
        "keras": keras.__version__,
        "python": platform.python_version(),
    }


def prepare_run_dir(out: Path, resume: bool) -> RunDir:
    run = RunDir(out)
    if (run / "config.json").exists() and not resume:
        state = run.status.get("state")
        hint = "it is complete" if state == "complete" else f"its state is {state}"
        raise RunDirError(
            f"{out} already holds a run ({hint}); pass --resume to continue it or choose "
            "another --out"
        )
    if resume and not (run / "config.json").exists():
        raise RunDirError(f"--resume: {out} holds no run to resume; drop --resume to start one")
    run.ensure_writable()
    return run


def build_model(spec, model_config, image_shape):
    try:
        model = resolve(spec.build)(model_config, tuple(image_shape))
    except ModuleNotFoundError as exc:
        if exc.name != "tensorflow":
            raise
        raise PluginError(
            f"model {spec.name!r} (plugin {spec.plugin}) imports TensorFlow, which is not "
            "installed; install it (pip install tensorflow) and use --backend tensorflow, or "
            "write the model with keras.ops and self.minimize (docs/plugins/writing-plugins.md)"
        ) from None
    model.build_optimizers()
    # Its networks are built; without this, fit under tf.distribute tries model.call().
    model.built = True
    return model


def run_one(config: RunConfig, console=None, callbacks=(), on_point=None) -> dict:
    """Train (or resume) one run and leave a complete run directory; returns its summary.

    ``on_point(row)`` sees each scheduled point of the quality curve; returning True stops the
    run there, finished as ``pruned`` (no evaluation): how a search's pruner ends a trial.
    """
    from genlab.data.loading import load
    from genlab.engine import device, memory

    spec, model_config = config.validate()
    memory.reset_peak()  # this run's peak memory, not that of runs before it in this process
    out = Path(config.out) if config.out else default_out(config, spec)
    out = device.worker_run_dir(out, config.strategy)
    run = prepare_run_dir(out, config.resume)
    epochs = config.epochs or spec.default_epochs
    batch_size = config.batch_size or spec.default_batch_size
    from genlab.data.loading import parse_image_shape

    shape = parse_image_shape(config.image_shape)
    data = load(config.dataset, config.data_dir, image_shape=shape, limit=config.limit)
    placement = device.place(config.device, config.strategy)
    if console is not None:
        console.print(f"{spec.name}: {placement.description}", highlight=False)
        reach = epochs * (len(data.splits.train_images) // batch_size) * batch_size
        if config.images and reach < config.images:
            console.print(
                f"note: --epochs {epochs} ends this run at {reach:,} images, before --images "
                f"{config.images:,}; drop --epochs to train to the image budget",
                highlight=False,
            )

    import keras

    identity = config_identity(config, spec, model_config, data, batch_size)
    if config.resume:
        changed = identity_differences(run.config, {k: identity.get(k) for k in IDENTITY_KEYS})
        if "backend" in changed:
            raise backend_switch(
                f"--resume: the run in {out} was trained", run.config, identity["backend"]
            )
        if changed:
            raise ConfigError(
                f"--resume: {', '.join(changed)} differ from the run in {out}; "
                "resume with the original options"
            )
    from genlab.data.split import split

    splits, val_images = split(data.splits, identity.get("val_fraction", 0), config.seed)
    data = dataclasses.replace(data, splits=splits)
    full_config = {
        **identity,
        "plugin": spec.plugin,
        "family": spec.family,
        "capabilities": sorted(spec.capabilities),
        "output_range": list(spec.output_range),
        "epochs": epochs,
        "limit": config.limit,
        "budget_minutes": config.budget_minutes,
        **({"images": config.images} if config.images else {}),
        "track_fid": config.track_fid,
        **config.curve_record(),
        "val_images": len(val_images),
        "data_source": getattr(data.splits, "source", ""),
        "data_dir": config.data_dir,
        "device": placement.as_dict(),
        "versions": _versions(),
        "platform": platform.platform(),
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
    }

    keras.utils.set_random_seed(config.seed)
    with placement.scope():
        model = build_model(spec, model_config, data.image_shape)
        model.compile(
            jit_compile=placement.jit_compile,
            steps_per_execution=placement.steps_per_execution or 1,
        )
    # The model keeps its policy; evaluators built later must compute in float32.
    keras.mixed_precision.set_global_policy("float32")
    if identity.get("ema") and not model.sampling_networks():
        raise ConfigError(
            f"--ema: model {spec.name!r} names no sampling networks (sampling_networks()), so "
            "there are no weights to average; pass --no-ema"
        )
    run.write_config(full_config)
    run.set_status("running", epochs=epochs)

    multiworker = placement.strategy_name == "multiworker"
    tracker = None
    if config.track_fid and placement.is_chief and not multiworker:
        from genlab.evaluation.tracking import fid_tracker

        tracker = fid_tracker(
            model, spec, data, config.track_fid, config.seed, _finalize_images(data, spec)
        )
    curve = None
    if config.curve_record() and placement.is_chief and not multiworker:
        from genlab.evaluation.curve import make_curve

        if config.curve_on == "holdout":
            from genlab.data.loading import holdout_images

            reference = holdout_images(config.dataset, config.data_dir)
        else:  # the test split, for every model alike (not a model's own validation images)
            reference = data.splits.test_images
        n, finalize_images = config.curve_record()["curve"], _finalize_images(data, spec)
        curve, why = make_curve(model, spec, data, reference, n, config.seed, finalize_images)
        if curve is None and console is not None:
            console.print(f"note: {why}")
    validator = None
    if len(val_images) and placement.is_chief and placement.strategy_name != "multiworker":
        from genlab.engine.validation_losses import validation_metrics

        validator = validation_metrics(model, val_images, spec.output_range)
    wants_grids = config.grids and placement.is_chief
    preview = _preview(model, spec, run, data, config.seed) if wants_grids else None
    try:
        from genlab.engine.trainer import TrainOptions, train

        options = TrainOptions(
            epochs=epochs,
            batch_size=batch_size,
            value_range=spec.output_range,
            seed=config.seed,
            resume=config.resume,
            time_budget_s=config.budget_minutes * 60 if config.budget_minutes else None,
            max_images=config.images,
            curve_first=config.curve_from,
            ema=identity.get("ema", 0.0),
        )
        result = train(
            model,
            run,
            data.splits.train_images,
            placement,
            options,
            console=console,
            preview=preview,
            callbacks=list(callbacks) + _plugin_callbacks(run),
            epoch_metrics=_each_epoch(validator, tracker),
            curve=curve,
            on_point=on_point,
        )
    except KeyboardInterrupt:
        run.set_status("interrupted")
        raise
    except Exception as exc:
        run.set_status("failed", error=f"{type(exc).__name__}: {exc}")
        raise
    if result.diverged:
        epoch, step, loss = result.diverged
        reason = result.diverged_reason or "became non-finite"
        message = f"training diverged: {loss} {reason} at epoch {epoch}, step {step}"
        run.set_status("diverged", epoch=epoch, step=step, loss=loss, error=message)
        from genlab.engine.checkpoint import list_checkpoints

        kept = list_checkpoints(run.checkpoints)
        where = f"the last good checkpoint is {kept[-1]}" if kept else "no epoch had finished"
        raise DivergenceError(f"{message}; {where}; try a lower --lr")
    if not placement.is_chief:
        # Reading the state is a collective op: finish as the chief does, minus the evaluation.
        no_eval = dataclasses.replace(config, evaluate=False)
        return {**finish(run, model, spec, data, no_eval, result), "chief": False}
    if result.pruned_at is not None:
        at = result.pruned_at
        why = (
            f"stopped by the search's pruner at {at['images']:,} images seen "
            f"(FID {at['fid']:.2f} on {at['n']} samples)"
        )
        no_eval = dataclasses.replace(config, evaluate=False)
        return finish(run, model, spec, data, no_eval, result, console, state=("pruned", why))
    return finish(run, model, spec, data, config, result, console)


def _plugin_callbacks(run) -> list:
    from genlab.plugins import get_plugin_manager

    found = []
    errors = get_plugin_manager().call_hook("register_callbacks", register=found.append, run=run)
    if errors:
        raise PluginError("; ".join(errors) + " (disable it with GENLAB_DISABLE_PLUGINS)")
    return found


def _preview(model, spec, run, data, seed):
    import numpy as np

    from genlab.data.pipeline import scale
    from genlab.engine.callbacks import preview_writer

    path = run / "fixed_latents.npy"
    if path.exists():
        latents = np.load(path, allow_pickle=False)
    else:
        latents = model.sample_latents(PREVIEW_COUNT, seed=seed)
        save_npy(path, latents)
    images = None
    if spec.can(RECONSTRUCT):
        source = data.splits.test_images if data.splits.test_images is not None else None
        source = source if source is not None and len(source) else data.splits.train_images
        images = scale(source[:32], spec.output_range)
    return preview_writer(model, spec, latents, images, spec.output_range)


def _each_epoch(*measures):
    """One ``epoch_metrics`` function from several (the ones that are None left out)."""
    measures = [m for m in measures if m is not None]
    if not measures:
        return None
    return lambda epoch: {k: v for measure in measures for k, v in measure(epoch).items()}


def _finalize_images(data, spec):
    """The training images a model fits its sampling prior on, in the model's value range."""
    from genlab.data.pipeline import scale

    return scale(data.splits.train_images[:FINALIZE_IMAGES], spec.output_range)


def _explore(run, model, spec, data, seed, console=None) -> None:
    """The latent-space pictures of ``genlab explore`` (PCA map: fast) in ``RUN/explore/``."""
    from genlab.explore import explore

    try:
        explore(model, spec, data.splits, run / "explore", method="pca", n=2000, seed=seed)
    except Exception as exc:  # pictures only: a failure here must not fail a trained run
        message = f"warning: latent pictures not written: {type(exc).__name__}: {exc}"
        (console.print if console is not None else print)(message)


def finish(run, model, spec, data, config, result, console=None, state=("complete", "")) -> dict:
    """After training: fit sampling priors, save networks, pictures, metrics; then mark the run
    with ``state`` (``(name, why)``: complete, or pruned and why)."""
    from genlab.data.pipeline import unscale
    from genlab.engine import checkpoint
    from genlab.report.images import plot_curve, plot_losses, save_gif, save_grid

    started = time.perf_counter()
    model.finalize(_finalize_images(data, spec))
    checkpoint.write_state(run / "model.npz", result.epochs_done, model.state_variables())
    for name, network in model.networks().items():
        with atomic_output(run / "networks" / f"{name}.keras") as tmp:
            network.save(tmp)
    save_grid(
        run / "samples.png",
        unscale(model.sample(PREVIEW_COUNT, seed=config.seed), spec.output_range),
    )
    if result.history:
        plot_losses(run / "losses.png", result.history, title=f"{spec.name} on {data.name}")
        save_gif(run / "progress.gif", sorted(run.samples.glob("epoch-*.png")))
    curve = run.read_curve()
    if len(curve) > 1:
        plot_curve(run / "curve.png", curve, title=f"{spec.name} on {data.name}: quality curve")
    if config.grids:
        _explore(run, model, spec, data, config.seed, console)
    summary = {
        "run_dir": str(run.path),
        "model": spec.name,
        "epochs": result.epochs_done,
        "train_seconds": result.train_seconds,
        "images_per_s": result.history[-1]["images_per_s"] if result.history else None,
        "history": result.history,
        "budget_exhausted": result.budget_exhausted,
    }
    if config.evaluate:
        from genlab.evaluation.suite import evaluate_run

        summary["metrics"] = evaluate_run(
            run, model=model, spec=spec, data=data, n=config.eval_samples, console=console
        )
    from genlab import speeds

    metrics = summary.get("metrics") or {}
    steps = sum(row.get("steps", 0) for row in result.history)
    images = steps * (run.config.get("batch_size") or 0)
    speeds.record(
        spec.name,
        config.device,
        summary["images_per_s"],
        images,
        metrics.get("eval_seconds"),
        metrics.get("n"),
    )
    run.set_status(
        state[0],
        **({"error": state[1]} if state[1] else {}),
        epochs=result.epochs_done,
        finish_seconds=round(time.perf_counter() - started, 2),
    )
    return summary


def load_run_model(path):
    """Rebuild a finished run's model from its config and saved state."""
    import keras

    from genlab.engine import checkpoint

    run = open_run(path)
    cfg = run.config
    spec = get_model(cfg["model"])
    keras.mixed_precision.set_global_policy("float32")
    fields = {f.name for f in dataclasses.fields(spec.config)}
    model_config = spec.config(**{k: v for k, v in cfg["hparams"].items() if k in fields})
    model = build_model(spec, model_config, cfg["image_shape"])
    checkpoint.load(run / "model.npz", model.state_variables())
    return run, spec, model


def load_network(run_dir, name: str):
    """One trained network of a run as a plain Keras model, loaded in safe mode.

    Safe mode refuses files that would run arbitrary Python (``Lambda`` layers and the like).
    """
    import keras

    path = open_run(run_dir) / "networks" / f"{name}.keras"
    if not path.exists():
        available = sorted(p.stem for p in path.parent.glob("*.keras"))
        raise RunDirError(f"{path} does not exist; this run has networks: {available}")
    return keras.saving.load_model(path, safe_mode=True, compile=False)
