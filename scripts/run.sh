#!/usr/bin/env bash
# The main job on the built-in demo data: `genrescope pipeline` (stages 0-3: generalise,
# transform, extract, train: the 16 librosa features' CNNs and a head on MusiCNN's embedding) on
# the FMA-shaped demo dataset, into work/ (each stage skipping what is already done), stage 4
# (`genrescope artifacts`: features, plots, predictions, MusiCNN's tags and a video of one test
# track), then the web app with the demo bundle and MusiCNN, served on 127.0.0.1.
#
#   scripts/run.sh            # serves on http://127.0.0.1:8080/ (PORT=… to change)
#   WORK=dir scripts/run.sh   # where the data and stage outputs go (default: work/)
#
# Installs what it needs first, only when missing (scripts/web-tools.sh build), and builds only
# what it runs: the `genrescope` binary (flex; `--features wgpu` for GPUs, as scripts/test.sh
# builds it) and the site. Each step says how long it takes on a fresh machine (2 cores).

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

started=$(date +%s)
port="${PORT:-8080}"
work="${WORK:-work}"

step "tools: ffmpeg, the wasm32 target, trunk, wasm-bindgen-cli, wasm-opt (each only when missing)" "~5 min"
need_apt ffmpeg ffmpeg
# shellcheck source=scripts/web-tools.sh
. scripts/web-tools.sh build || exit 1
cargo fetch --quiet

step "building genrescope (cargo build --release, the binary alone)" "~6 min"
cargo build --release -p genrescope --bin genrescope
bin="$CARGO_TARGET_DIR/release/genrescope"

step "demo data → $work/fma (genrescope demo-data: 30 synthesised tracks per genre)" "~40 s"
"$bin" demo-data -o "$work/fma" --tracks-per-genre 30

# A work folder from before the dataset record (generalised/dataset.json) would give a bundle
# that does not say it learnt from synthesised music: run its stages again (about 2 minutes).
if [ -d "$work/generalised" ] && [ ! -f "$work/generalised/dataset.json" ]; then
  log "$work holds an earlier run's stages, without the dataset record: running them again"
  rm -rf "$work/generalised" "$work/signals" "$work/features" "$work/models"
fi
step "stages 0-3 → $work (genrescope pipeline; complete stages are skipped)" "~2 min"
"$bin" pipeline --fma "$work/fma" -o "$work" --features all,musicnn
log "the bundle, metrics and plots are in $work/models"

song=$(awk -F, 'NR > 1 && $6 == "test" { print $1; exit }' "$work/generalised/tracks.csv")
step "stage 4 → $work/artifacts (genrescope artifacts: track $song's features, plots, predictions, MusiCNN tags, video)" "~5 s"
"$bin" artifacts --song-id "$song" --metadata "$work/generalised" --server-data "$work/fma/fma_small" \
  -o "$work/artifacts" --models "$work/models" --generate-features --generate-video

step "building the web app (scripts/site.sh page → dist/: the page and its worker, MusiCNN in dist/musicnn/, the demo bundle in dist/models/)" "~4 min"
bash scripts/site.sh page
mkdir -p dist/models
cp "$work/models/manifest.json" "$work/models/"*.bpk dist/models/

step
python3 -m http.server --bind 127.0.0.1 --directory dist "$port" &
server=$!
trap 'kill "$server" 2>/dev/null' EXIT
log "served in $(minutes $(($(date +%s) - started))): Genrescope is at http://127.0.0.1:$port/ — open it, drop any song: MusiCNN tags it, the demo bundle guesses (Ctrl-C stops)"

step "the WebGPU worker, while the page is served (scripts/site.sh gpu; until it is in place the page runs on flex; log: $work/site-gpu.log)" "~7 min"
if bash scripts/site.sh gpu >"$work/site-gpu.log" 2>&1; then
  step
  log "complete in $(minutes $(($(date +%s) - started))): the WebGPU worker is in dist/, used by browsers that offer a GPU"
else
  log "the WebGPU worker did not build (see $work/site-gpu.log); the page goes on with flex"
fi
wait "$server"
