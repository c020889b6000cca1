#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of every parser a stranger's bytes reach
# (fuzz/fuzz_targets/). Installs the nightly toolchain and cargo-fuzz when missing.
#
#   scripts/fuzz.sh smoke [SECONDS]      every target for SECONDS (default 20) on its committed
#                                        corpus, built as `long` builds them: what
#                                        scripts/test.sh runs
#   scripts/fuzz.sh run TARGET [SECONDS] one target for SECONDS (default 600), new inputs kept in
#                                        target/fuzz-corpus/TARGET beside the committed corpus
#   scripts/fuzz.sh seeds                the seed corpora from generated fixtures (the demo
#                                        data's MP3s and metadata, a pipeline's signals,
#                                        features and bundle, ffmpeg's WAV/FLAC/OGG of them)
#   scripts/fuzz.sh cmin TARGET          minimises TARGET's committed corpus with what run found
#   scripts/fuzz.sh long TARGET RUNS     RUNS executions of TARGET (the README's figures for the
#                                        DSP-heavy targets): a build without comparison tracing,
#                                        which spends 60 % of their time in loop compares, and
#                                        inputs of at most 4 kB; new inputs kept as `run` keeps them
#
# Each input runs with libFuzzer's -rss_limit_mb=2048 and -timeout=10 (seconds); a crash, a
# panic, a time-out or an out-of-memory fails the run and leaves the input in
# fuzz/artifacts/TARGET/.

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

TARGETS=(decode load_features features tracks_csv genres_csv signals feature_store bundle worker_protocol)
# The fuzz build is nightly and instrumented: a target dir of its own, kept between runs.
export CARGO_TARGET_DIR="$HOME/.cache/genrescope/fuzz-target"
LIMITS=(-rss_limit_mb=2048 -timeout=10)

install_fuzz_tools() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    log "installing the nightly toolchain (rustup, minimal profile) for cargo-fuzz"
    rustup toolchain install nightly --profile minimal
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz (cargo install, ~2 min)"
    cargo install --locked cargo-fuzz
  fi
}

# Two builds, each instrumented, no sanitizer (the code under test is safe Rust, and ASan's
# shadow memory would eat the RSS limit), in fuzz/Cargo.toml's release profile (-O):
# `run` and `cmin` trace comparisons (libFuzzer learns the magic numbers parsers compare
# against); `smoke` and `long` do not (FAST=1), which costs the DSP-heavy targets 60 % of their
# time in loop compares. Each has its own target dir.
FAST=0
cargo_fuzz() {
  local cmd=$1
  shift
  if [ "$FAST" = 1 ]; then
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR-fast" cargo +nightly fuzz "$cmd" -O -s none --no-trace-compares --fuzz-dir fuzz "$@"
  else
    cargo +nightly fuzz "$cmd" -O -s none --fuzz-dir fuzz "$@"
  fi
}

build() {
  step "building the fuzz targets (cargo +nightly fuzz build)" "~27 min"
  cargo_fuzz build "$@"
}

run_target() {
  local target=$1 seconds=$2
  shift 2
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  cargo_fuzz run "$target" "$@" -- "${LIMITS[@]}" -max_total_time="$seconds" \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/"
}

