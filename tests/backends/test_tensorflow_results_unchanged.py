"""On TensorFlow every model trains to exactly the weights it reached before the gradient seam
(:meth:`genlab.GenerativeModel.minimize`) replaced the models' own ``tf.GradientTape`` blocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backends import reference_weights

pytest.importorskip("tensorflow")

HERE = Path(__file__).resolve().parent


def test_every_model_reaches_the_recorded_weights():
    env = {**os.environ, **reference_weights.ENV, "KERAS_BACKEND": "tensorflow"}
    env.pop("GENLAB_BACKEND", None)
    done = subprocess.run(
        [sys.executable, str(HERE / "reference_weights.py"), "--print"],
        capture_output=True,
        text=True,
        env=env,
        cwd=HERE.parent.parent,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    now = json.loads(done.stdout[done.stdout.index("{") :])
    recorded = json.loads((HERE / "tensorflow_weights.json").read_text())
    assert sorted(now) == sorted(recorded)
    for name, values in recorded.items():
        if now[name]["sha256"] != values["sha256"]:
            moved = {
                k: (v, now[name]["sums"].get(k))
                for k, v in values["sums"].items()
                if now[name]["sums"].get(k) != v
            }
            raise AssertionError(f"{name}: weights differ from the recorded ones: {moved}")
