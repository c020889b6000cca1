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
. scripts/web-tools.sh || exit 1

# trunk runs cargo --offline; settle Cargo.lock while the registry is reachable.
cargo fetch --quiet

step "the site → dist/ (scripts/site.sh: trunk build of the page and of the WebGPU worker)"
bash scripts/site.sh
for wasm in dist/*.wasm; do
  printf '    %s: %s bytes, %s gzipped\n' "$wasm" "$(wc -c <"$wasm")" "$(gzip -9c "$wasm" | wc -c)"
done

step "the core with its burn models and without its decoder, for the browser (cargo build --target wasm32-unknown-unknown)"
# In trunk's profile: burn and every other dependency come from the page's build just made.
cargo build --quiet --target wasm32-unknown-unknown --profile wasm-release -p genrescope-core \
  --no-default-features --features model

step "clippy on the page for wasm32, warnings denied (its lib, bins and browser tests, on the site's build)"
cargo clippy --quiet --release --target wasm32-unknown-unknown -p genrescope-web --features webgpu \
  --bins --lib --tests -- -D warnings || failed_clippy=1

step "fixtures (make-mp3) → target/e2e-fixtures/"
# The fixtures tool links the trainer library (burn). Built as test.sh's `cargo test` builds
# (NATIVE_TESTS, all targets, so with the same dev-dependency features; the benches compile
# here) it reuses that build; `cargo run -p genrescope-e2e` alone would resolve other features
# and rebuild burn.
cargo build --quiet "${NATIVE_TESTS[@]}" --all-targets
"$CARGO_TARGET_DIR/release/make-mp3" target/e2e-fixtures

step "a demo bundle, the site with it (target/e2e-site/) and the CLI's answers for the MP3"
bin="$CARGO_TARGET_DIR/release/genrescope"
fx=target/e2e-fixtures
# 3 tracks a genre, 2 epochs: small, but a real bundle of all 16 models (stages skip when done).
"$bin" demo-data -o "$fx/demo" --tracks-per-genre 3 --clip-seconds 16 >/dev/null
"$bin" pipeline --fma "$fx/demo" -o "$fx/work" -e 2 --features all,musicnn >"$fx/pipeline.log" 2>&1 || { cat "$fx/pipeline.log"; exit 1; }
rm -rf target/e2e-site "$fx/cli"
cp -r dist target/e2e-site
mkdir -p target/e2e-site/models
cp "$fx/work/models/manifest.json" "$fx/work/models/"*.bpk target/e2e-site/models/
"$bin" features "$fx/fixture.mp3" -o "$fx/cli/features" 2>/dev/null
"$bin" artifacts -i "$fx/fixture.mp3" -o "$fx/cli/artifacts" --models "$fx/work/models" 2>/dev/null
"$bin" tag "$fx/fixture.mp3" --model msd --json >"$fx/cli/tags-msd.json"

failed=()
if [ "${failed_clippy:-0}" -ne 0 ]; then
  failed+=("clippy (wasm32)")
fi

step "wasm-bindgen tests in headless Chromium"
# With the WebGPU build, so MusiCNN is checked on WebGPU too (SwiftShader's software adapter:
# minutes, where the runner's default timeout is 20 s). In trunk's profile with the GPU worker's
# features, so the tests reuse trunk's build of every dependency.
if ! CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=600 \
  cargo test --target wasm32-unknown-unknown --profile wasm-release -p genrescope-web --features webgpu --lib; then
  failed+=("wasm-bindgen tests")
fi

step "Playwright specs (node --test)"
if ! (cd tests/e2e && node --test --test-reporter=spec --test-concurrency=1 specs/*.test.mjs); then
  failed+=("Playwright specs")
fi
step

if [ ${#failed[@]} -gt 0 ]; then
  printf '\ne2e: failed: %s\n' "${failed[*]}" >&2
  exit 1
fi
printf '\ne2e: all passed\n'
