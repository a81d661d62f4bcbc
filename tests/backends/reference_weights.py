"""Weights of every built-in and both plugin models after a few TensorFlow training steps.

``env TF_NUM_INTRAOP_THREADS=1 ... python tests/backends/reference_weights.py`` (with
:data:`ENV`) (re)writes ``tensorflow_weights.json`` beside this
file; ``test_tensorflow_results_unchanged.py`` checks that the current code reproduces it bit for
bit. The file was written before the models moved from ``tf.GradientTape`` to
:meth:`genlab.GenerativeModel.minimize`, so the test proves that move changed no result.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "tensorflow_weights.json"
MODELS = (
    "stacked_ae",
    "conv_ae",
    "denoising_ae",
    "sparse_ae",
    "vae",
    "gan",
    "dcgan",
    "wgan_gp",
    "diffusion",
)
STEPS = 3
#: One thread per pool, as the suite's workers run: a reduction split over more threads adds
#: in another order and rounds differently. The reference was written with these settings.
ENV = {
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


def small_overrides(spec) -> dict:
    sys.path.insert(0, str(HERE.parent.parent))
    from tests.test_contract import small_overrides as contract_small

    return contract_small(spec)


def fingerprint(name: str) -> dict:
    """sha256 of every state variable after ``STEPS`` steps (and their sums, to read a diff)."""
    import tensorflow as tf

    from genlab.registry import get_model
    from genlab.testing import ModelUnderTest

    tf.config.experimental.enable_op_determinism()
    spec = get_model(name)
    subject = ModelUnderTest(spec, overrides=small_overrides(spec), steps=STEPS)
    model = subject.trained[0]
    digest = hashlib.sha256()
    sums = {}
    for variable in model.state_variables():
        value = np.ascontiguousarray(np.asarray(variable.numpy()))
        digest.update(value.tobytes())
        sums[variable.path] = float(np.sum(value, dtype="float64"))
    return {"sha256": digest.hexdigest(), "sums": sums}


if __name__ == "__main__":
    result = {name: fingerprint(name) for name in MODELS}
    text = json.dumps(result, indent=1, sort_keys=True) + "\n"
    if sys.argv[1:] == ["--print"]:
        print(text)
    else:
        REFERENCE.write_text(text)
        print({name: value["sha256"][:12] for name, value in result.items()})
