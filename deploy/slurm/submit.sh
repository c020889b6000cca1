#!/usr/bin/env bash
# Submits Genrescope's stages to Slurm as array jobs, chained by dependencies.
#
#   deploy/slurm/submit.sh [pipeline]   transform (array) → extract (array) → train (one job)
#   deploy/slurm/submit.sh transform    only stage 1's array (or the tasks in GENRESCOPE_ARRAY)
#   deploy/slurm/submit.sh extract      only stage 2's array
#   deploy/slurm/submit.sh train        only the train job
#   deploy/slurm/submit.sh tag          batch tagging with MusiCNN (array)
#
# Prints one `stage=JOBID` line per job submitted on stdout (everything else goes to stderr), e.g.
#   transform=41  extract=42  train=43
#
# The chain: `sbatch --array=0-(N-1) transform.sbatch`; extract's array with
# `--dependency=aftercorr:<transform>`: extract task I starts as soon as transform task I has
# succeeded (it reads only that shard), so shards flow through without waiting for the slowest
# transform task, and a failed transform task holds back only its own extract task (`afterok` on
# the array would wait for every task); train with `--dependency=afterok:<extract>`, which on an
# array's id means every task of it succeeded. With `--kill-on-invalid-dep=yes` (the default
# here) a failed or cancelled task cancels what waits on it instead of leaving it pending for
# ever (reason DependencyNeverSatisfied); every stage is resumable, so fixing the cause and
# running this again redoes only the unfinished shards.
#
# Knobs (environment variables; defaults in brackets):
#   GENRESCOPE_BIN          the genrescope binary, visible at this path on every node [genrescope on PATH]
#   GENRESCOPE_SHARDS       N, the shard count: array tasks per stage [4]
#   GENRESCOPE_ARRAY        which task ids to submit for a single stage, e.g. "3" or "1,5" to
#                           resubmit some [0-(N-1)]
#   GENRESCOPE_MAX_RUNNING  at most this many tasks of an array at once (sbatch's `%M`) [no limit]
#   GENRESCOPE_METADATA     generalise's folder (transform and train) [work/generalised]
#   GENRESCOPE_AUDIO        the audio root, FMA's 000/000002.mp3 layout [work/fma/fma_small]
#   GENRESCOPE_SIGNALS      stage 1's output [work/signals]
#   GENRESCOPE_FEATURES     stage 2's output [work/features]
#   GENRESCOPE_MODELS       stage 3's output [work/models]
#   GENRESCOPE_EPOCHS       epochs per model [12]
#   GENRESCOPE_TAG_INPUT    `tag`: audio files and folders, space-separated [$GENRESCOPE_AUDIO]
#   GENRESCOPE_TAG_OUTPUT   `tag`: tags.parquet or tags.jsonl [work/tags.parquet]
#   GENRESCOPE_TRANSFORM_ARGS, GENRESCOPE_EXTRACT_ARGS, GENRESCOPE_TRAIN_ARGS, GENRESCOPE_TAG_ARGS
#                           more flags for that stage, split on spaces ("--signal-length 14")
#   GENRESCOPE_PARTITION    the partition [the cluster's default]
#   GENRESCOPE_CPUS         CPUs per array task, also its --jobs [2]
#   GENRESCOPE_MEM          memory per array task [4G]
#   GENRESCOPE_TIME         time limit per array task [02:00:00]
#   GENRESCOPE_TRAIN_CPUS, GENRESCOPE_TRAIN_MEM, GENRESCOPE_TRAIN_TIME   the train job's [4, 8G, 08:00:00]
#   GENRESCOPE_LOGS         the folder of the jobs' stdout/stderr [slurm-logs]
#   GENRESCOPE_AFTER        a dependency for the first job submitted, e.g. "afterok:1234"
#   GENRESCOPE_KILL_ON_INVALID_DEP   yes|no [yes]
#   GENRESCOPE_SBATCH_ARGS  more sbatch flags for every job (--account, --qos, --constraint)
#   GENRESCOPE_ENV_FILE     a file (mode 0600) each task sources before it runs, holding the
#                           object store's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
#                           AWS_ENDPOINT_URL, AWS_ALLOW_HTTP (scripts/s3-server.sh writes one).
#                           The values then never pass through slurmctld. Exported in this shell
#                           instead, the same variables pass through too (sbatch --export=ALL;
#                           Slurm then keeps them in its state folder with the job). Nothing here
#                           or in the job scripts prints their values.
# Paths without "://" are made absolute; URLs (s3://bucket/prefix) are passed as they are.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:-pipeline}"
die() {
  echo "submit.sh: $*" >&2
  exit 2
}
case "$mode" in
pipeline | transform | extract | train | tag) ;;
-h | --help)
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
  ;;
