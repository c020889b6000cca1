#!/usr/bin/env bash
# Installs what building (and testing) the web app needs, each piece only when missing or at
# the wrong version (so it is cheap to run every time):
#   - rustup target wasm32-unknown-unknown
#   - trunk 0.21.14                      (cargo install, ~3 min the first time)
#   - wasm-bindgen-cli at the wasm-bindgen version in Cargo.lock (cargo install, ~2 min)
#   - wasm-opt from npm's binaryen@132, in the ignored folder .tools/binaryen
#     (Debian's binaryen 108 writes modules that fail to load)
# and, unless the argument is `build` (scripts/run.sh only builds the site):
#   - Debian chromium + chromium-driver  (apt-get)
#   - tests/e2e/node_modules             (npm ci)
# Nothing is downloaded from outside the package registries.
#
# The two cargo installs build as a tool needs, not as their manifests ask: trunk's release
# profile is fat LTO with one codegen unit (7 min here); both run well at opt-level 1 without LTO,
# and neither needs TLS (trunk is offline, the test runner talks to a local chromedriver).
#
# Run it to install; source it (`. scripts/web-tools.sh [build]`) to also get wasm-opt, trunk
# and wasm-bindgen on PATH in your shell.

_gs_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_gs_bin="$_gs_root/.tools/binaryen/node_modules/.bin"

_gs_cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"

(
  set -euo pipefail
  cd "$_gs_root"
  export PATH="$_gs_bin:$_gs_cargo_bin:$PATH"
  say() { printf 'web-tools: %s\n' "$*" >&2; }
  # cargo install, built for a tool's use (see above).
  install_tool() {
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
      cargo install --quiet --no-default-features "$@"
  }
  for_tests=1
  [ "${1:-}" != build ] || for_tests=0

  trunk_version=0.21.14
  binaryen_version=132.0.0
  wbg_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
  if [ -z "$wbg_version" ]; then
    say "no wasm-bindgen in Cargo.lock; run cargo fetch first"
    exit 1
  fi

  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if [ "$(trunk --version 2>/dev/null)" != "trunk $trunk_version" ]; then
    say "installing trunk $trunk_version (cargo install, ~3 min on 2 cores)"
    install_tool "trunk@$trunk_version" --locked
  fi

  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg_version" ]; then
    # Not --locked: the CLI's lockfile pins a webpki-roots the registry no longer has.
    say "installing wasm-bindgen-cli $wbg_version (cargo install, ~2 min on 2 cores)"
    install_tool "wasm-bindgen-cli@$wbg_version"
  fi

  if ! "$_gs_bin/wasm-opt" --version 2>/dev/null | grep -q "version ${binaryen_version%%.*}"; then
    say "installing binaryen@$binaryen_version (npm) into .tools/binaryen"
    mkdir -p .tools/binaryen
    npm install --prefix .tools/binaryen --no-audit --no-fund --loglevel=error "binaryen@$binaryen_version"
  fi

  [ "$for_tests" = 1 ] || exit 0

  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian chromium and chromium-driver"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
  fi

  if ! command -v node >/dev/null; then
    say "node (>= 20) is needed for the Playwright specs"
    exit 1
  fi
  lock=tests/e2e/package-lock.json
  installed=tests/e2e/node_modules/.package-lock.json
  if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
    say "npm ci in tests/e2e"
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
) || {
  printf 'web-tools: failed\n' >&2
  return 1 2>/dev/null || exit 1
}

case ":$PATH:" in
  *":$_gs_bin:"*) ;;
  *) export PATH="$_gs_bin:$_gs_cargo_bin:$PATH" ;;
esac
unset _gs_root _gs_bin _gs_cargo_bin
