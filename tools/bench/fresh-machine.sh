#!/usr/bin/env bash
# Times one of the two commands as on a fresh machine of this project's kind, on a disposable
# one (it removes Debian packages): a fresh clone of this repository's HEAD, a fresh HOME (so an
# empty ~/.cache/genrescope target dir and empty npm and pip caches), a fresh CARGO_HOME holding
# only rustup's proxies (no trunk, no wasm-bindgen, an empty crates.io cache), and Debian's
# chromium, chromium-driver, ffmpeg, mesa-vulkan-drivers, slurm-wlm and munge removed with the
# libraries only they needed (s3s-fs goes with the old CARGO_HOME). The Rust toolchain (with its wasm32 target), node and Python stay: the machine has them.
#
#   tools/bench/fresh-machine.sh run LOG    # until run.sh serves the page, then until the
#                                           # WebGPU worker is in place; prints both times
#   tools/bench/fresh-machine.sh test LOG   # scripts/test.sh; prints its status and time
set -u
what=$1
logf=$2
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
c=/tmp/fresh-machine-$what
rm -rf "$c"
mkdir -p "$c/home" "$c/cargo/bin"
for p in cargo cargo-clippy cargo-fmt clippy-driver rustc rustdoc rustfmt rustup; do
  ln -s "$(command -v rustup)" "$c/cargo/bin/$p"
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo env DEBIAN_FRONTEND=noninteractive apt-get remove --autoremove -y -qq \
  chromium chromium-driver ffmpeg mesa-vulkan-drivers slurm-wlm munge >/dev/null 2>&1
git clone -q "$repo" "$c/repo"
cd "$c/repo" || exit 1
# The machine's environment (its CA bundle for npm, pip and cargo), minus what would find tools.
# shellcheck disable=SC2016
env -u CARGO_TARGET_DIR HOME="$c/home" CARGO_HOME="$c/cargo" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
  PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}" PATH="$c/cargo/bin:${PYENV_ROOT:-$HOME/.pyenv}/shims:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  PORT=8765 WHAT="$what" LOG="$logf" bash -c '
    start=$(date +%s)
    if [ "$WHAT" = run ]; then
      scripts/run.sh >"$LOG" 2>&1 &
      pid=$!
      until grep -q "served in" "$LOG" 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 5; done
      echo "fresh machine: run.sh served the page after $(($(date +%s) - start)) s" | tee -a "$LOG"
      curl -sf http://127.0.0.1:8765/ >/dev/null && echo "fresh machine: the page answers" | tee -a "$LOG"
      until grep -q "complete in\|did not build" "$LOG" 2>/dev/null || ! kill -0 $pid 2>/dev/null; do sleep 5; done
      echo "fresh machine: run.sh complete (WebGPU worker) after $(($(date +%s) - start)) s" | tee -a "$LOG"
      kill $pid
      pkill -f "http.server --bind 127.0.0.1 --directory dist 8765"
    else
      scripts/test.sh >"$LOG" 2>&1
      echo "fresh machine: test.sh exit $? after $(($(date +%s) - start)) s" | tee -a "$LOG"
    fi'
