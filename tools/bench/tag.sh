#!/usr/bin/env bash
# MusiCNN tagging time per minute of audio: `genrescope tag` (burn flex, native, 2 threads)
# against the TensorFlow original (`tools/musicnn/run.sh bench`: librosa.load, float32 log-mel,
# the package's MSD graph, TensorFlow's own thread pool), interleaved, best of 5 each, on the
# same 60 s MP3 of demo music. Ours is timed as a user runs it (process start, weights, decode,
# resample, log-mel, network); the original's model is loaded once, outside its timing.
# With a built site (dist/) and Chromium, it also times the page (tests/e2e/time-page.mjs):
# the worker's `tags` step (resample, log-mel, network; wasm, one thread).
#
# usage: tools/bench/tag.sh [audio file, default: a 60 s demo track]
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
cargo build --quiet --release --workspace --exclude genrescope-web --all-targets
bin="$CARGO_TARGET_DIR/release/genrescope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=${1:-}
if [ -z "$file" ]; then
  "$bin" demo-data -o "$work/demo" --tracks-per-genre 1 --clip-seconds 60 >/dev/null
  file=$(find "$work/demo/fma_small" -name '*.mp3' | sort | head -1)
fi
echo "machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); file: $file"
tools/musicnn/run.sh bench "$file" 2>/dev/null >/dev/null # makes the venv, warms the disk cache
best_ours=1e9; best_tf=1e9
for run in 1 2 3 4 5; do
  t0=$(date +%s.%N)
  RAYON_NUM_THREADS=2 "$bin" tag "$file" --json >/dev/null
  ours=$(python3 -c "print($(date +%s.%N) - $t0)")
  best_ours=$(python3 -c "print(min($best_ours, $ours))")
  line=$(tools/musicnn/run.sh bench "$file" 2>/dev/null | tail -1)
  tf=$(awk '{print $NF}' <<<"$line")
  best_tf=$(python3 -c "print(min($best_tf, $tf))")
  echo "run $run: genrescope tag $(printf %.3f "$ours") s, TensorFlow original $tf s ($line)"
done
minutes=$("$bin" tag "$file" --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)['patches']) * 2.992 / 60)")
python3 -c "
m = $minutes
print(f'best of 5, per minute of audio: genrescope {$best_ours / m:.2f} s, TensorFlow {$best_tf / m:.2f} s; TensorFlow time / ours = {$best_tf / $best_ours:.2f}')"
if [ -f dist/musicnn/msd_musicnn.bpk ] && [ -x /usr/bin/chromium ] && [ -d tests/e2e/node_modules ]; then
  (cd tests/e2e && node time-page.mjs ../../dist "$file") | tee "$work/page.txt"
  python3 - "$work/page.txt" "$minutes" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
steps = dict(json.loads(re.search(r"worker steps \(ms\) (\[.*\])", text).group(1)))
print(f"page (wasm, Chromium): tags step {steps['tags'] / 1000:.2f} s, "
      f"{steps['tags'] / 1000 / float(sys.argv[2]):.2f} s per minute of audio")
PY
fi
