#!/usr/bin/env bash
# Build the one-folder app with PyInstaller, then run its smoke tests:
#   dist/glmtts-desktop/glmtts-desktop-cli --version
#   dist/glmtts-desktop/glmtts-desktop-cli --self-test   (headless: imports, resources, window, thread)
# Usage: packaging/build_and_smoke.sh [--skip-build]
# Needs: the project's venv (.venv) with pyinstaller (pip install -e ".[packaging]").
# Takes ~2-4 minutes and 1-4 GB of disk (CPU vs CUDA torch). Weights are not bundled.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
DIST="dist/glmtts-desktop"

if [ "${1:-}" != "--skip-build" ]; then
  "$PY" -m PyInstaller --version >/dev/null 2>&1 || "$PY" -m pip install -q "pyinstaller>=6.10"
  echo "==> building (this takes a few minutes)"
  start=$(date +%s)
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath dist --workpath build/pyinstaller packaging/pyinstaller.spec
  echo "==> built in $(( $(date +%s) - start )) s, size $(du -sh "$DIST" | cut -f1)"
fi

test -x "$DIST/glmtts-desktop" || { echo "missing GUI executable"; exit 1; }
test -x "$DIST/glmtts-desktop-cli" || { echo "missing console executable"; exit 1; }
# resources must be inside the bundle, weights must not be
test -f "$DIST/_internal/resources/i18n/zh_CN.json" || test -f "$DIST/resources/i18n/zh_CN.json" \
  || { echo "translations not bundled"; exit 1; }
if find "$DIST" \( -name "*.safetensors" -o -name "hift.pt" -o -name "flow.pt" \) | grep -q .; then
  echo "model weights found in the bundle"; exit 1
fi

echo "==> smoke: --version"
"$DIST/glmtts-desktop-cli" --version
echo "==> smoke: --self-test"
env -u DISPLAY HOME="$(mktemp -d)" "$DIST/glmtts-desktop-cli" --self-test
echo "==> smoke: the frozen engine on a tiny random checkpoint (text front end, models, vocoder, FLAC)"
work="$(mktemp -d)"
"$DIST/glmtts-desktop-cli" dev make-checkpoint "$work/ck" >/dev/null
"$PY" - "$work/ref.wav" <<'PYEOF'
import sys
import numpy as np
import soundfile as sf
sr = 22050
t = np.arange(4 * sr) / sr
wave = 0.3 * np.sin(2 * np.pi * 150 * t) * np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None)
sf.write(sys.argv[1], wave.astype("float32"), sr)
PYEOF
"$DIST/glmtts-desktop-cli" synth --model-dir "$work/ck" --device cpu --reference "$work/ref.wav" \
    --reference-text "hello there" --text "你好，银行。Hello." -o "$work/out.flac"
"$PY" -c "import soundfile as sf, sys; d = sf.info(sys.argv[1]).duration; assert d > 0, d; print('synth ok:', d, 's')" "$work/out.flac"
rm -rf "$work"
echo "==> smoke test passed"
