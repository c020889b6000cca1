# shellcheck shell=bash
# What tests/scaleout/slurm_local.sh and slurm_s3.sh share. Sourced, after setting
# SCALEOUT_NAME (the test's name, the prefix of its FAIL line), from the repository root:
#
#   SCALEOUT_NAME=slurm_x
#   . tests/scaleout/lib.sh   # then: scaleout_setup; wait_jobs ...; passed=1
#
# scaleout_setup: the binary (GENRESCOPE_BIN, else cargo build) copied into the work folder as
# $G, the test venv's python as $py, the work folder $work (SCALEOUT_WORK, else a new folder under
# /tmp, removed after a pass), and the cluster (brought up when it is not, and down again at the
# end only then). At exit: the jobs in $submitted are cancelled, the function scaleout_on_exit
# runs when the test defines one, the cluster goes down if this test started it.
# Knob: SCALEOUT_TIMEOUT, seconds to wait for each set of jobs (default 150).
# shellcheck disable=SC2034 # G, py, work, submitted and passed are the sourcing test's
started=$(date +%s)
TIMEOUT="${SCALEOUT_TIMEOUT:-150}"

fail() {
  echo "${SCALEOUT_NAME:-scaleout}: FAIL: $*" >&2
  exit 1
}
say() { printf '==> [%3ds] %s\n' $(($(date +%s) - started)) "$*" >&2; }

scaleout_setup() {
  # --- the binary, copied so that a concurrent rebuild cannot change it mid-test ----------------
  if [ -z "${GENRESCOPE_BIN:-}" ]; then
    say "building genrescope (cargo build --release -p genrescope --bin genrescope)"
    GENRESCOPE_BIN=$(
      # shellcheck source=scripts/env.sh
      . scripts/env.sh
      cargo build --release -p genrescope --bin genrescope >&2 &&
        echo "$CARGO_TARGET_DIR/release/genrescope"
    ) || fail "cargo build failed"
  fi
  [ -x "$GENRESCOPE_BIN" ] || fail "no genrescope binary at $GENRESCOPE_BIN"
  py=$(bash scripts/python.sh) || fail "scripts/python.sh could not make the test venv"

  if [ -n "${SCALEOUT_WORK:-}" ]; then
    work="$SCALEOUT_WORK"
    rm -rf "$work"
    mkdir -p "$work"
  else
    work=$(mktemp -d "/tmp/genrescope-${SCALEOUT_NAME:-scaleout}.XXXXXX")
  fi
  work="$(cd "$work" && pwd)"
  cp "$GENRESCOPE_BIN" "$work/genrescope"
  G="$work/genrescope"

  # --- the cluster --------------------------------------------------------------------------------
  we_started_cluster=0
  passed=0
  submitted=""
  trap scaleout_cleanup EXIT
  trap 'exit 130' INT TERM
  local conf
  if conf=$(scripts/slurm.sh status 2>/dev/null | grep '^export SLURM_CONF='); then
    say "cluster already up"
  else
    say "starting the cluster (scripts/slurm.sh up)"
    we_started_cluster=1
    conf=$(scripts/slurm.sh up) || fail "scripts/slurm.sh up failed"
  fi
  eval "$conf"
  export SLURM_CONF
}

scaleout_cleanup() {
  local rc=$?
  # Jobs of this test still queued or running (after a failure) go too.
  if [ -n "${submitted:-}" ]; then
    # shellcheck disable=SC2086
    scancel $submitted 2>/dev/null || true
  fi
  if declare -F scaleout_on_exit >/dev/null; then scaleout_on_exit || true; fi
  if [ "${we_started_cluster:-0}" = 1 ]; then scripts/slurm.sh down >/dev/null 2>&1 || true; fi
  if [ "${passed:-0}" = 1 ] && [ -z "${SCALEOUT_WORK:-}" ]; then rm -rf "$work"; fi
  if [ "${passed:-0}" != 1 ] && [ -n "${work:-}" ]; then
    echo "${SCALEOUT_NAME:-scaleout}: work folder kept: $work" >&2
  fi
  exit "$rc"
}

