# Sourced by the other scripts: one place for paths and tool versions.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Builds survive between runs (CI clones afresh; the target dir outside the clone is reused).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genrescope/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The native test build (test.sh's cargo test, e2e.sh's fixtures tool): every crate but the page,
# all targets' features, the trainer's other backends (so `--backend ndarray|wgpu` are tested) and
# its `cloud` feature (object storage locations).
# scripts/run.sh builds only the `genrescope` binary, with flex alone.
NATIVE_TESTS=(--release --workspace --exclude genrescope-web --features genrescope/ndarray,genrescope/wgpu,genrescope/cloud)
log() { printf '\n==> %s\n' "$*" >&2; }
# step WHAT FIRST_RUN: logs a step with how long it takes on a fresh machine, and how long the
# step before it took.
_step_started=""
step() {
  local now
  now=$(date +%s)
  [ -z "$_step_started" ] || [ "$now" -eq "$_step_started" ] ||
    printf '    (%s)\n' "$(minutes $((now - _step_started)))" >&2
  _step_started=$now
  [ $# -lt 1 ] || log "$1${2:+ — first run: $2}"
}
# minutes SECONDS: "4 min 12 s".
minutes() { printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); }
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
