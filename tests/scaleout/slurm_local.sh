#!/usr/bin/env bash
# deploy/slurm/ on a real one-node Slurm cluster (scripts/slurm.sh), on the demo data in local
# folders:
#   1. submit.sh's chain — transform (4-task array) → extract (4-task array, aftercorr) → train
#      (afterok) — and a 2-task tag array; every task must end COMPLETED; the union of the
#      shards' features must equal a single-machine `extract` bit for bit, track for track; train
#      must write models/manifest.json; the tag shards must equal one unsharded `tag`.
#   2. cancel and resubmit: a 2-task transform array over a slower input (the demo tracks listed
#      32 times under other ids); one task is scancel'ed while it writes its batches, then
#      resubmitted alone (GENRESCOPE_ARRAY=1); it must complete, resuming the batches it had
#      finished, leave no `.tmp` files, and the union must equal a single-machine `transform`.
#   3. a failing chain (every transform task fails): the extract tasks and train end CANCELLED
#      (--kill-on-invalid-dep), none is left pending for ever.
#
#   tests/scaleout/slurm_local.sh
#
# Brings the cluster up when it is not (and down again at the end, only then). Knobs:
#   GENRESCOPE_BIN   a built genrescope binary (default: cargo build --release -p genrescope)
#   SCALEOUT_WORK    the work folder (default: a new folder under /tmp, removed after a pass)
#   SCALEOUT_TIMEOUT seconds to wait for each set of jobs (default 150)
# Exits non-zero with one line `slurm_local: FAIL: ...` on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SCALEOUT_NAME=slurm_local
# shellcheck source=tests/scaleout/lib.sh
. tests/scaleout/lib.sh
scaleout_setup

# --- 1. the chain on the demo data --------------------------------------------------------------------
say "demo data, generalise, and the single-machine reference (transform, extract, tag)"
make_demo
mkdir -p "$work/local"
"$G" transform -m "$work/generalised" -d "$work/fma/fma_small" -o "$work/local/signals" \
  --signal-length 3 >"$work/local/transform.log" 2>&1 || fail "local transform failed: $work/local/transform.log"
"$G" extract -d "$work/local/signals" -o "$work/local/features" >"$work/local/extract.log" 2>&1 ||
  fail "local extract failed: $work/local/extract.log"
"$G" tag "$work/fma/fma_small" -o "$work/local/tags.parquet" --jobs 2 >"$work/local/tag.log" 2>&1 ||
  fail "local tag failed: $work/local/tag.log"

say "submitting transform → extract → train (4 shards) and tag (2 shards)"
export GENRESCOPE_BIN="$G" GENRESCOPE_LOGS="$work/slurm-logs"
submit_chain "$work/generalised" "$work/fma/fma_small" "$work/slurm"
grep -q "submitted extract as job $extract (after aftercorr:$transform)" "$work/submit.log" ||
  fail "the extract array was not submitted with --dependency=aftercorr:$transform"
grep -q "submitted train as job $train (after afterok:$extract)" "$work/submit.log" ||
  fail "the train job was not submitted with --dependency=afterok:$extract"
ids=$(GENRESCOPE_SHARDS=2 GENRESCOPE_TAG_INPUT="$work/fma/fma_small" \
  GENRESCOPE_TAG_OUTPUT="$work/slurm/tags.parquet" deploy/slurm/submit.sh tag 2>>"$work/submit.log") ||
  fail "submit.sh tag failed: $(tail -n 1 "$work/submit.log")"
tag=$(sed -n 's/^tag=//p' <<<"$ids")
submitted="$submitted $tag"
# shellcheck disable=SC2086
wait_jobs $transform $extract $train $tag
say "chain and tags done in $(($(date +%s) - chain_start)) s"

"$py" tests/scaleout/compare.py features "$work/local/features" "$work/slurm/features" 4 >&2 ||
  fail "the shards' features differ from the single-machine extract (above)"
[ -s "$work/slurm/models/manifest.json" ] || fail "train wrote no models/manifest.json"
"$py" -c 'import json,sys; assert json.load(open(sys.argv[1]))' "$work/slurm/models/manifest.json" \
  2>/dev/null || fail "models/manifest.json is not a JSON object"
"$py" tests/scaleout/compare.py tags "$work/local/tags.parquet" "$work/slurm/tags.parquet" 2 >&2 ||
  fail "the tag shards differ from the single-machine tag (above)"
tmpfiles=$(find "$work/slurm" -name '*.tmp' -o -name '*.partial' | head -3)
[ -z "$tmpfiles" ] || fail "temporary files left after a clean run: $tmpfiles"

# --- 2. cancel one task mid-run, resubmit it ------------------------------------------------------------
say "cancel and resubmit: a slower transform array (2 shards)"
make_many "$work/many"
slow_args="--signal-length 5 --sr 8000 --batch-size 8"
# shellcheck disable=SC2086
"$G" transform -m "$work/many/tracks.csv" -d "$work/fma/fma_small" -o "$work/local/many-signals" \
  $slow_args >"$work/local/many.log" 2>&1 || fail "local transform (many) failed: $work/local/many.log"

