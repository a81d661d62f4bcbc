#!/usr/bin/env bash
# genlab on one GPU with the JAX backend (benchmarks/gpu.py), on a machine without network.
#
#   bash benchmarks/gpu.sh --wheels DIR --data-dir DIR --out DIR [any benchmarks/gpu.py option]
#
# --wheels DIR: a folder made by benchmarks/make_gpu_bundle.sh (Keras, namex, optree, genlab and
# its two plugin packages). They are installed with pip --no-index --no-deps into --site
# (default /tmp/genlab-gpu-site), which goes on PYTHONPATH behind this checkout's sources: the
# wheels give the packages' metadata (the "genlab" entry points), the checkout the code. Nothing
# is downloaded; JAX (with CUDA), NumPy, typer, rich, pluggy, matplotlib, pillow and tensorboard
# must already be installed. --python PY chooses the interpreter (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
wheels=""
site="/tmp/genlab-gpu-site"
python="python3"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --wheels) wheels="$2"; shift 2 ;;
        --site) site="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

if [ -n "$wheels" ]; then
    shopt -s nullglob
    found=("$wheels"/*.whl)
    if [ ${#found[@]} -eq 0 ]; then
        echo "error: no wheels in $wheels (make them with benchmarks/make_gpu_bundle.sh)" >&2
        exit 2
    fi
    echo "installing ${#found[@]} wheels from $wheels into $site (no network, no dependencies)"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    install=("$python" -m pip install --quiet --no-index --no-deps --upgrade --target "$site")
    if ! "${install[@]}" "${found[@]}"; then
        # one wheel for another Python (a cp312 optree under 3.11, say) fails them all: take the
        # others one by one; what is still missing is named below
        for wheel in "${found[@]}"; do
            "${install[@]}" "$wheel" || echo "warning: $wheel not installed" >&2
        done
    fi
fi

export PYTHONPATH="$root:$root/plugins:$root/plugins/genlab-diffusion:$root/plugins/genlab-wgan-gp:$site${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$site/bin:$PATH"
"$python" - <<'PY'
import importlib.util
import sys

needed = ["jax", "keras", "numpy", "packaging", "genlab", "genlab_models", "genlab_diffusion", "typer", "rich",
          "pluggy", "matplotlib", "PIL", "tensorboard", "optree", "namex", "ml_dtypes", "h5py",
          "absl"]
missing = [name for name in needed if importlib.util.find_spec(name) is None]
if missing:
    sys.exit(f"error: missing Python packages: {', '.join(missing)} (see benchmarks/gpu.sh)")
PY
exec "$python" "$here/gpu.py" "${args[@]}"
