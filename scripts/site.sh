#!/usr/bin/env bash
# Builds the static site into dist/ with trunk, in two parts that can run apart:
#
#   scripts/site.sh page   # index.html: the page, its analysis worker, boot.js, style.css and
#                          # MusiCNN's weights (dist/musicnn/); ~4 min on a first run
#   scripts/site.sh gpu    # web/gpu-worker/index.html: the same worker with burn-wgpu on WebGPU,
#                          # built into $CARGO_TARGET_DIR/site-gpu and moved into dist/; ~7 min
#   scripts/site.sh        # both
#
# After each part, scripts/stamp-sw.sh writes dist/sw.js (the offline copy's service worker)
# with a version from the built files, so a rebuilt site replaces what browsers cached.
#
# The page runs on flex until the WebGPU worker is there, so scripts/run.sh serves the site
# after `page` and builds `gpu` while it is served. A bundle (dist/models/) is the caller's to add.
# Tools come from scripts/web-tools.sh.

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/web-tools.sh
. scripts/web-tools.sh build || exit 1

part="${1:-all}"
case "$part" in page | gpu | all) ;; *)
  echo "usage: scripts/site.sh [page|gpu|all]" >&2
  exit 2
  ;;
esac

if [ "$part" != gpu ]; then
  # trunk replaces dist/ whole; keep a bundle and a WebGPU worker already there.
  keep=$(mktemp -d)
  for f in dist/models dist/genrescope-gpu-worker*; do
    [ -e "$f" ] && mv "$f" "$keep/"
  done
  trunk build
  for f in "$keep"/*; do
    [ -e "$f" ] && mv "$f" dist/
  done
  rmdir "$keep" 2>/dev/null || rm -rf "$keep"
fi

if [ "$part" != page ]; then
  out="$CARGO_TARGET_DIR/site-gpu"
  trunk build web/gpu-worker/index.html --dist "$out"
  mkdir -p dist
  # The module and its glue first, the loader the page starts last, each renamed into place:
  # a page never starts a loader whose wasm is missing or half-copied.
  for f in genrescope-gpu-worker_bg.wasm genrescope-gpu-worker.js genrescope-gpu-worker_loader.js; do
    cp "$out/$f" "dist/.$f.tmp"
    mv "dist/.$f.tmp" "dist/$f"
  done
fi

bash scripts/stamp-sw.sh dist
