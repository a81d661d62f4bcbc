"""Per-step loss traces of every built-in model at its defaults, for the divergence guard.

Each built-in trains on full Fashion-MNIST with its default hyperparameters and batch size for
``--minutes`` of training time; every value ``train_step`` logs is recorded after every step.
One extra trace is DCGAN at ``lr=1e6``, which blows up. ``tests/engine/test_divergence.py``
replays the traces through the guard's rule: no alarm on the defaults, the blow-up caught.

    python benchmarks/loss_traces.py --minutes 1   # writes benchmarks/results/loss-traces.json
    python benchmarks/loss_traces.py --minutes 3 --models dcgan   # replaces those traces only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULT = Path(__file__).parent / "results" / "loss-traces.json"
BUILTINS = ("stacked_ae", "conv_ae", "denoising_ae", "sparse_ae", "vae", "gan", "dcgan")


def recorder():
    import keras

    class Record(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.trace: dict[str, list[float]] = {}

        def on_train_batch_end(self, batch, logs=None):
            for name, value in (logs or {}).items():
                self.trace.setdefault(name, []).append(float(f"{float(value):.6g}"))

    return Record()


def trace(model: str, minutes: float, overrides: dict) -> dict:
    from genlab.config import RunOptions
    from genlab.errors import DivergenceError
    from genlab.run import run_one

    record = recorder()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        options = RunOptions(epochs=1000, budget_minutes=minutes, evaluate=False)
        config = options.run_config(model, out=Path(tmp) / "run", overrides=overrides, grids=False)
        try:
            run_one(config, callbacks=[record])
            state = "complete"
        except DivergenceError:
            state = "diverged"
    steps = max(map(len, record.trace.values()))
    seconds = time.perf_counter() - started
    print(f"{model} {overrides or ''}: {steps} steps, {state}, {seconds:.0f} s")
    return {
        "model": model,
        "overrides": overrides,
        "minutes": minutes,
        "state": state,
        "losses": record.trace,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="training time per model")
    parser.add_argument("--models", nargs="*", default=BUILTINS)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()

    runs = [(name, {}) for name in args.models]
    if "dcgan" in args.models:
        runs.append(("dcgan", {"lr": 1e6}))
    new = [trace(model, args.minutes, overrides) for model, overrides in runs]
    redone = {t["model"] for t in new}
    kept = json.loads(args.out.read_text())["traces"] if args.out.exists() else []
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "traces": [t for t in kept if t["model"] not in redone] + new,
    }
    args.out.write_text(json.dumps(result, separators=(",", ":")) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
