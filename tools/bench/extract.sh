#!/usr/bin/env bash
# Stage 2 throughput on the demo data: `genrescope extract` (all 16 features, .npy written)
# against librosa 0.11 computing the same features (nothing written), with 1 and 2 workers,
# side by side on this machine.
#
# usage: tools/bench/extract.sh
# Needs the reference venv with librosa and pyarrow (.venv-ref, made here when missing);
# GENRESCOPE_REF_VENV points it at another.
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
venv=$(bash tools/bench/ref-venv.sh pyarrow)
cargo build -q --release -p genrescope
bin="$CARGO_TARGET_DIR/release/genrescope"
out=target/bench/extract
mkdir -p "$out"
"$bin" demo-data -o "$out/demo" >/dev/null
"$bin" generalise --metadata-path "$out/demo/fma_metadata" -o "$out/generalised" >/dev/null
"$bin" transform -m "$out/generalised" -d "$out/demo/fma_small" -o "$out/signals" >/dev/null 2>&1
for jobs in 1 2; do
  rm -rf "$out/features"
  start=$(date +%s.%N)
  "$bin" extract -d "$out/signals" -o "$out/features" --jobs "$jobs" > "$out/extract.txt"
  end=$(date +%s.%N)
  rows=$(python3 -c "import json; print(json.load(open('$out/features/manifest.json'))['rows'])")
  bytes=$(du -sb "$out/features" | cut -f1)
  ours=$(python3 -c "print($rows / ($end - $start))")
  lib=$("$venv/bin/python" tools/bench/librosa_extract.py "$out/signals" --jobs "$jobs" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['tracks_per_s'])")
  python3 -c "print(f'jobs {$jobs}: genrescope extract {$ours:.1f} tracks/s ({$rows} tracks, {$bytes / 1e9:.2f} GB of .npy written), librosa {$lib:.2f} tracks/s: {$ours / $lib:.1f}x')"
done
