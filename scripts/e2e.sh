#!/usr/bin/env bash
# The web chain, end to end: build the site with trunk, write the MP3 fixtures with LAME,
# run the wasm-bindgen tests in headless Chromium and the Playwright specs against dist/.
#
#   scripts/e2e.sh
#
# Tools are installed first when missing (scripts/web-tools.sh). Both test suites run even
# when the first fails; the exit code says whether everything passed. Screenshots land in
# target/e2e-artifacts/.

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/web-tools.sh
. scripts/web-tools.sh

step() { log "$*"; }
elapsed() { printf '    (%s s)\n' "$(($(date +%s) - $1))"; }

# trunk runs cargo --offline; settle Cargo.lock while the registry is reachable.
cargo fetch --quiet

step "trunk build → dist/"
t=$(date +%s)
trunk build
elapsed "$t"
for wasm in dist/*.wasm; do
  printf '    %s: %s bytes, %s gzipped\n' "$wasm" "$(wc -c <"$wasm")" "$(gzip -9c "$wasm" | wc -c)"
done

step "fixtures (make-mp3) → target/e2e-fixtures/"
# The fixtures tool links the trainer library (burn). Built as `cargo test --workspace` builds
# (release, all targets, so with the same dev-dependency features) it reuses test.sh's build;
# `cargo run -p genrescope-e2e` alone would resolve other features and rebuild burn.
cargo build --quiet --release --workspace --exclude genrescope-web --all-targets
"$CARGO_TARGET_DIR/release/make-mp3" target/e2e-fixtures

step "a demo bundle, the site with it (target/e2e-site/) and the CLI's answers for the MP3"
t=$(date +%s)
bin="$CARGO_TARGET_DIR/release/genrescope"
fx=target/e2e-fixtures
# 3 tracks a genre, 2 epochs: small, but a real bundle of all 16 models (stages skip when done).
"$bin" demo-data -o "$fx/demo" --tracks-per-genre 3 --clip-seconds 16 >/dev/null
"$bin" pipeline --fma "$fx/demo" -o "$fx/work" -e 2 >"$fx/pipeline.log" 2>&1 || { cat "$fx/pipeline.log"; exit 1; }
rm -rf target/e2e-site "$fx/cli"
cp -r dist target/e2e-site
mkdir -p target/e2e-site/models
cp "$fx/work/models/manifest.json" "$fx/work/models/"*.bpk target/e2e-site/models/
"$bin" features "$fx/fixture.mp3" -o "$fx/cli/features" 2>/dev/null
"$bin" artifacts -i "$fx/fixture.mp3" -o "$fx/cli/artifacts" --models "$fx/work/models" 2>/dev/null
"$bin" tag "$fx/fixture.mp3" --model msd --json >"$fx/cli/tags-msd.json"
elapsed "$t"

failed=()

step "wasm-bindgen tests in headless Chromium"
t=$(date +%s)
# With the WebGPU build, so MusiCNN is checked on WebGPU too (SwiftShader's software adapter:
# minutes, where the runner's default timeout is 20 s).
if ! CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=600 \
  cargo test --target wasm32-unknown-unknown -p genrescope-web --features webgpu; then
  failed+=("wasm-bindgen tests")
fi
elapsed "$t"

step "Playwright specs (node --test)"
t=$(date +%s)
if ! (cd tests/e2e && node --test --test-reporter=spec --test-concurrency=1 specs/*.test.mjs); then
  failed+=("Playwright specs")
fi
elapsed "$t"

if [ ${#failed[@]} -gt 0 ]; then
  printf '\ne2e: failed: %s\n' "${failed[*]}" >&2
  exit 1
fi
printf '\ne2e: all passed\n'
