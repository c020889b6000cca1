#!/usr/bin/env bash
# `genrescope features FILE -o DIR` as a person runs it (one process: plans, filter banks and
# bases built in the call), its own `seconds.features` from features.json (best of 3 fresh
# processes), against librosa 0.11 warm on the very signal the command analysed
# (waveform.npy), one thread. Prints both and the ratio per file.
#
# usage: tools/bench/features_cli.sh AUDIO_FILE...
# Uses the genrescope binary of the test build (scripts/env.sh's NATIVE_TESTS), building it
# when missing, and the reference venv (.venv-ref, made when missing).
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
venv=$(bash tools/bench/ref-venv.sh)
bin="$CARGO_TARGET_DIR/release/genrescope"
[ -x "$bin" ] || cargo build -q "${NATIVE_TESTS[@]}" --bin genrescope
out=target/bench/features_cli
for f in "$@"; do
  best=""
  for _ in 1 2 3; do
    rm -rf "$out"
    "$bin" features "$f" -o "$out" >/dev/null
    s=$(python3 -c "import json; print(json.load(open('$out/features.json'))['seconds']['features'])")
    best=$(python3 -c "print(min(float('$s'), float('${best:-inf}')))")
  done
  lib=$("$venv/bin/python" tools/bench/librosa_features.py "$out/waveform.npy" --json "$out/librosa.json" >/dev/null &&
    python3 -c "import json; print(json.load(open('$out/librosa.json'))['median_s'])")
  "$venv/bin/python" -c "
n = __import__('numpy').load('$out/waveform.npy').size / 22050
print(f'$(basename "$f") ({n:.1f} s): genrescope features {$best * 1e3:.1f} ms, librosa warm {$lib * 1e3:.0f} ms: {$lib / $best:.1f}x')"
done
