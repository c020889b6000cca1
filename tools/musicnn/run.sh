#!/usr/bin/env bash
# Runs tools/musicnn/musicnn_tf.py (MusiCNN's TensorFlow original) in its own venv, made on
# first use: tensorflow-cpu, tf_keras and librosa from requirements.txt, then musicnn 0.1.0
# without its dependencies (it pins numpy<1.17, which no longer installs).
#
#   tools/musicnn/run.sh export /tmp/musicnn       # checkpoint variables as .npy
#   tools/musicnn/run.sh references shared/tests/reference/musicnn
#   tools/musicnn/run.sh compare target/release/genrescope ../shared/data/audio/*.mp3
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${GENRESCOPE_MUSICNN_VENV:-$HOME/.cache/genrescope/venv-musicnn}"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "making $venv (tensorflow-cpu, a few minutes)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps musicnn==0.1.0 >&2
  cp "$here/requirements.txt" "$stamp"
fi
exec "$venv/bin/python" "$here/musicnn_tf.py" "$@"
