#!/usr/bin/env bash
# Stage 1 throughput on the demo data: `genrescope transform` (decode, resample, cut, write
# Parquet) against librosa.load(path, sr=22050, offset, duration=14) on the same files (load
# only, nothing written), each with 1 and 2 workers, side by side on this machine.
#
# usage: tools/bench/transform.sh [OFFSET]   (default 0; the demo clips are 30 s)
# Needs the reference venv (.venv-ref, made here when missing, from PyPI); set
# GENRESCOPE_REF_VENV to use another venv with librosa 0.11.
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
offset=${1:-0}
venv=$(bash tools/bench/ref-venv.sh)
cargo build -q --release -p genrescope
bin="$CARGO_TARGET_DIR/release/genrescope"
out=target/bench/transform
mkdir -p "$out"
"$bin" demo-data -o "$out/demo" >/dev/null
"$bin" generalise --metadata-path "$out/demo/fma_metadata" -o "$out/generalised" >/dev/null
mapfile -t files < <(find "$out/demo/fma_small" -name '*.mp3' -size +0 | sort)
echo "files: ${#files[@]} (demo data, 30 s clips), window: offset $offset s, 14 s, 22,050 Hz"
for jobs in 1 2; do
  best=
  for run in 1 2 3 4 5; do
    rm -rf "$out/signals"
    start=$(date +%s.%N)
    "$bin" transform -m "$out/generalised" -d "$out/demo/fma_small" -o "$out/signals" \
      --jobs "$jobs" --offset "$offset" >/dev/null 2>&1
    end=$(date +%s.%N)
    t=$(python3 -c "print($end - $start)")
    best=$(python3 -c "print(min(x for x in [$t, ${best:-1e9}]))")
  done
  ours=$(python3 -c "print(${#files[@]} / $best)")
  lib=$(NUMBA_CPU_NAME=generic "$venv/bin/python" tools/bench/librosa_load.py --jobs "$jobs" \
    --repeat 5 --offset "$offset" "${files[@]}" | python3 -c "import json,sys; print(json.load(sys.stdin)['tracks_per_s'])")
  python3 -c "print(f'jobs {$jobs}: genrescope transform {$ours:.1f} tracks/s, librosa.load {$lib:.1f} tracks/s: {$ours / $lib:.2f}x')"
done
