#!/usr/bin/env bash
# Dataset-scale tagging: `genrescope tag DIR -o tags.parquet` (the whole process, every core:
# files --jobs at a time, each file's patches shared too) against the TensorFlow original in
# a loop over the same files with its MSD model loaded once (`tools/musicnn/run.sh
# bench-batch`: librosa.load, log-mel, network, TensorFlow's own thread pool), on FMA-style
# 30 s clips of demo music (real MP3s from LAME, the demo's broken files included). Ours runs
# before and after the original (the machine is shared); then every file's activations are
# compared between the two (max |Δ|, tolerance 1e-3), except the demo's MP3 with garbage
# frames on purpose, where the two decoders (symphonia, libmpg123) conceal differently.
#
# usage: tools/bench/tag_batch.sh [tracks per genre, default 25: 8 genres, 200 files]
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
cargo build --quiet --release --workspace --exclude genrescope-web --all-targets
bin="$CARGO_TARGET_DIR/release/genrescope"
per_genre=${1:-25}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" demo-data -o "$work/demo" --tracks-per-genre "$per_genre" --clip-seconds 30 >/dev/null
audio="$work/demo/fma_small"
mapfile -t files < <(find "$audio" -name '*.mp3' | sort)
echo "machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); ${#files[@]} files of 30 s"
tools/musicnn/run.sh bench "${files[0]}" >/dev/null 2>&1 # makes the venv, warms the caches
ours() {
  rm -rf "$work/tags.parquet" "$work/tags.parquet.parts"
  local t0
  t0=$(date +%s.%N)
  "$bin" tag "$audio" -o "$work/tags.parquet" 2>"$work/ours.err"
  python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')"
}
first=$(ours)
echo "genrescope tag, run 1: $first s ($(tail -1 "$work/ours.err"))"
tf=$(tools/musicnn/run.sh bench-batch "$work/tf.jsonl" "${files[@]}" 2>/dev/null | tail -1)
echo "TensorFlow original: $tf"
second=$(ours)
echo "genrescope tag, run 2: $second s"
"$bin" tag "$audio" -o "$work/tags.jsonl" 2>/dev/null
python3 - "$work/tags.jsonl" "$work/tf.jsonl" "$first" "$second" "$tf" "$work/demo/demo-tracks.json" <<'PY'
import json, os, re, sys
ours = {r["path"]: r["patches"] for r in map(json.loads, open(sys.argv[1]))}
tf = {r["path"]: r["patches"] for r in map(json.loads, open(sys.argv[2]))}
assert sorted(ours) == sorted(tf), "the two tagged different files"
broken = {t["track_id"]: t["broken"] for t in json.load(open(sys.argv[6]))}
def diff(p):
    return max(abs(a - b) for ra, rb in zip(ours[p], tf[p], strict=True)
               for a, b in zip(ra, rb, strict=True))
garbled = [p for p in ours if broken[int(os.path.basename(p)[:-4])] == "corrupt_frames"]
for p in garbled:
    print(f"{p}: garbage frames on purpose, max |Δ| = {diff(p):.1e} (not compared)")
worst = max(diff(p) for p in ours if p not in garbled)
best = min(float(sys.argv[3]), float(sys.argv[4]))
tf_s = float(re.search(r"seconds ([0-9.]+)", sys.argv[5]).group(1))
n = len(ours)
print(f"{n} files tagged by both; on the {n - len(garbled)} compared, max |genrescope - TensorFlow| = {worst:.1e} (tolerance 1e-3)")
print(f"genrescope {best:.2f} s ({n / best:.1f} files/s), TensorFlow {tf_s:.2f} s "
      f"({n / tf_s:.1f} files/s, model load not counted): {tf_s / best:.2f}x; "
      f"6,000 files of 30 s: {6000 / (n / best) / 60:.1f} min here")
assert worst <= 1e-3
PY
