#!/usr/bin/env bash
# Decode + resample of a 14 s window, each half apart and the whole load: genrescope-core
# (examples/load_profile.rs) against librosa.load's halves (libsndfile, soxr_hq), one thread,
# side by side on this machine. Prints both and the ratios.
#
# usage: tools/bench/load.sh AUDIO_FILE...
# Needs the reference venv (.venv-ref, made here when missing, from PyPI).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$(bash tools/bench/ref-venv.sh)
cargo build -q --release -p genrescope-core --no-default-features --features decode --example load_profile
bin="${CARGO_TARGET_DIR:-target}/release/examples/load_profile"
for f in "$@"; do
  export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
  ours=$("$bin" "$f")
  theirs=$("$venv/bin/python" tools/bench/librosa_load_halves.py "$f")
  python3 - "$f" "$ours" "$theirs" <<'PY'
import json, os, sys
name, ours, theirs = os.path.basename(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
parts = [("decode", "decode_ms"), ("resample", "resample_ms"), ("load", "load_ms")]
print(f"{name} ({ours['sample_rate']} Hz): " + "; ".join(
    f"{label} {ours[k]:.2f} ms vs {theirs[k]:.2f} ms ({theirs[k] / ours[k]:.2f}x)" for label, k in parts))
PY
done
