#!/usr/bin/env bash
# deploy/slurm/ on a real one-node Slurm cluster (scripts/slurm.sh) with every location in a real
# S3 server (scripts/s3-server.sh: s3s-fs on a free port of 127.0.0.1, its own folder, stopped at
# the end); the tasks get the credentials from GENRESCOPE_ENV_FILE (the server's 0600 env file),
# never through this shell's environment or slurmctld:
#   1. submit.sh's chain — transform (4-task array) → extract (4-task array) → train — with
#      s3:// metadata, audio, signals, features and models; every task must end COMPLETED; the
#      shards' signals and features (read back from the server's folder) must equal a
#      single-machine local `transform` + `extract` bit for bit, track for track; train must
#      write models/manifest.json into the bucket.
#   2. cancel and resubmit: a 2-task transform array over a slower input into s3://; one task is
#      scancel'ed after its first batch object appears, then resubmitted alone
#      (GENRESCOPE_ARRAY=1); it must complete, resuming the batches it had finished; no
#      temporary or partial object may be visible in the bucket, every batch-*.parquet object
#      must be a whole Parquet file, and the union must equal a single-machine `transform`.
#   3. no credential value appears in any Slurm job log, Slurm's own logs and state, submit.sh's
#      output or any object written.
#
#   tests/scaleout/slurm_s3.sh
#
# Brings the cluster up when it is not (and down again at the end, only then). Needs a genrescope
# built with `--features cloud`, and s3s-fs (scripts/s3-server.sh install). Knobs:
#   GENRESCOPE_BIN   a built genrescope binary (default: cargo build --release -p genrescope)
#   SCALEOUT_WORK    the work folder (default: a new folder under /tmp, removed after a pass)
#   SCALEOUT_TIMEOUT seconds to wait for each set of jobs (default 150)
# Exits non-zero with one line `slurm_s3: FAIL: ...` on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SCALEOUT_NAME=slurm_s3
# shellcheck source=tests/scaleout/lib.sh
. tests/scaleout/lib.sh
scaleout_setup

# --- the S3 server, in a folder of this test's ---------------------------------------------------
export S3_HOME="$work/s3" S3_BUCKET=scaleout
unset S3_PORT # a free port
scaleout_on_exit() { scripts/s3-server.sh down >/dev/null 2>&1; }
say "starting s3s-fs (scripts/s3-server.sh up)"
env_file=$(scripts/s3-server.sh up 2>"$work/s3-server.log") ||
  fail "scripts/s3-server.sh up failed: $(tail -n 1 "$work/s3-server.log")"
