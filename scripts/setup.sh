#!/usr/bin/env bash
# Set up genlab on a fresh machine: data, a virtual environment in .venv, genlab and the plugins
# in plugins/. Safe to run again: every step is skipped when already done.
#   bash scripts/setup.sh                 # to use genlab (TensorFlow, the default backend)
#   bash scripts/setup.sh --dev           # also test/lint tools, a CPU JAX for the JAX leg of
#                                         # the tests, and Chromium (HTML report screenshots)
#   bash scripts/setup.sh --backend jax   # also JAX (CPU); on an NVIDIA GPU instead run
#                                         # .venv/bin/pip install "jax[cuda13]" (or cuda12)
#
# It prints only its own "setup:" lines. What apt and pip say goes to a log, shown (and kept)
# only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
backend=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) dev=1 ;;
    --backend) backend="${2:-}"; shift ;;
    --backend=*) backend="${1#--backend=}" ;;
    *) echo "setup: unknown option $1 (use --dev and/or --backend jax|torch)" >&2; exit 2 ;;
  esac
  shift
done
case "$backend" in
  ""|tensorflow|jax|torch) ;;
  *) echo "setup: --backend must be tensorflow, jax or torch, got '$backend'" >&2; exit 2 ;;
esac

log="$(mktemp "${TMPDIR:-/tmp}/genlab-setup.XXXXXX.log")"
trap 'rm -f "$log"' EXIT

# quiet STEP CMD...: run CMD with its output in the log; on failure show the log and stop.
quiet() {
  local step="$1"
  shift
  if "$@" >>"$log" 2>&1; then return 0; fi
  trap - EXIT
  echo "setup: $step failed; its output (also in $log):" >&2
  # pip warns once per unused index location; that noise is not the failure.
  grep -v "^WARNING: Location '.*' is ignored" "$log" | tail -n 60 >&2
  exit 1
}

# try CMD...: like quiet, but a failure only returns non-zero (the caller has a fallback).
try() { "$@" >>"$log" 2>&1; }

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || return 1
    sudo="sudo"
  fi
  if [ ! -f /tmp/.genlab-apt-updated ]; then
    try $sudo apt-get update -qq && touch /tmp/.genlab-apt-updated
  fi
  try $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# 1. Fashion-MNIST: Debian's package, else Keras downloads it on first use.
if [ -z "${GENLAB_DATA_DIR:-}" ] && ! ls /usr/share/datasets/fashion-mnist/*.gz >/dev/null 2>&1; then
  echo "setup: installing Fashion-MNIST (Debian package dataset-fashion-mnist)"
  apt_install dataset-fashion-mnist || echo "setup: no apt; Keras will download Fashion-MNIST on first use"
fi

# 2. Python environment.
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  quiet "creating .venv" python3 -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
quiet "upgrading pip" "${pip[@]}" --upgrade pip
extras=""
[ "$dev" = 1 ] && extras="dev"
case "$backend" in jax|torch) extras="${extras:+$extras,}$backend" ;; esac
extras="${extras:+[$extras]}"
echo "setup: installing genlab${extras} and the plugins genlab-wgan-gp and genlab-diffusion"
quiet "installing genlab${extras}" "${pip[@]}" -e ".${extras}"
quiet "installing genlab-wgan-gp" "${pip[@]}" -e plugins/genlab-wgan-gp
quiet "installing genlab-diffusion" "${pip[@]}" -e plugins/genlab-diffusion

# 3. Test-only: a headless browser to check that HTML reports render.
if [ "$dev" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Chromium for report rendering tests"
  apt_install chromium || echo "setup: Chromium unavailable; report screenshot tests will be skipped"
fi
if [ "$backend" = jax ] && command -v nvidia-smi >/dev/null 2>&1; then
  echo "setup: this machine has an NVIDIA GPU; for JAX on it: .venv/bin/pip install \"jax[cuda13]\" (or jax[cuda12])"
fi
echo "setup: done ($(.venv/bin/genlab --version))"