*) die "unknown mode '$mode': pipeline, transform, extract, train or tag" ;;
esac
command -v sbatch >/dev/null || die "no sbatch on PATH (scripts/slurm.sh up starts a local cluster)"

# abs PATH: absolute for a local path, unchanged for a URL.
abs() {
  case "$1" in
  *://*) printf '%s' "$1" ;;
  /*) printf '%s' "$1" ;;
  *) printf '%s/%s' "$PWD" "$1" ;;
  esac
}
# need_input NAME: the variable's location must exist when it is local.
need_input() {
  local value="${!1}"
  case "$value" in *://*) return 0 ;; esac
  [ -e "$value" ] || die "$1=$value does not exist"
}

bin="${GENRESCOPE_BIN:-genrescope}"
if [[ "$bin" != */* ]]; then bin="$(command -v "$bin" || true)"; fi
[ -n "$bin" ] && [ -x "$bin" ] || die "no genrescope binary (set GENRESCOPE_BIN=/path/to/genrescope)"
GENRESCOPE_BIN="$(abs "$bin")"
export GENRESCOPE_BIN
export GENRESCOPE_SHARDS="${GENRESCOPE_SHARDS:-4}"
[[ "$GENRESCOPE_SHARDS" =~ ^[1-9][0-9]*$ ]] || die "GENRESCOPE_SHARDS=$GENRESCOPE_SHARDS is not a positive integer"
GENRESCOPE_METADATA="$(abs "${GENRESCOPE_METADATA:-work/generalised}")"
export GENRESCOPE_METADATA
GENRESCOPE_AUDIO="$(abs "${GENRESCOPE_AUDIO:-work/fma/fma_small}")"
export GENRESCOPE_AUDIO
GENRESCOPE_SIGNALS="$(abs "${GENRESCOPE_SIGNALS:-work/signals}")"
export GENRESCOPE_SIGNALS
GENRESCOPE_FEATURES="$(abs "${GENRESCOPE_FEATURES:-work/features}")"
export GENRESCOPE_FEATURES
GENRESCOPE_MODELS="$(abs "${GENRESCOPE_MODELS:-work/models}")"
export GENRESCOPE_MODELS
export GENRESCOPE_EPOCHS="${GENRESCOPE_EPOCHS:-12}"
GENRESCOPE_TAG_OUTPUT="$(abs "${GENRESCOPE_TAG_OUTPUT:-work/tags.parquet}")"
export GENRESCOPE_TAG_OUTPUT
if [ -n "${GENRESCOPE_TAG_INPUT:-}" ]; then
  inputs=()
  for input in $GENRESCOPE_TAG_INPUT; do inputs+=("$(abs "$input")"); done
  export GENRESCOPE_TAG_INPUT="${inputs[*]}"
else
  export GENRESCOPE_TAG_INPUT="$GENRESCOPE_AUDIO"
fi
if [ -n "${GENRESCOPE_ENV_FILE:-}" ]; then
  [ -r "$GENRESCOPE_ENV_FILE" ] || die "cannot read GENRESCOPE_ENV_FILE=$GENRESCOPE_ENV_FILE"
  GENRESCOPE_ENV_FILE="$(abs "$GENRESCOPE_ENV_FILE")"
  export GENRESCOPE_ENV_FILE
