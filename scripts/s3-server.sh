#!/usr/bin/env bash
# A real S3 server on 127.0.0.1 over a local folder (s3s-fs: SigV4 checked, multipart, ranged
# GET), for trying object-storage locations (s3://bucket/prefix) on one machine.
#
#   scripts/s3-server.sh up       # installs s3s-fs when missing (cargo install, ~3.5 min once),
#                                 # starts it with a fresh random key pair, writes the env file,
#                                 # prints its path on stdout
#   set -a; . ~/.cache/genrescope/s3/env; set +a   # AWS_* for genrescope, aws-cli, boto3, curl
#   scripts/s3-server.sh status   # exit 1 when not running
#   scripts/s3-server.sh install  # only install s3s-fs when missing (the test command)
#   scripts/s3-server.sh down     # stops the server this script started, by its PID
#
# Knobs: S3_HOME (default ~/.cache/genrescope/s3: data/ holds the buckets, one folder each; the
# env file, pid file and log beside it), S3_PORT (default: a free port), S3_BUCKET (a bucket
# created empty at `up`, default genrescope).
# The env file (mode 0600) holds AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION=us-east-1,
# AWS_ENDPOINT_URL=http://127.0.0.1:PORT and AWS_ALLOW_HTTP=true, as KEY=value lines (also a
# `docker --env-file` and deploy/slurm's GENRESCOPE_ENV_FILE). Use path-style addressing:
# bucket.localhost does not resolve here. Nothing here prints the keys, but s3s-fs takes them as
# arguments, so local users can read them in its command line: a development server only.
set -euo pipefail
S3_HOME="${S3_HOME:-$HOME/.cache/genrescope/s3}"
BUCKET="${S3_BUCKET:-genrescope}"
VERSION=0.14.1
ENV_FILE="$S3_HOME/env"
PID_FILE="$S3_HOME/s3s-fs.pid"
LOG="$S3_HOME/s3s-fs.log"
log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 's3-server.sh: %s\n' "$*" >&2
  exit 1
}

server_pid() {
  local pid
  [ -s "$PID_FILE" ] || return 0
  pid=$(tr -dc '0-9' <"$PID_FILE")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 's3s-fs'; then echo "$pid"; fi
}

s3s_fs() {
  local bin
  bin=$(command -v s3s-fs || true)
  [ -n "$bin" ] || bin="${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs"
  if [ ! -x "$bin" ]; then
    log "installing s3s-fs $VERSION (cargo install --locked --features binary; ~3.5 min on 2 cores)"
    # Its own temporary target folder, not the workspace's shared one; at opt-level 1 without
    # LTO (a test server: its build time matters, its speed does not).
    env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
      cargo install "s3s-fs@$VERSION" --locked --features binary >&2 ||
      die "cargo install s3s-fs@$VERSION failed"
  fi
  echo "$bin"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

random_token() { # random_token LENGTH: [A-Za-z0-9]
  local out=""
  while [ ${#out} -lt "$1" ]; do out+=$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9'); done
  printf '%s' "${out:0:$1}"
}

# check PORT: the port accepts a connection, an unsigned request gets an S3 XML error, and a
# request signed with the env file's keys lists the buckets.
check() {
  local port=$1 reply
  reply=$(curl -s --max-time 5 "http://127.0.0.1:$port/") || return 1
  grep -q '<Error>' <<<"$reply" || return 1
  (
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
    curl -sf --max-time 5 --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
      --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$AWS_ENDPOINT_URL/" |
      grep -q "<Name>$BUCKET</Name>"
  )
}

up() {
  local pid port bin i
  mkdir -p "$S3_HOME/data/$BUCKET"
  pid=$(server_pid)
  if [ -n "$pid" ] && [ -s "$ENV_FILE" ]; then
    port=$(sed -n 's|^AWS_ENDPOINT_URL=http://127.0.0.1:||p' "$ENV_FILE")
    check "$port" || die "s3s-fs (pid $pid) runs but does not answer on port $port: see $LOG"
    log "s3s-fs already running (pid $pid) on 127.0.0.1:$port"
    echo "$ENV_FILE"
    return 0
  fi
  [ -z "$pid" ] || die "s3s-fs (pid $pid) runs without its env file: scripts/s3-server.sh down first"
  bin=$(s3s_fs)
  port="${S3_PORT:-$(free_port)}"
  local key secret
  key=$(random_token 20)
  secret=$(random_token 40)
  (
    umask 077
    cat >"$ENV_FILE.new" <<EOF
AWS_ACCESS_KEY_ID=$key
AWS_SECRET_ACCESS_KEY=$secret
AWS_REGION=us-east-1
AWS_ENDPOINT_URL=http://127.0.0.1:$port
AWS_ALLOW_HTTP=true
EOF
  )
  mv "$ENV_FILE.new" "$ENV_FILE"
  log "starting s3s-fs on 127.0.0.1:$port over $S3_HOME/data (bucket $BUCKET; log $LOG)"
  nohup "$bin" --host 127.0.0.1 --port "$port" --access-key "$key" --secret-key "$secret" \
    "$S3_HOME/data" >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  for ((i = 0; i < 100; i++)); do
    if check "$port"; then
      log "s3s-fs answers (pid $(cat "$PID_FILE")); credentials in $ENV_FILE"
      echo "$ENV_FILE"
      return 0
    fi
    [ -n "$(server_pid)" ] || die "s3s-fs exited: $(tail -n 3 "$LOG" | tr '\n' ' ')"
    sleep 0.1
  done
  down
  die "s3s-fs did not answer on 127.0.0.1:$port in 10 s, stopped it: see $LOG"
}

down() {
  local pid i
  pid=$(server_pid)
  if [ -z "$pid" ]; then
    log "s3s-fs is not running"
  else
    log "stopping s3s-fs (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # The keys die with the server (the next `up` makes new ones); the data stays.
  rm -f "$PID_FILE" "$ENV_FILE"
}

status() {
  local pid port
  pid=$(server_pid)
  [ -n "$pid" ] && [ -s "$ENV_FILE" ] || {
    echo "s3s-fs: not running"
    return 1
  }
  port=$(sed -n 's|^AWS_ENDPOINT_URL=http://127.0.0.1:||p' "$ENV_FILE")
  if check "$port"; then
    echo "s3s-fs: running (pid $pid) on 127.0.0.1:$port; env file $ENV_FILE"
  else
    echo "s3s-fs: pid $pid does not answer on 127.0.0.1:$port"
    return 1
  fi
}

case "${1:-}" in
install) s3s_fs >/dev/null ;;
up) up ;;
down) down ;;
status) status ;;
*)
  echo "usage: $0 install|up|down|status   (S3_HOME=$S3_HOME)" >&2
  exit 2
  ;;
esac
