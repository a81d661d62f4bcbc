#!/usr/bin/env bash
# Fill DIR with what benchmarks/gpu.sh needs on a GPU machine without network:
#   - wheels of Keras, namex and optree (the versions of this checkout's .venv) for CPython 3.12
#     on manylinux x86_64;
#   - wheels of genlab and of its two plugin packages (plugins/genlab-diffusion,
#     plugins/genlab-wgan-gp), built from this checkout;
#   - the Fashion-MNIST IDX files, in DIR/fashion-mnist/.
# Run here, where pip reaches PyPI:
#   bash benchmarks/make_gpu_bundle.sh .gpu
# then on the GPU machine, from the checkout's root:
#   bash benchmarks/gpu.sh --wheels .gpu --data-dir .gpu/fashion-mnist --out OUT
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
# inside a checkout the bundle is never committed (it travels as an ignored folder)
echo "*" > "$dir/.gitignore"
venv="${GENLAB_VENV:-$root/.venv}"
fashion="${FASHION_DIR:-/usr/share/datasets/fashion-mnist}"
python_version="${BUNDLE_PYTHON_VERSION:-3.12}"

version() { "$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))"; }
pins=()
for name in keras namex optree; do
    pins+=("$name==$(version "$name")")
done
echo "downloading ${pins[*]} for CPython $python_version manylinux x86_64"
"$venv/bin/python" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version "$python_version" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$dir" "${pins[@]}"

echo "building genlab, genlab-diffusion and genlab-wgan-gp wheels"
rm -f "$dir"/genlab-*.whl "$dir"/genlab_*.whl
# pyproject.toml needs setuptools>=77 (SPDX license strings): with an older one in the venv, pip
# builds in an isolated environment with a current setuptools from the index instead
projects=(. plugins/genlab-diffusion plugins/genlab-wgan-gp)
if "$venv/bin/python" -c "import setuptools, sys; sys.exit(int(setuptools.__version__.split('.')[0]) < 77)"; then
    isolation=--no-build-isolation
else
    isolation=""
    echo "  (setuptools in $venv is older than 77: building in an isolated environment)"
fi
# the in-tree builds leave build/ folders: remove those that were not there before
created=()
for project in "${projects[@]}"; do
    [ -e "$root/$project/build" ] || created+=("$root/$project/build")
done
(cd "$root" && "$venv/bin/pip" wheel --quiet --no-deps $isolation -w "$dir" "${projects[@]}")
for folder in "${created[@]}"; do
    rm -rf "$folder"
done

mkdir -p "$dir/fashion-mnist"
cp "$fashion"/*-ubyte.gz "$dir/fashion-mnist/"

ls -l "$dir" "$dir/fashion-mnist"
du -sh "$dir"