fi
logs="$(abs "${GENRESCOPE_LOGS:-slurm-logs}")"
mkdir -p "$logs"

array="${GENRESCOPE_ARRAY:-0-$((GENRESCOPE_SHARDS - 1))}"
[ -z "${GENRESCOPE_MAX_RUNNING:-}" ] || array="$array%$GENRESCOPE_MAX_RUNNING"
common=(--parsable --export=ALL "--kill-on-invalid-dep=${GENRESCOPE_KILL_ON_INVALID_DEP:-yes}")
[ -z "${GENRESCOPE_PARTITION:-}" ] || common+=("--partition=$GENRESCOPE_PARTITION")
# shellcheck disable=SC2206 # split on purpose
[ -z "${GENRESCOPE_SBATCH_ARGS:-}" ] || common+=(${GENRESCOPE_SBATCH_ARGS})
task=(--array="$array" --cpus-per-task="${GENRESCOPE_CPUS:-2}" --mem="${GENRESCOPE_MEM:-4G}"
  --time="${GENRESCOPE_TIME:-02:00:00}")
after="${GENRESCOPE_AFTER:-}"

# submit STAGE DEPENDENCY SBATCH_ARGS...: prints the job id.
submit() {
  local stage=$1 dependency=$2 out id
  shift 2
  out="$logs/genrescope-$stage-%A_%a.out"
  [ "$stage" != train ] || out="$logs/genrescope-train-%j.out"
  local args=("${common[@]}" --job-name="genrescope-$stage" --output="$out" "$@")
  [ -z "$dependency" ] || args+=(--dependency="$dependency")
  id=$(sbatch "${args[@]}" "$here/$stage.sbatch") || die "sbatch refused the $stage job"
  id="${id%%;*}" # --parsable prints "id" or "id;cluster"
  echo "$stage=$id"
  echo "submitted $stage as job $id${dependency:+ (after $dependency)}" >&2
  last=$id
}

# Which object-store variables the tasks will see: names only, never values.
store=()
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL AWS_ALLOW_HTTP; do
  [ -z "${!v:-}" ] || store+=("$v")
done
[ ${#store[@]} -eq 0 ] || echo "object store variables passed through: ${store[*]}" >&2
[ -z "${GENRESCOPE_ENV_FILE:-}" ] || echo "each task sources $GENRESCOPE_ENV_FILE" >&2

last=""
case "$mode" in
pipeline)
  need_input GENRESCOPE_METADATA
  need_input GENRESCOPE_AUDIO
  [ -z "${GENRESCOPE_ARRAY:-}" ] || die "GENRESCOPE_ARRAY is for a single stage, not the pipeline"
  submit transform "$after" "${task[@]}"
  transform=$last
  submit extract "aftercorr:$transform" "${task[@]}"
  submit train "afterok:$last" --cpus-per-task="${GENRESCOPE_TRAIN_CPUS:-4}" \
    --mem="${GENRESCOPE_TRAIN_MEM:-8G}" --time="${GENRESCOPE_TRAIN_TIME:-08:00:00}"
  ;;
transform)
  need_input GENRESCOPE_METADATA
  need_input GENRESCOPE_AUDIO
  submit transform "$after" "${task[@]}"
  ;;
extract)
  submit extract "$after" "${task[@]}"
  ;;
train)
  need_input GENRESCOPE_METADATA
  submit train "$after" --cpus-per-task="${GENRESCOPE_TRAIN_CPUS:-4}" \
    --mem="${GENRESCOPE_TRAIN_MEM:-8G}" --time="${GENRESCOPE_TRAIN_TIME:-08:00:00}"
  ;;
tag)
  for input in $GENRESCOPE_TAG_INPUT; do
    case "$input" in *://*) ;; *) [ -e "$input" ] || die "GENRESCOPE_TAG_INPUT: $input does not exist" ;; esac
  done
  submit tag "$after" "${task[@]}"
  ;;
esac
echo "logs in $logs; watch with: squeue -u $(id -un)" >&2
