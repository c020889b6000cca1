#!/usr/bin/env bash
# Runs Genrescope's stages on a Kubernetes cluster with kubectl, one Job after another:
#
#   deploy/kubernetes/run.sh [pipeline]   transform → extract → train
#   deploy/kubernetes/run.sh tag          batch tagging
#   deploy/kubernetes/run.sh transform|extract|train   one stage
#
# Kubernetes has no dependencies between Jobs (nor Slurm's per-task `aftercorr`), so each stage
# starts when the whole previous Job has completed. A Job is deleted before it is applied again
# (its pod template is immutable); the stages resume, so a rerun redoes only unfinished shards.
#
# Knobs: GENRESCOPE_IMAGE (the image, default genrescope:latest: push deploy/Containerfile's
# build somewhere the cluster pulls from), GENRESCOPE_NAMESPACE (kubectl's current namespace),
# GENRESCOPE_TIMEOUT (seconds per stage, default 86400). Shard count, locations and flags are in
# config.yaml (GENRESCOPE_SHARDS must equal the Indexed Jobs' `completions`); the object store's
# credentials in the Secret genrescope-object-store (secret.example.yaml says how to create it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:-pipeline}"
image="${GENRESCOPE_IMAGE:-genrescope:latest}"
timeout="${GENRESCOPE_TIMEOUT:-86400}"
kc=(kubectl)
[ -z "${GENRESCOPE_NAMESPACE:-}" ] || kc+=(--namespace "$GENRESCOPE_NAMESPACE")
die() {
  echo "run.sh: $*" >&2
  exit 1
}

# run STAGE: (re)creates the Job and waits until it is Complete or Failed.
run() {
  local stage=$1 job="genrescope-$1" state="" start
  "${kc[@]}" delete job "$job" --ignore-not-found --wait=true >&2
  sed "s|image: genrescope:latest|image: $image|" "$here/$stage-job.yaml" | "${kc[@]}" apply -f - >&2
  echo "==> $job started" >&2
  start=$(date +%s)
  while :; do
    state=$("${kc[@]}" get job "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')
    case " $state " in
    *" Complete "*) break ;;
    *" Failed "*) die "$job failed: kubectl describe job $job; kubectl logs -l job-name=$job" ;;
    esac
    [ $(($(date +%s) - start)) -lt "$timeout" ] || die "$job did not finish in $timeout s"
    sleep 10
  done
  echo "==> $job complete in $(($(date +%s) - start)) s" >&2
}

"${kc[@]}" apply -f "$here/config.yaml" -f "$here/pvc.yaml" >&2
case "$mode" in
pipeline)
  run transform
  run extract
  run train
  ;;
transform | extract | train | tag) run "$mode" ;;
*) die "unknown mode '$mode': pipeline, transform, extract, train or tag" ;;
esac