bucket="$S3_HOME/data/$S3_BUCKET" # the bucket's objects, as plain files
s3="s3://$S3_BUCKET"
# The values, to look for them in what the jobs wrote; never printed, never exported. Nothing in
# this shell's environment may carry them to the tasks either (sbatch --export=ALL).
key=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$env_file")
secret=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$env_file")
[ ${#key} -ge 16 ] && [ ${#secret} -ge 16 ] || fail "the env file $env_file holds no key pair"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION \
  AWS_ENDPOINT_URL AWS_ALLOW_HTTP
export GENRESCOPE_CACHE="$work/cache" # the tasks' object cache and staging folders

# --- 1. the chain through S3 -------------------------------------------------------------------------
say "demo data, generalise, and the single-machine local reference (transform, extract)"
make_demo
mkdir -p "$work/local"
"$G" transform -m "$work/generalised" -d "$work/fma/fma_small" -o "$work/local/signals" \
  --signal-length 3 >"$work/local/transform.log" 2>&1 || fail "local transform failed: $work/local/transform.log"
"$G" extract -d "$work/local/signals" -o "$work/local/features" >"$work/local/extract.log" 2>&1 ||
  fail "local extract failed: $work/local/extract.log"
# Uploading: s3s-fs serves the files under its bucket folder as the bucket's objects.
cp -r "$work/generalised" "$bucket/generalised"
cp -r "$work/fma/fma_small" "$bucket/fma_small"

say "submitting transform → extract → train (4 shards), every location in $s3"
export GENRESCOPE_BIN="$G" GENRESCOPE_LOGS="$work/slurm-logs" GENRESCOPE_ENV_FILE="$env_file"
submit_chain "$s3/generalised" "$s3/fma_small" "$s3"
grep -q "each task sources $env_file" "$work/submit.log" || fail "submit.sh did not pass GENRESCOPE_ENV_FILE on"
! grep -q 'object store variables passed through' "$work/submit.log" ||
  fail "AWS_* variables passed through the submitting shell: $(grep 'passed through' "$work/submit.log")"
wait_jobs "$transform" "$extract" "$train"
say "chain done in $(($(date +%s) - chain_start)) s"

"$py" tests/scaleout/compare.py signals "$work/local/signals" "$bucket/signals" 4 >&2 ||
  fail "the shards' signals in S3 differ from the single-machine transform (above)"
"$py" tests/scaleout/compare.py features "$work/local/features" "$bucket/features" 4 >&2 ||
  fail "the shards' features in S3 differ from the single-machine extract (above)"
[ -s "$bucket/models/manifest.json" ] || fail "train wrote no models/manifest.json into $s3/models"
"$py" -c 'import json,sys; assert json.load(open(sys.argv[1]))' "$bucket/models/manifest.json" \
  2>/dev/null || fail "models/manifest.json in the bucket is not a JSON object"

# --- 2. cancel one task mid-run, resubmit it ------------------------------------------------------------
say "cancel and resubmit: a slower transform array (2 shards) into $s3/many-signals"
make_many "$work/many"
slow_args="--signal-length 5 --sr 8000 --batch-size 8"
# shellcheck disable=SC2086
"$G" transform -m "$work/many" -d "$work/fma/fma_small" -o "$work/local/many-signals" \
  $slow_args >"$work/local/many.log" 2>&1 || fail "local transform (many) failed: $work/local/many.log"
cp -r "$work/many" "$bucket/many"

# The folder, not s3://…/many/tracks.csv: transform fetches only that object then, not the
# classes.json beside it (fails with "cannot read …/classes.json").
export GENRESCOPE_METADATA="$s3/many" GENRESCOPE_SIGNALS="$s3/many-signals"
export GENRESCOPE_TRANSFORM_ARGS="$slow_args"
ids=$(GENRESCOPE_SHARDS=2 deploy/slurm/submit.sh transform 2>>"$work/submit.log") ||
  fail "submit.sh transform failed: $(tail -n 1 "$work/submit.log")"
slow=$(sed -n 's/^transform=//p' <<<"$ids")
submitted="$submitted $slow"
shard1="$bucket/many-signals/shard-00001-of-00002"
# Cancel task 1 once it is running and its first batch object is there (so the rerun has some
# to resume).
cancel_after_batch "${slow}_1" "$shard1"
batches_at_cancel=$(compgen -G "$shard1/batch-*.parquet" | wc -l)
uploads=$(find "$S3_HOME/data" -maxdepth 1 -name '.upload*' | wc -l)
say "cancelled ${slow}_1 with $batches_at_cancel batch objects written ($uploads unfinished upload files in the server)"

ids=$(GENRESCOPE_SHARDS=2 GENRESCOPE_ARRAY=1 deploy/slurm/submit.sh transform 2>>"$work/submit.log") ||
  fail "resubmitting task 1 failed: $(tail -n 1 "$work/submit.log")"
again=$(sed -n 's/^transform=//p' <<<"$ids")
submitted="$submitted $again"
wait_jobs "$again"
[ "$(job_state "${slow}_0")" = COMPLETED ] || wait_jobs "${slow}_0"
[ "$(job_state "${slow}_0")" = COMPLETED ] || fail "task ${slow}_0 ended $(job_state "${slow}_0")"
rerun_log="$work/slurm-logs/genrescope-transform-${again}_1.out"
[ -f "$rerun_log" ] || fail "no log of the resubmitted task: $rerun_log"
resumed=$(resumed_batches "$rerun_log")
[ "$resumed" -ge 1 ] || fail "the resubmitted task resumed no batch ($rerun_log: $(tail -n 1 "$rerun_log"))"

# Nothing torn or temporary is visible as an object: every file under the bucket's folder is an
# object (s3s-fs keeps unfinished uploads and its temporaries outside it, as dot files in its data
# root); none may be named like a temporary, and every batch object must be a whole Parquet file.
odd=$(find "$bucket" -type f \( -name '.*' -o -name '*.tmp' -o -name '*.part' -o -name '*.partial' \
  -o -name '*.staging*' \) | head -3)
[ -z "$odd" ] || fail "temporary or partial objects in the bucket: $odd"
"$py" - "$bucket" <<'EOF' >&2 || fail "a batch object in the bucket is not a whole Parquet file (above)"
import sys
from pathlib import Path
import pyarrow.parquet as pq
batches = sorted(Path(sys.argv[1]).rglob("batch-*.parquet"))
assert batches, "no batch-*.parquet object"
for b in batches:
    try:
        meta = pq.read_metadata(b)
        table = pq.read_table(b)
    except Exception as e:
        sys.exit(f"{b}: {e}")
    if table.num_rows != meta.num_rows or table.num_rows == 0:
        sys.exit(f"{b}: {table.num_rows} rows read, footer says {meta.num_rows}")
print(f"{len(batches)} batch objects, each a whole Parquet file")
EOF
"$py" tests/scaleout/compare.py signals "$work/local/many-signals" "$bucket/many-signals" 2 >&2 ||
  fail "after cancel and resubmit, the shards' signals in S3 differ from the single-machine transform (above)"
say "resubmitted task resumed $resumed of its batches; no torn or temporary object in the bucket"

# --- 3. no credential in what the jobs and Slurm wrote ---------------------------------------------------
slurm_home=$(dirname "$SLURM_CONF")
leaks=$(grep -rlF -e "$key" -e "$secret" "$work/slurm-logs" "$work/submit.log" "$bucket" "$work/cache" \
  "$slurm_home/log" "$slurm_home/state" "$slurm_home/spool" 2>/dev/null | head -3 || true)
[ -z "$leaks" ] || fail "a credential value appears in: $(tr '\n' ' ' <<<"$leaks")"
ls "$work/slurm-logs"/genrescope-*.out >/dev/null 2>&1 || fail "no job logs in $work/slurm-logs"

passed=1
say "PASS: slurm_s3 ($(($(date +%s) - started)) s)"
