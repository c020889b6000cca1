#!/usr/bin/env bash
# The main job on the built-in default: build the web app and serve it on 127.0.0.1.
#
#   scripts/run.sh            # serves on http://127.0.0.1:8080/ (PORT=… to change)
#
# Installs what it needs first, only when missing (scripts/web-tools.sh).

# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/web-tools.sh
. scripts/web-tools.sh

port="${PORT:-8080}"
cargo fetch --quiet
log "building the web app (trunk build → dist/)"
trunk build
log "Genrescope is served at http://127.0.0.1:$port/ — open it, drop an MP3 (Ctrl-C stops)"
exec python3 -m http.server --bind 127.0.0.1 --directory dist "$port"
