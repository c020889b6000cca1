#!/usr/bin/env bash
# Writes DIR/sw.js (default dist/) from web/sw.js: the files the service worker caches on
# install, and a VERSION that is a hash of every built file's name and contents. The same
# build gives the same sw.js, so browsers keep their copy; any change to a file gives a new
# version, which browsers install, and it replaces the cache of the old one.
#
#   scripts/stamp-sw.sh [DIR]
#
# Cached on install: every file but the bundle (models/, the host's to add or replace, cached
# by the worker itself), the WebGPU worker (fetched only where a GPU is used, then cached) and
# hidden files; the page's address ./ besides. scripts/site.sh runs it after each part.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir="${1:-dist}"
[ -f "$dir/index.html" ] || { echo "stamp-sw: $dir holds no built site (index.html)" >&2; exit 1; }

everything=$(cd "$dir" && find . -type f ! -name sw.js ! -path './models/*' ! -name '.*' | sed 's#^\./##' | LC_ALL=C sort)
version=$(cd "$dir" && while IFS= read -r f; do sha256sum -- "$f"; done <<<"$everything" | sha256sum | cut -c1-16)
# JSON strings: the names are trunk's and ours (letters, digits, . _ - /).
files=$(grep -v '^genrescope-gpu-worker' <<<"$everything" | sed 's/.*/"&"/' | paste -sd, -)
sed -e "s|__VERSION__|$version|" -e "s|\[/\* FILES \*/\]|[\"./\",$files]|" web/sw.js >"$dir/.sw.js.tmp"
mv "$dir/.sw.js.tmp" "$dir/sw.js"
echo "stamp-sw: $dir/sw.js, version $version, $(wc -l <<<"$everything") files"
