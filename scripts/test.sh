#!/usr/bin/env bash
# The test suite: every test on TensorFlow (the default backend), then the JAX leg, the tests
# that must hold on every backend (the contract kit of every model, the JAX training loop with
# its exact resume, divergence, curves, evaluation) run again with KERAS_BACKEND=jax.
#   bash scripts/test.sh            # both legs
#   bash scripts/test.sh ARGS...    # ARGS go to the TensorFlow leg's pytest
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
"$py" -m pytest "$@"
if ! "$py" -c "import jax" >/dev/null 2>&1; then
  echo "test: JAX is not installed; the JAX leg did not run (bash scripts/setup.sh --dev installs it)"
  exit 0
fi
echo "test: the JAX leg (KERAS_BACKEND=jax)"
KERAS_BACKEND=jax GENLAB_BACKEND=jax "$py" -m pytest \
  tests/backends/test_jax_engine.py \
  tests/benchmarks/test_gpu_dry_run.py \
  tests/test_contract.py \
  plugins/genlab-wgan-gp/tests/test_contract.py \
  plugins/genlab-diffusion/tests/test_contract.py \
  tests/engine/test_divergence.py \
  tests/engine/test_curve.py \
  tests/engine/test_ema.py \
  tests/engine/test_checkpoint.py \
  tests/evaluation/test_cli_evaluate.py
