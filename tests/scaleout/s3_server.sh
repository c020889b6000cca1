#!/usr/bin/env bash
# scripts/s3-server.sh up|status|down in a folder of its own: the server answers unsigned
# requests with an S3 error, signed ones (curl --aws-sigv4, with the env file's keys) with the
# object written, a wrong secret with SignatureDoesNotMatch; a second `up` keeps the same server;
# `down` stops it and frees the port. The first run installs s3s-fs (cargo install, ~3.5 min).
#
#   tests/scaleout/s3_server.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
fail() {
  echo "s3_server: FAIL: $*" >&2
  exit 1
}
export S3_HOME
S3_HOME=$(mktemp -d /tmp/genrescope-s3.XXXXXX)
export S3_BUCKET=scaleout
trap 'scripts/s3-server.sh down >/dev/null 2>&1 || true; rm -rf "$S3_HOME"' EXIT

env_file=$(scripts/s3-server.sh up) || fail "scripts/s3-server.sh up failed"
[ "$env_file" = "$S3_HOME/env" ] || fail "up printed '$env_file', not the env file's path"
[ "$(stat -c %a "$env_file")" = 600 ] || fail "the env file is mode $(stat -c %a "$env_file"), not 600"
pid=$(cat "$S3_HOME/s3s-fs.pid")
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL AWS_ALLOW_HTTP; do
  grep -q "^$v=." "$env_file" || fail "the env file has no $v"
done
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
[ "$AWS_REGION" = us-east-1 ] && [ "$AWS_ALLOW_HTTP" = true ] || fail "AWS_REGION/AWS_ALLOW_HTTP are not us-east-1/true"
[[ "$AWS_ENDPOINT_URL" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is not on 127.0.0.1"
port=${AWS_ENDPOINT_URL##*:}

reply=$(curl -s "$AWS_ENDPOINT_URL/$S3_BUCKET/") || fail "no TCP connection to port $port"
grep -q '<Error><Code>AccessDenied</Code>' <<<"$reply" || fail "an unsigned GET got: ${reply:0:200}"
sign=(--aws-sigv4 "aws:amz:$AWS_REGION:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
body="genrescope $(date +%s%N)"
curl -sf "${sign[@]}" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -X PUT --data-binary "$body" \
  "$AWS_ENDPOINT_URL/$S3_BUCKET/a/b.txt" >/dev/null || fail "a signed PUT failed"
[ "$(cat "$S3_HOME/data/$S3_BUCKET/a/b.txt")" = "$body" ] || fail "the object is not in the folder"
got=$(curl -sf "${sign[@]}" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  "$AWS_ENDPOINT_URL/$S3_BUCKET/a/b.txt") || fail "a signed GET failed"
[ "$got" = "$body" ] || fail "GET returned '$got', not what was put"
got=$(curl -sf "${sign[@]}" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'Range: bytes=0-9' \
  "$AWS_ENDPOINT_URL/$S3_BUCKET/a/b.txt") || fail "a ranged GET failed"
[ "$got" = "${body:0:10}" ] || fail "a ranged GET returned '$got'"
reply=$(curl -s "${sign[@]}" --user "$AWS_ACCESS_KEY_ID:not-the-secret" "$AWS_ENDPOINT_URL/$S3_BUCKET/a/b.txt")
grep -q SignatureDoesNotMatch <<<"$reply" || fail "a wrong secret got: ${reply:0:200}"

[ "$(scripts/s3-server.sh up 2>/dev/null)" = "$env_file" ] || fail "a second up did not print the env file"
[ "$(cat "$S3_HOME/s3s-fs.pid")" = "$pid" ] || fail "a second up started another server"
scripts/s3-server.sh status >/dev/null || fail "status says it is not running"
scripts/s3-server.sh down 2>/dev/null
# Gone, or a zombie waiting for init to reap it.
[ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] ||
  fail "s3s-fs (pid $pid) still runs after down"
! curl -s --max-time 2 "$AWS_ENDPOINT_URL/" >/dev/null || fail "port $port still answers after down"
[ ! -e "$env_file" ] || fail "down left the env file (dead keys)"
! scripts/s3-server.sh status >/dev/null || fail "status says running after down"
echo "s3_server: PASS (s3s-fs on 127.0.0.1:$port: unsigned refused, SigV4 PUT/GET/range, wrong secret refused, up idempotent, down)" >&2
