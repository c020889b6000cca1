#!/usr/bin/env bash
# All features of one 14 s signal: genrescope-core (criterion) against librosa 0.11 (warm),
# both at one thread, side by side on this machine. Prints both and the ratio.
#
# usage: tools/bench/features.sh [AUDIO_FILE]
#   AUDIO_FILE: 14 s are cut from it with librosa.load(sr=22050, duration=14);
#               without it, a synthetic 14 s signal is used.
# Needs the reference venv (.venv-ref, made here when missing, from PyPI).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$(bash tools/bench/ref-venv.sh)
out=target/bench
mkdir -p "$out"
NUMBA_CPU_NAME=generic "$venv/bin/python" - "$out/signal_14s.npy" "${1:-}" <<'PY'
import sys, numpy as np, librosa
path, audio = sys.argv[1], sys.argv[2]
if audio:
    y, _ = librosa.load(audio, sr=22050, duration=14.0)
else:
    sr, t = 22050, np.arange(14 * 22050) / 22050
    rng = np.random.default_rng(14)
    y = 0.1 * sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63, 440.0))
    y += 0.3 * np.sin(2 * np.pi * 55 * t) * np.where((t * 2) % 1 < 0.5, 1.0, 0.2)
    y += 0.05 * rng.uniform(-0.5, 0.5, t.size) * np.where((t * 4) % 1 < 0.1, 4.0, 1.0)
np.save(path, y.astype(np.float32))
PY
"$venv/bin/python" tools/bench/librosa_features.py "$out/signal_14s.npy" --json "$out/librosa.json"
GENRESCOPE_BENCH_SIGNAL="$PWD/$out/signal_14s.npy" cargo bench -q -p genrescope-core --no-default-features --bench features -- \
  --output-format bencher all_features_14s 2>/dev/null | tee "$out/rust.txt"
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
lib = json.load(open(f"{out}/librosa.json"))["median_s"]
m = re.search(r"all_features_14s\s+\.\.\.\s+bench:\s+([\d,]+) ns/iter", open(f"{out}/rust.txt").read())
rust = int(m.group(1).replace(",", "")) / 1e9
print(f"genrescope-core {rust * 1e3:.2f} ms, librosa {lib * 1e3:.1f} ms: {lib / rust:.1f}x faster")
PY
