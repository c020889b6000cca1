# Sourced by the other scripts: one place for paths and tool versions.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Builds survive between runs (CI clones afresh; the target dir outside the clone is reused).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genrescope/target}"
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '\n==> %s\n' "$*" >&2; }
# need_apt PROBE PACKAGE...: installs the Debian packages when PROBE (a command or a file) is missing.
need_apt() {
  local probe=$1
  shift
  if command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; then return 0; fi
  log "installing $* (apt-get: $probe is missing)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}