export GENRESCOPE_METADATA="$work/many/tracks.csv" GENRESCOPE_SIGNALS="$work/slurm/many-signals"
export GENRESCOPE_TRANSFORM_ARGS="$slow_args"
ids=$(GENRESCOPE_SHARDS=2 deploy/slurm/submit.sh transform 2>>"$work/submit.log") ||
  fail "submit.sh transform failed: $(tail -n 1 "$work/submit.log")"
slow=$(sed -n 's/^transform=//p' <<<"$ids")
submitted="$submitted $slow"
shard1="$work/slurm/many-signals/shard-00001-of-00002"
# Cancel task 1 once it is running and has finished a batch (so the rerun has some to resume).
cancel_after_batch "${slow}_1" "$shard1"
batches_at_cancel=$(compgen -G "$shard1/batch-*.parquet" | wc -l)
leftovers=$(find "$shard1" -name '*.tmp' | wc -l)
say "cancelled ${slow}_1 with $batches_at_cancel batches written ($leftovers .tmp files left by the kill)"

# Task 0 goes on; resubmit task 1 alone: GENRESCOPE_SHARDS keeps N = 2 (its array has one task).
ids=$(GENRESCOPE_SHARDS=2 GENRESCOPE_ARRAY=1 deploy/slurm/submit.sh transform 2>>"$work/submit.log") ||
  fail "resubmitting task 1 failed: $(tail -n 1 "$work/submit.log")"
again=$(sed -n 's/^transform=//p' <<<"$ids")
submitted="$submitted $again"
# Task 0 of the first array must have completed; task 1 of it was cancelled (checked above).
wait_jobs "$again"
[ "$(job_state "${slow}_0")" = COMPLETED ] || wait_jobs "${slow}_0"
[ "$(job_state "${slow}_0")" = COMPLETED ] || fail "task ${slow}_0 ended $(job_state "${slow}_0")"
rerun_log=$(find "$work/slurm-logs" -name "genrescope-transform-${again}_1.out")
resumed=$(resumed_batches "$rerun_log")
[ "$resumed" -ge 1 ] || fail "the resubmitted task resumed no batch ($rerun_log: $(tail -n 1 "$rerun_log"))"
tmpfiles=$(find "$work/slurm/many-signals" -name '*.tmp' | head -3)
[ -z "$tmpfiles" ] || fail "temporary files left after the resubmitted task: $tmpfiles"
"$py" tests/scaleout/compare.py signals "$work/local/many-signals" "$work/slurm/many-signals" 2 >&2 ||
  fail "after cancel and resubmit, the shards' signals differ from the single-machine transform (above)"
say "resubmitted task resumed $resumed of its batches; no .tmp left"

# --- 3. a failing stage cancels what waits on it (no job left pending for ever) --------------------------
say "a failing transform array: extract and train must be cancelled, not left pending"
export GENRESCOPE_METADATA="$work/generalised" GENRESCOPE_SIGNALS="$work/slurm/failing-signals"
export GENRESCOPE_FEATURES="$work/slurm/failing-features" GENRESCOPE_MODELS="$work/slurm/failing-models"
ids=$(GENRESCOPE_SHARDS=2 GENRESCOPE_TRANSFORM_ARGS="--sr 0" deploy/slurm/submit.sh pipeline 2>>"$work/submit.log") ||
  fail "submit.sh pipeline (failing) failed: $(tail -n 1 "$work/submit.log")"
bad=$(sed -n 's/^transform=//p' <<<"$ids")
bad_extract=$(sed -n 's/^extract=//p' <<<"$ids")
bad_train=$(sed -n 's/^train=//p' <<<"$ids")
submitted="$submitted $bad $bad_extract $bad_train"
deadline=$(($(date +%s) + TIMEOUT))
until [ -z "$(squeue -h -j "$bad,$bad_extract,$bad_train" 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] ||
    fail "jobs of a failed chain still queued after ${TIMEOUT} s: $(squeue -h -j "$bad,$bad_extract,$bad_train" -o '%i %T %r' | head -2 | tr '\n' ';')"
  sleep 0.3
done
for task in "${bad}_0" "${bad}_1"; do
  [ "$(job_state "$task")" = FAILED ] || fail "transform task $task ended $(job_state "$task"), not FAILED"
done
for job in "${bad_extract}_0" "${bad_extract}_1" "$bad_train"; do
  [ "$(job_state "$job")" = CANCELLED ] || fail "job $job ended $(job_state "$job") after its dependency failed, not CANCELLED"
done
grep -q 'sr' "$work/slurm-logs/genrescope-transform-${bad}_0.out" ||
  fail "the failing task's log does not say why: $work/slurm-logs/genrescope-transform-${bad}_0.out"

passed=1
say "PASS: slurm_local ($(($(date +%s) - started)) s)"
