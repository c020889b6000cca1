# Sourced by the other scripts: one place for paths and tool versions.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Builds survive between runs (CI clones afresh; the target dir outside the clone is reused).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genrescope/target}"
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '\n==> %s\n' "$*" >&2; }
