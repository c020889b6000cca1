#!/usr/bin/env bash
# The main job on the built-in demo data: `genrescope pipeline` (stages 0-3: generalise,
# transform, extract, train) on the FMA-shaped demo dataset, into work/ (each stage skipping what
# is already done), stage 4 (`genrescope artifacts`: features, plots, predictions, MusiCNN's tags
# and a video of one test track), then the web app with the demo bundle and MusiCNN, served on
# 127.0.0.1.
#
#   scripts/run.sh            # serves on http://127.0.0.1:8080/ (PORT=… to change)
#   WORK=dir scripts/run.sh   # where the data and stage outputs go (default: work/)
#
# Installs what it needs first, only when missing (scripts/web-tools.sh).

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/web-tools.sh
. scripts/web-tools.sh

need_apt ffmpeg ffmpeg
port="${PORT:-8080}"
work="${WORK:-work}"
cargo fetch --quiet
log "building the trainer (release; the same build as test.sh's, so neither redoes the other's)"
cargo build --release --workspace --exclude genrescope-web --all-targets
bin="$CARGO_TARGET_DIR/release/genrescope"
log "demo data → $work/fma (genrescope demo-data: 30 synthesised tracks per genre)"
"$bin" demo-data -o "$work/fma" --tracks-per-genre 30
log "stages 0-3 → $work (genrescope pipeline; complete stages are skipped)"
"$bin" pipeline --fma "$work/fma" -o "$work"
log "the bundle, metrics and plots are in $work/models"
song=$(awk -F, 'NR > 1 && $6 == "test" { print $1; exit }' "$work/generalised/tracks.csv")
log "stage 4 → $work/artifacts (genrescope artifacts: track $song's features, plots, predictions, MusiCNN tags, video)"
"$bin" artifacts --song-id "$song" --metadata "$work/generalised" --server-data "$work/fma/fma_small" \
  -o "$work/artifacts" --models "$work/models" --generate-features --generate-video
log "building the web app (trunk build → dist/, MusiCNN in dist/musicnn/) with the demo bundle in dist/models/"
trunk build
mkdir -p dist/models
cp "$work/models/manifest.json" "$work/models/"*.bpk dist/models/
log "Genrescope is served at http://127.0.0.1:$port/ — open it, drop any song: MusiCNN tags it, the demo bundle guesses (Ctrl-C stops)"
exec python3 -m http.server --bind 127.0.0.1 --directory dist "$port"
