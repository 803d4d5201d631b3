#!/usr/bin/env bash
# GPU correctness + speed in ONE command (under 6 minutes on a fresh H100/H200 machine).
#
#   bash benchmarks/gpu_check.sh                          # on the GPU: full-size random weights, CUDA
#   bash benchmarks/gpu_check.sh --device cpu --size tiny # the dry path any CPU can run
#
# The GPU machine is expected to have Python 3.12 with torch 2.11.0, torchaudio 2.11.0,
# onnxruntime, tiktoken, scipy and numba, and no package registry. Everything else the engine and
# the checks need is installed from a wheel folder (default ./.whl, or WHEELS=...), built
# beforehand where pip can reach PyPI with `bash benchmarks/build_gpu_wheels.sh .whl` (it
# downloads benchmarks/gpu_requirements.txt and its dependencies as cp312 manylinux wheels and
# drops what the GPU machine already has). Without the folder, the current environment is used.
#
# Steps: 1. install from wheels; 2. the device-sampling / static-decode / official-sampling tests
# (their CUDA cases run when CUDA is present: the device sampler must draw exactly what the host
# sampler draws, on the CUDA generator); 3. a random checkpoint of the chosen size; 4.
# benchmarks/speed_report.py on the device: every stage (prompt analysis, LLM, flow, vocoder) on
# it, CUDA-graph vs eager greedy tokens (must be identical), bf16 vs fp32 token agreement and mel
# distance, fused vs unfused QKV/gate-up logits, the bf16 weight cache (built, reused, same
# weights; the second cold start reads it), memory and tokens after the idle release, streaming
# vs offline (on CUDA the streamed chunks render on a second CUDA stream,
# overlapped with the LLM, and the same request is timed once more with the render inline: the
# "streaming RTF with the render inline" row shows what the overlap saves; the streamed length,
# joins and finiteness must hold in both), then the benchmark table. Exit status non-zero on any
# failure.
# Outputs (log, report.json) go to $OUT (default /tmp/gpu_check).
set -uo pipefail
DEVICE=cuda
SIZE=full
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
WHEELS="${WHEELS:-.whl}"
OUT="${OUT:-/tmp/gpu_check}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
start=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - start )) s] $*"; }

if compgen -G "$WHEELS/*.whl" > /dev/null; then
  step "installing the engine's dependencies from $WHEELS"
  $PY -m pip install -q --no-index --find-links "$WHEELS" -r benchmarks/gpu_requirements.txt || exit 2
fi

step "environment"
$PY - "$DEVICE" <<'PYEOF' || exit 2
import sys, torch
dev = sys.argv[1]
print("python", sys.version.split()[0], "| torch", torch.__version__, "| CUDA", torch.version.cuda)
if dev.startswith("cuda"):
    if not torch.cuda.is_available():
        sys.exit("no CUDA device is visible to torch")
    p = torch.cuda.get_device_properties(0)
    print("GPU", p.name, f"{p.total_memory / 2**30:.1f} GiB", "bf16", torch.cuda.is_bf16_supported())
import glmtts_desktop.engine  # noqa: F401  (fails here if a dependency is missing)
PYEOF

step "sampling, decode-step, load and streaming tests (CUDA cases included when CUDA is present)"
timeout 300 $PY -m pytest -q -p no:cacheprovider -x \
  tests/engine_llm/test_device_sampling.py tests/engine_llm/test_sampling_official.py \
  tests/engine_llm/test_static_decode.py tests/engine/test_streaming.py tests/engine/test_fused_load.py \
  tests/engine/test_weight_cache.py tests/engine/test_idle_release.py 2>&1 | tail -5
tests_rc=${PIPESTATUS[0]}

step "random $SIZE checkpoint"
CKPT="$OUT/ckpt-$SIZE"
if [ ! -f "$CKPT.complete" ]; then
  rm -rf "$CKPT"
  $PY -c "import sys; from pathlib import Path; from glmtts_desktop.engine.devckpt import make_checkpoint; make_checkpoint(Path(sys.argv[1]), size=sys.argv[2], seed=0)" "$CKPT" "$SIZE" || exit 3
  touch "$CKPT.complete"
fi

step "speed report on $DEVICE"
ARGS=(--device "$DEVICE" --size "$SIZE" --ckpt "$CKPT" --json "$OUT/report.json")
[ "$DEVICE" = cpu ] && ARGS+=(--int8)
timeout 420 $PY benchmarks/speed_report.py "${ARGS[@]}" "${EXTRA[@]}" 2>&1 | grep -v "Warning" | tee "$OUT/report.log"
report_rc=${PIPESTATUS[0]}

step "done: tests rc=$tests_rc, report rc=$report_rc (outputs in $OUT)"
[ "$tests_rc" = 0 ] && [ "$report_rc" = 0 ]
