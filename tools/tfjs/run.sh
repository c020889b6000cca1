#!/usr/bin/env bash
# MusiCNN per patch in our page against TensorFlow.js's WASM backend (the runtime essentia.js
# uses), in the same headless Chromium, plain and cross-origin isolated (race.mjs).
#
#   tools/tfjs/run.sh [SITE_DIR [TRACK]]     default: target/e2e-site (scripts/e2e.sh makes it)
#                                            and a 30 s demo track
#
# Installs @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm 4.22.0 from npm into
# tools/tfjs/node_modules and exports the checkpoint's variables with tools/musicnn/run.sh
# (PyPI's tensorflow) when missing; the wasm files are served from there, nothing remote.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Paths given are relative to where the command runs; env.sh moves to the repository root.
site=$(realpath "${1:-$here/../../target/e2e-site}")
track=${2:+$(realpath "$2")}
. "$here/../../scripts/env.sh"
[ -f "$site/index.html" ] || { echo "no site at $site: run scripts/e2e.sh first" >&2; exit 1; }
[ -d tests/e2e/node_modules/playwright-core ] || (cd tests/e2e && npm ci --no-audit --no-fund)
[ -f "$here/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm" ] ||
  (cd "$here" && npm ci --no-audit --no-fund)
weights=target/tfjs/weights
[ -f "$weights/msd/dense_1__kernel.npy" ] || tools/musicnn/run.sh export "$weights" >&2
if [ -z "$track" ]; then
  cargo build --quiet --release --workspace --exclude genrescope-web --all-targets
  rm -rf target/tfjs/demo
  "$CARGO_TARGET_DIR/release/genrescope" demo-data -o target/tfjs/demo --tracks-per-genre 1 --clip-seconds 30 >/dev/null
  track=$(find target/tfjs/demo/fma_small -name '*.mp3' | sort | head -1)
fi
echo "machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); track: $track" >&2
node "$here/race.mjs" "$weights/msd" "$site" "$track"
