#!/usr/bin/env bash
# Makes the test venv (numpy, pandas, pyarrow from tests/python/requirements.txt) when missing
# or out of date, and prints its python. The venv lives beside the target dir, so it survives
# fresh clones.
#
#   py=$(bash scripts/python.sh)
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
venv="${GENRESCOPE_TEST_VENV:-$HOME/.cache/genrescope/venv-test}"
req=tests/python/requirements.txt
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$stamp"; then
  log "python test venv ($venv)"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