seeds() {
  local bin="$HOME/.cache/genrescope/target/release/genrescope" work py
  work="$(mktemp -d)"
  need_apt ffmpeg ffmpeg
  [ -x "$bin" ] || cargo build --release -p genrescope --target-dir "$HOME/.cache/genrescope/target"
  py=python3
  # 3 tracks a genre (train's least), 2 s clips, 0.05 s signals: seeds of a few kB.
  "$bin" demo-data -o "$work/demo" --tracks-per-genre 3 --clip-seconds 2 >/dev/null
  "$bin" pipeline --fma "$work/demo" -o "$work/p" -e 1 --offset 0 --signal-length 0.05 \
    --features rms,zero_crossing_rate,chroma_stft >"$work/pipeline.log" 2>&1 || {
    cat "$work/pipeline.log"
    return 1
  }
  local c=fuzz/corpus
  mkdir -p "$c"/{decode,load_features,features,tracks_csv,genres_csv,signals,feature_store,bundle,worker_protocol}
  # Audio: a demo MP3 (LAME's Xing header), and cuts of it as WAV (16-bit, 8-bit, float), FLAC and Ogg Vorbis,
  # stereo and at other rates; each with the hint byte for none and for its extension.
  local mp3s=() i=0
  mapfile -t mp3s < <(find "$work/demo" -name '*.mp3' | sort | head -1)
  local src=${mp3s[0]}
  ffmpeg -loglevel error -y -t 0.1 -i "$src" -c:a pcm_s16le "$work/s16.wav"
  ffmpeg -loglevel error -y -t 0.3 -i "$src" -c:a pcm_u8 -ar 8000 "$work/u8.wav"
  ffmpeg -loglevel error -y -t 0.05 -i "$src" -c:a pcm_f32le -ac 2 -ar 48000 "$work/f32.wav"
  ffmpeg -loglevel error -y -t 0.3 -i "$src" -c:a flac "$work/a.flac"
  ffmpeg -loglevel error -y -t 0.3 -i "$src" -c:a libvorbis -q:a 0 "$work/a.ogg"
  ffmpeg -loglevel error -y -t 0.3 -i "$src" -c:a libmp3lame -b:a 32k -ar 16000 "$work/low.mp3"
  for f in "${mp3s[@]}" "$work"/{s16.wav,u8.wav,f32.wav,a.flac,a.ogg,low.mp3}; do
    local hint=0
    case "$f" in *.mp3) hint=1 ;; *.wav) hint=2 ;; *.flac) hint=3 ;; *.ogg) hint=4 ;; esac
    for h in 0 "$hint"; do
      for t in decode load_features; do
        { printf "\\x$(printf %02x "$h")"; cat "$f"; } >"$c/$t/seed-$i-$h"
      done
    done
    i=$((i + 1))
  done
  # Signals: each recipe of signal_of (fuzz/src/lib.rs) once.
  for k in 0 1 2 3 4 5 6; do
    head -c 4000 /dev/urandom | { printf "\\x0$k\\x10\\x00\\x80\\x07"; cat; } >"$c/features/seed-$k"
  done
  # Metadata, signals, features and bundle as the pipeline wrote them.
  cp "$work/demo/fma_metadata/tracks.csv" "$c/tracks_csv/seed-demo"
  cp "$work/demo/fma_metadata/genres.csv" "$c/genres_csv/seed-demo"
  cp "$(find "$work/p" -name 'batch-*.parquet' | sort | head -1)" "$c/signals/seed-demo"
  local features models
  features="$(dirname "$(find "$work/p" -path '*features*' -name manifest.json | head -1)")"
  models="$(dirname "$(find "$work/p" -path '*models*' -name manifest.json | head -1)")"
  "$py" tools/fuzz/pack.py "$c/feature_store/seed-demo" "$features"/*
  "$py" tools/fuzz/fail_row.py "$c/feature_store/seed-demo" "$c/feature_store/seed-failed-row" 1
  "$py" tools/fuzz/pack.py "$c/bundle/seed-demo" "$models"/manifest.json "$models"/*.bpk
  # The page's requests to its workers: a file, signals, tasks (worker_protocol holds the bundle).
  # The file: 3.1 s (one MusiCNN patch) of 8 kbit/s MP3 at 8 kHz, 3.3 kB, without tags.
  ffmpeg -loglevel error -y -stream_loop 2 -t 3.1 -i "$src" -ac 1 -ar 8000 -c:a libmp3lame \
    -b:a 8k -write_xing 0 -id3v2_version 0 "$work/tiny.mp3"
  "$py" tools/fuzz/worker_requests.py "$c/worker_protocol" "$work/tiny.mp3"
  du -sh "$c"/*
  rm -rf "$work"
}

case "${1:-smoke}" in
  smoke)
    install_fuzz_tools
    FAST=1
    build
    seconds=${2:-20}
    failed=()
    for t in "${TARGETS[@]}"; do
      step "fuzzing $t for $seconds s on fuzz/corpus/$t"
      # A copy of the corpus: the smoke run adds nothing to the committed one.
      scratch="$(mktemp -d)"
      cp -r "fuzz/corpus/$t/." "$scratch/" 2>/dev/null || true
      run_target "$t" "$seconds" "$scratch" 2>&1 | tail -n 12 || failed+=("$t")
      rm -rf "$scratch"
    done
    step
    [ ${#failed[@]} -eq 0 ] || { echo "fuzz: failed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2; exit 1; }
    ;;
  run)
    install_fuzz_tools
    target=${2:?which target}
    mkdir -p "target/fuzz-corpus/$target"
    run_target "$target" "${3:-600}" "target/fuzz-corpus/$target" "fuzz/corpus/$target"
    ;;
  seeds) seeds ;;
  long)
    install_fuzz_tools
    target=${2:?which target}
    runs=${3:?how many executions}
    FAST=1
    build "$target"
    mkdir -p "target/fuzz-corpus/$target" "fuzz/artifacts/$target"
    # Inputs up to 4 kB, or the largest seed's size: a seed cut short is a weaker seed.
    max_len=$(find "fuzz/corpus/$target" -type f -printf '%s\n' | sort -n | tail -1)
    [ "${max_len:-0}" -gt 4096 ] || max_len=4096
    "$CARGO_TARGET_DIR-fast/x86_64-unknown-linux-gnu/release/$target" "${LIMITS[@]}" -max_len="$max_len" \
      -runs="$runs" -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" \
      "target/fuzz-corpus/$target" "fuzz/corpus/$target"
    ;;
  cmin)
    install_fuzz_tools
    target=${2:?which target}
    all="$(mktemp -d)"
    cp -r "fuzz/corpus/$target/." "target/fuzz-corpus/$target/." "$all/"
    rm -rf "fuzz/corpus/$target" && mkdir -p "fuzz/corpus/$target"
    # Set cover: the fewest inputs that keep every covered feature.
    cargo_fuzz cmin "$target" "$all" -- "${LIMITS[@]}" -set_cover_merge=1
    cp "$all"/* "fuzz/corpus/$target/"
    rm -rf "$all"
    ;;
  *) sed -n '2,21p' "$0" >&2; exit 2 ;;
esac
