#!/usr/bin/env bash
# Prints the reference venv's path (librosa 0.11 and the packages named), making it from PyPI
# when it is missing or lacks one of them: the Python side of every benchmark here.
#
# usage: venv=$(bash tools/bench/ref-venv.sh [PACKAGE...])   (GENRESCOPE_REF_VENV overrides .venv-ref)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${GENRESCOPE_REF_VENV:-.venv-ref}
imports=$(printf ', %s' librosa "$@")
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ${imports:2}" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q -r tools/reference/requirements.txt "$@" >&2
fi
echo "$venv"
