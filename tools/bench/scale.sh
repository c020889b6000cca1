#!/usr/bin/env bash
# Scale, measured (issue 17, item 5): stages 1 and 2 on synthesised demo datasets of about 500
# and 2,000 playable tracks (demo-data's generator, 30 s clips), on local folders and through a
# real S3 server on 127.0.0.1 (s3s-fs, scripts/s3-server.sh), with wall time, tracks/s per core
# and peak RSS (GNU time) of each command, and the bytes per track of every feature.
#
#   tools/bench/scale.sh [SMALL_PER_GENRE] [LARGE_PER_GENRE]     # default 63 and 250 (× 8 genres)
#
# Needs the binary with object storage (`cargo build --release -p genrescope --features cloud`,
# built here when missing) and s3s-fs (installed by scripts/s3-server.sh when missing). Writes
# under target/bench/scale/ (several GB for the large set); prints one table.
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
small=${1:-63}
large=${2:-250}
cargo build -q "${NATIVE_TESTS[@]}" --all-targets
bin="$CARGO_TARGET_DIR/release/genrescope"
out=target/bench/scale
mkdir -p "$out"
cores=$(nproc)

S3_HOME="$PWD/$out/s3" S3_BUCKET=scale bash scripts/s3-server.sh down >/dev/null 2>&1 || true
env_file=$(S3_HOME="$PWD/$out/s3" S3_BUCKET=scale bash scripts/s3-server.sh up)
trap 'S3_HOME="$PWD/$out/s3" bash scripts/s3-server.sh down >/dev/null 2>&1 || true' EXIT
bucket="$out/s3/data/scale"

# timed NAME TRACKS CMD…: one row of the table (wall s, tracks/s/core, peak RSS MB).
timed() {
  local name=$1 tracks=$2
  shift 2
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >"$out/$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').log" 2>&1
  read -r secs kb <"$out/time.txt"
  python3 -c "print(f'{\"$name\":<34} {$tracks:>6} tracks {$secs:>8.1f} s {$tracks / $secs / $cores:>8.1f} tracks/s/core {$kb / 1024:>8.0f} MB peak RSS')"
}

for per_genre in "$small" "$large"; do
  d="$out/n$per_genre"
  rm -rf "$d" "$bucket/n$per_genre"
  "$bin" demo-data -o "$d/demo" --tracks-per-genre "$per_genre" --clip-seconds 30 >/dev/null
  "$bin" generalise --metadata-path "$d/demo/fma_metadata" -o "$d/generalised" >/dev/null
  tracks=$((per_genre * 8))
  timed "transform local ($per_genre/genre)" "$tracks" \
    "$bin" transform -m "$d/generalised" -d "$d/demo/fma_small" -o "$d/signals"
  timed "extract local ($per_genre/genre)" "$tracks" \
    "$bin" extract -d "$d/signals" -o "$d/features"
  # The features take 7.3 MB a track: keep the manifest, free the disk for the S3 run's staging
  # copy and the bucket's copy.
  cp "$d/features/manifest.json" "$d/manifest.json"
  rm -rf "$d/features" "$d/signals"
  mkdir -p "$bucket/n$per_genre"
  cp -r "$d/generalised" "$d/demo/fma_small" "$bucket/n$per_genre/"
  (
    set -a
    . "$env_file"
    set +a
    export GENRESCOPE_CACHE="$PWD/$d/cache"
    timed "transform S3 ($per_genre/genre)" "$tracks" \
      "$bin" transform -m "s3://scale/n$per_genre/generalised" -d "s3://scale/n$per_genre/fma_small" \
      -o "s3://scale/n$per_genre/signals"
    timed "extract S3 ($per_genre/genre)" "$tracks" \
      "$bin" extract -d "s3://scale/n$per_genre/signals" -o "s3://scale/n$per_genre/features"
  )
  rm -rf "${bucket:?}/n$per_genre" "$d/cache"
done

# Bytes per track of every feature (float32), from the large set's manifest.
python3 - "$out/n$large/manifest.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
total = 0
for f in m["features"]:
    per = 4
    for s in f["shape"][1:]:
        per *= s
    total += per
    print(f"{f['name']:<20} {per:>10,} bytes per track")
print(f"{'all 16':<20} {total:>10,} bytes per track ({m['signal_samples']} samples, {m['rows']} rows)")
EOF
