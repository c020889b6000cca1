#!/usr/bin/env bash
# Static checks of what cannot run here (no Kubernetes, no container builder) and of every
# scale-out shell script:
#   - `bash -n` and shellcheck (warnings and errors) on deploy/slurm/*, deploy/kubernetes/run.sh,
#     scripts/slurm.sh, scripts/s3-server.sh, tests/scaleout/*.sh;
#   - deploy/kubernetes/*.yaml parse, and hold together (tests/scaleout/check_manifests.py:
#     Indexed Jobs, completions = GENRESCOPE_SHARDS, --shard from JOB_COMPLETION_INDEX, AWS_*
#     from the Secret, the ConfigMap and the claim; the embedded scripts pass `sh -n`);
#   - deploy/Containerfile: stages, base images, the cargo build line, COPY sources; and the
#     workspace loads (`cargo metadata`) from exactly the files its builder stage copies;
#   - with a Slurm cluster answering (scripts/slurm.sh up), `sbatch --test-only` accepts every
#     job script's #SBATCH header.
# Installs Debian's shellcheck and python3-yaml when missing (root). Exits non-zero with one
# line `syntax: FAIL: ...` on any failure.
#
#   tests/scaleout/syntax.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
fail() {
  echo "syntax: FAIL: $*" >&2
  exit 1
}
say() { printf '==> %s\n' "$*" >&2; }

apt_install() { # apt_install PACKAGE...
  [ "$(id -u)" -eq 0 ] || return 1
  say "installing $* (apt-get)"
  { apt-get install -y -qq --no-install-recommends "$@" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; }; } \
    >/dev/null 2>&1
}

scripts=(deploy/slurm/submit.sh deploy/slurm/*.sbatch deploy/kubernetes/run.sh
  scripts/slurm.sh scripts/s3-server.sh tests/scaleout/*.sh)
for s in "${scripts[@]}"; do
  bash -n "$s" 2>/dev/null || fail "bash -n $s: $(bash -n "$s" 2>&1 | head -1)"
done
say "bash -n: ${#scripts[@]} scripts parse"

command -v shellcheck >/dev/null || apt_install shellcheck || true
if command -v shellcheck >/dev/null; then
  out=$(shellcheck -x -S warning -s bash "${scripts[@]}" 2>&1) ||
    fail "shellcheck: $(grep -m1 -E '^In ' <<<"$out") $(grep -m1 -E 'SC[0-9]+' <<<"$out")"
  say "shellcheck: no warnings"
else
  say "shellcheck: not installed (not root?), skipped"
fi

pyyaml=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import yaml' 2>/dev/null; then
    pyyaml=$p
    break
  fi
done
if [ -z "$pyyaml" ]; then
  apt_install python3-yaml || fail "no PyYAML: apt-get install python3-yaml"
  pyyaml=/usr/bin/python3
fi
context=$(mktemp -d /tmp/genrescope-context.XXXXXX)
trap 'rm -rf "$context"' EXIT
"$pyyaml" tests/scaleout/check_manifests.py "$ROOT" --context "$context" >&2 ||
  fail "deploy/kubernetes or deploy/Containerfile (above)"
if command -v cargo >/dev/null; then
  out=$(cd "$context" && env -u CARGO_TARGET_DIR cargo metadata --no-deps --offline --locked \
    --format-version 1 2>&1 >/dev/null) ||
    fail "the workspace does not load from the Containerfile's COPY set: $(tail -n 1 <<<"$out")"
  say "Containerfile: the workspace loads from the files its builder copies"
fi

if command -v sbatch >/dev/null && scontrol ping >/dev/null 2>&1; then
  for s in deploy/slurm/*.sbatch; do
    array=(--array=0-3)
    [ "$(basename "$s")" != train.sbatch ] || array=()
    # The headers ask for more CPUs than a small test machine has: override those two.
    out=$(sbatch --test-only "${array[@]}" --cpus-per-task=1 --mem=100M "$s" 2>&1) ||
      fail "sbatch --test-only $s: $(tail -n 1 <<<"$out")"
  done
  say "sbatch --test-only: every #SBATCH header accepted"
else
  say "no Slurm cluster answering (scripts/slurm.sh up): sbatch --test-only skipped"
fi
say "PASS: syntax"