# wait_jobs JOBID...: waits until none is in squeue, then requires every task COMPLETED.
wait_jobs() {
  local deadline=$(($(date +%s) + TIMEOUT)) id line state
  while [ -n "$(squeue -h -j "$(
    IFS=,
    echo "$*"
  )" 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "jobs $* still queued or running after ${TIMEOUT} s: $(squeue -h -j "$(
      IFS=,
      echo "$*"
    )" -o '%i %T %r' | head -3 | tr '\n' ';')"
    sleep 0.3
  done
  for id in "$@"; do
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      state=$(grep -o 'JobState=[A-Z_]*' <<<"$line" | cut -d= -f2)
      if [ "$state" != COMPLETED ]; then
        local task name
        task=$(grep -o 'ArrayTaskId=[0-9]*' <<<"$line" | cut -d= -f2 || true)
        name=$(grep -o 'JobName=[^ ]*' <<<"$line" | cut -d= -f2)
        fail "$name job $id${task:+_$task} ended $state: see $(grep -o 'StdOut=[^ ]*' <<<"$line" | cut -d= -f2)"
      fi
    done < <(scontrol show job -o "$id" 2>/dev/null || fail "scontrol knows no job $id")
  done
}

# job_state JOBID_TASK: the task's JobState.
job_state() { scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }

# make_demo: the demo data ($work/fma) and generalise's folder ($work/generalised).
make_demo() {
  "$G" demo-data -o "$work/fma" --tracks-per-genre 3 --clip-seconds 6 >"$work/demo.log" 2>&1 ||
    fail "demo-data failed: $work/demo.log"
  "$G" generalise --metadata-path "$work/fma/fma_metadata" -o "$work/generalised" >"$work/generalise.log" 2>&1 ||
    fail "generalise failed: $work/generalise.log"
}

# make_many FOLDER: a slower input in FOLDER, laid out as generalise's folder (tracks.csv,
# tracks.parquet, classes.json): the demo tracks listed 32 times under other ids (each copy
# reading the same audio file), ~830 signals to write, a few seconds a shard.
make_many() {
  "$py" - "$work/generalised" "$1" <<'EOF'
import csv, os, sys
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
copies = range(1, 33)
rows = list(csv.DictReader(open(os.path.join(src, "tracks.csv"), newline="")))
with open(os.path.join(dst, "tracks.csv"), "w", newline="") as f:
    out = csv.DictWriter(f, fieldnames=list(rows[0]))
    out.writeheader()
    for copy in copies:
        for row in rows:
            out.writerow(dict(row, track_id=str(copy * 100000 + int(row["track_id"]))))
table = pq.read_table(os.path.join(src, "tracks.parquet"))
ids = table.schema.get_field_index("track_id")
parts = [table.set_column(ids, table.schema.field(ids),
                          pc.add(table.column(ids), pa.scalar(copy * 100000, pa.int64())))
         for copy in copies]
pq.write_table(pa.concat_tables(parts), os.path.join(dst, "tracks.parquet"))
EOF
  cp "$work/generalised/classes.json" "$1/"
}

# cancel_after_batch JOBID_TASK FOLDER: waits until the task runs and FOLDER (its shard's
# folder, seen locally) holds a batch-*.parquet, scancels it, waits until it has left the queue
# and requires it CANCELLED.
cancel_after_batch() {
  local task=$1 folder=$2 state deadline=$(($(date +%s) + TIMEOUT))
  until [ "$(job_state "$task")" = RUNNING ] && compgen -G "$folder/batch-*.parquet" >/dev/null; do
    state=$(job_state "$task")
    case "$state" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY)
      fail "task $task ended $state before it could be cancelled mid-run (make the input slower)" ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "task $task never ran and wrote a batch in ${TIMEOUT} s"
    sleep 0.05
  done
  scancel "$task" || fail "scancel $task failed"
  until [ -z "$(squeue -h -j "$task" 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "task $task still there ${TIMEOUT} s after scancel"
    sleep 0.1
  done
  state=$(job_state "$task")
  [ "$state" = CANCELLED ] || fail "task $task ended $state, not CANCELLED: it was not cancelled mid-run"
}

# resumed_batches LOG: K of the `(K resumed)` transform printed in LOG (0 when none).
resumed_batches() {
  local k
  k=$(grep -o '([0-9]* resumed)' "$1" 2>/dev/null | head -1 | tr -dc '0-9')
  echo "${k:-0}"
}

# submit_chain METADATA AUDIO OUT: submits deploy/slurm/submit.sh's chain (4 shards, 3 s
# signals, 1 epoch) from METADATA and AUDIO into OUT/{signals,features,models}, paths or s3://
# URLs; sets chain_start, transform, extract, train and submitted (the job ids).
submit_chain() {
  export GENRESCOPE_METADATA="$1" GENRESCOPE_AUDIO="$2"
  export GENRESCOPE_SIGNALS="$3/signals" GENRESCOPE_FEATURES="$3/features"
  export GENRESCOPE_MODELS="$3/models" GENRESCOPE_EPOCHS=1
  export GENRESCOPE_TRANSFORM_ARGS="--signal-length 3"
  export GENRESCOPE_CPUS=1 GENRESCOPE_MEM=1G GENRESCOPE_TIME=00:10:00
  export GENRESCOPE_TRAIN_CPUS=2 GENRESCOPE_TRAIN_MEM=2G GENRESCOPE_TRAIN_TIME=00:10:00
  chain_start=$(date +%s)
  ids=$(GENRESCOPE_SHARDS=4 deploy/slurm/submit.sh pipeline 2>"$work/submit.log") ||
    fail "submit.sh pipeline failed: $(tail -n 1 "$work/submit.log")"
  transform=$(sed -n 's/^transform=//p' <<<"$ids")
  extract=$(sed -n 's/^extract=//p' <<<"$ids")
  train=$(sed -n 's/^train=//p' <<<"$ids")
  [ -n "$transform" ] && [ -n "$extract" ] && [ -n "$train" ] || fail "submit.sh printed no job ids: $ids"
  submitted="$transform $extract $train"
}
