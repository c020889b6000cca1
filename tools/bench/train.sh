#!/usr/bin/env bash
# Stage 3 training throughput: the mel CNN on burn flex (`trainer/benches/train_throughput.rs`)
# against the same architecture in PyTorch on CPU (`tools/bench/torch_train.py`), both with two
# threads, interleaved, best of 5 runs each, on this machine.
#
# usage: tools/bench/train.sh [steps per run, default 10]
# Needs a venv with torch (.venv-torch, made here when missing; GENRESCOPE_TORCH_VENV points
# it at another). PyPI's torch wheel is large (it pulls the CUDA runtime packages).
set -euo pipefail
. "$(dirname "$0")/../../scripts/env.sh"
steps=${1:-10}
venv=${GENRESCOPE_TORCH_VENV:-.venv-torch}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch numpy
fi
cargo bench -q -p genrescope --bench train_throughput --no-run
torch_version=$("$venv/bin/python" -c "import torch; print(torch.__version__)")
echo "machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); torch $torch_version"
best_ours=0; best_torch=0
for run in 1 2 3 4 5; do
  ours=$(RAYON_NUM_THREADS=2 cargo bench -q -p genrescope --bench train_throughput -- "$steps" | awk '/samples\/s/ {print $2}')
  theirs=$("$venv/bin/python" tools/bench/torch_train.py "$steps" 2 | awk '/samples\/s/ {print $2}')
  echo "run $run: burn flex $ours samples/s, PyTorch $theirs samples/s"
  best_ours=$(python3 -c "print(max($best_ours, $ours))")
  best_torch=$(python3 -c "print(max($best_torch, $theirs))")
done
python3 -c "print(f'best of 5: burn flex {$best_ours:.1f} samples/s, PyTorch {$best_torch:.1f} samples/s, ratio {$best_ours / $best_torch:.2f}x')"
