#!/usr/bin/env bash
# Every test: native (cargo test, release; burn-wgpu on Mesa's lavapipe), the wasm-bindgen tests in headless Chromium,
# the Playwright end-to-end specs against the built site, and a short run of every fuzz target. `.ci/run` runs exactly this.
#
#   scripts/test.sh
#
# Installs what it needs first, only when missing (scripts/web-tools.sh).

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

status=0
log "formatting (cargo fmt --check)"
cargo fmt --all --check || status=1

log "clippy, warnings denied: the native workspace with the trainer's backends, and the trainer without them"
cargo clippy "${NATIVE_TESTS[@]}" --all-targets -- -D warnings || status=1
cargo clippy --release -p genrescope --all-targets -- -D warnings || status=1

log "the core without its decode feature (cargo check)"
cargo check --release -p genrescope-core --no-default-features || status=1

# Mesa's lavapipe, so burn-wgpu's test runs without a GPU; ffmpeg for `artifacts --generate-video`.
need_apt /usr/share/vulkan/icd.d/lvp_icd.x86_64.json mesa-vulkan-drivers
need_apt ffmpeg ffmpeg

# s3s-fs, the real S3 server trainer/tests/cloud.rs runs against (cargo install, once).
bash scripts/s3-server.sh install || status=1

log "native tests (cargo test --release, with the trainer's ndarray and wgpu backends and object storage)"
cargo test "${NATIVE_TESTS[@]}" || status=1

log "stages 0-3, tag and embed read back by pandas, pyarrow, numpy and scikit-learn (tests/python/check_{stage1,stage3,tags,embeddings}.py)"
# A new shell with its own `set -e`: in a subshell that `||` tests, `set -e` is off and only the
# last command's status would count.
bash -euo pipefail <<'CHECKS' || status=1
  py=$(bash scripts/python.sh)
  bin="$CARGO_TARGET_DIR/release/genrescope"
  work="$CARGO_TARGET_DIR/interop"
  rm -rf "$work"
  "$bin" demo-data -o "$work/demo" --tracks-per-genre 3 --clip-seconds 16
  "$bin" generalise --metadata-path "$work/demo/fma_metadata" -o "$work/generalised"
  "$bin" transform -m "$work/generalised" -d "$work/demo/fma_small" -o "$work/signals" --batch-size 7 2>/dev/null
  "$py" tests/python/check_stage1.py "$work/demo/fma_metadata" "$work/generalised" "$work/signals" 14 22050
  "$bin" extract -d "$work/signals" -o "$work/features"
  "$bin" train -d "$work/features" -o "$work/models" -m "$work/generalised" -e 2 >/dev/null
  "$py" tests/python/check_stage3.py "$work/features" "$work/models"
  "$bin" tag "$work/demo/fma_small" -o "$work/tags.parquet" 2>/dev/null
  "$bin" tag "$work/demo/fma_small" -o "$work/tags.jsonl" 2>/dev/null
  "$py" tests/python/check_tags.py "$work/demo/fma_small" "$work/tags.parquet" "$work/tags.jsonl"
  "$bin" embed "$work/demo/fma_small" -o "$work/embeddings.parquet" 2>/dev/null
  "$py" tests/python/check_embeddings.py "$work/embeddings.parquet" "$work/tags.parquet"
CHECKS

log "scale-out: deploy/ syntax, and the Slurm array chain on a one-node cluster (tests/scaleout/)"
(
  # The one-node cluster first, so the syntax check can ask sbatch --test-only too.
  eval "$(bash scripts/slurm.sh up)"
  trap 'bash scripts/slurm.sh down >/dev/null' EXIT
  # `set -e` does not apply inside a subshell that `||` tests: every test's status is kept.
  rc=0
  bash tests/scaleout/syntax.sh || rc=1
  GENRESCOPE_BIN="$CARGO_TARGET_DIR/release/genrescope" bash tests/scaleout/slurm_local.sh || rc=1
  GENRESCOPE_BIN="$CARGO_TARGET_DIR/release/genrescope" bash tests/scaleout/slurm_s3.sh || rc=1
  exit "$rc"
) || status=1

log "browser tests (scripts/e2e.sh)"
bash scripts/e2e.sh || status=1

log "fuzz smoke: every fuzz target for 20 s on its committed corpus (scripts/fuzz.sh smoke)"
bash scripts/fuzz.sh smoke 20 || status=1

if [ "$status" -ne 0 ]; then
  echo "test.sh: some tests failed" >&2
fi
exit "$status"
