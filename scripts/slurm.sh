#!/usr/bin/env bash
# A real one-node Slurm cluster on 127.0.0.1, without systemd, for trying deploy/slurm/ here.
#
#   eval "$(scripts/slurm.sh up)"   # installs slurm-wlm + munge when missing, starts munged,
#                                    # slurmctld and slurmd; prints `export SLURM_CONF=...`
#   scripts/slurm.sh status          # the daemons, `sinfo` and `squeue`; exit 1 when not up
#   scripts/slurm.sh down            # stops the daemons this script started, by their PID
#
# Everything (slurm.conf, state, spool, logs, pid files, the munge key, seed and log) lives under
# $SLURM_HOME (default ~/.cache/genrescope/slurm). The one exception is munged's socket: munged
# refuses a socket whose folders are not searchable by everyone, and /root is not, so the socket is
# /run/munge/genrescope-<hash of $SLURM_HOME>.socket.2 (slurm.conf's AuthInfo points the daemons and clients at it).
# Knobs: SLURM_HOME, SLURMCTLD_PORT (6817), SLURMD_PORT (6818), SLURM_PARTITION (local).
#
# The recipe (shared/TOOLCHAIN.md, "Scale-out: Slurm and S3 on one machine"): munged runs as the
# munge user (it refuses root: "PRNG seed dir is insecure"), with CAP_DAC_READ_SEARCH as an ambient
# capability so it can read its key under /root; /run/munge is created here (systemd would);
# proctrack/linuxproc and task/none (no cgroups), cons_tres with CR_Core, no accounting,
# ReturnToService=2, batch_sched_delay=0,sched_min_interval=0 (array waves ~1 s apart, not ~3 s).
# Needs root (munged is started as another user, slurmd must be root). Debian's slurm-wlm 22.05.
set -euo pipefail

SLURM_HOME="${SLURM_HOME:-$HOME/.cache/genrescope/slurm}"
CTLD_PORT="${SLURMCTLD_PORT:-6817}"
SLURMD_PORT="${SLURMD_PORT:-6818}"
PARTITION="${SLURM_PARTITION:-local}"
CONF="$SLURM_HOME/slurm.conf"
MUNGE_DIR="$SLURM_HOME/munge"
# One socket per SLURM_HOME, so two clusters' munged never share one.
MUNGE_SOCKET="/run/munge/genrescope-$(printf '%s' "$SLURM_HOME" | md5sum | cut -c1-8).socket.2"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'slurm.sh: %s\n' "$*" >&2
  exit 1
}

# pid_of FILE BINARY: the PID in FILE when that process is alive and runs BINARY, else nothing.
pid_of() {
  local file=$1 binary=$2 pid
  [ -s "$file" ] || return 0
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$binary"; then echo "$pid"; fi
}
munged_pid() { pid_of "$MUNGE_DIR/munged.pid" munged; }
slurmctld_pid() { pid_of "$SLURM_HOME/run/slurmctld.pid" slurmctld; }
slurmd_pid() { pid_of "$SLURM_HOME/run/slurmd.pid" slurmd; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  log "installing slurm-wlm and munge (apt-get; ~10 s)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >&2
}

write_conf() {
  local cpus mem_mb
  cpus=$(nproc)
  # Memory is not a consumable with CR_Core, but a job asking more --mem than RealMemory is
  # refused, so declare (most of) what the machine has.
  mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  cat >"$CONF.new" <<EOF
# Written by scripts/slurm.sh: a one-node cluster on 127.0.0.1. Rewritten on every cold \`up\`.
ClusterName=genrescope
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MailProg=/bin/true
MaxArraySize=100001
StateSaveLocation=$SLURM_HOME/state
SlurmdSpoolDir=$SLURM_HOME/spool/%n
SlurmctldPidFile=$SLURM_HOME/run/slurmctld.pid
SlurmdPidFile=$SLURM_HOME/run/slurmd.pid
SlurmctldLogFile=$SLURM_HOME/log/slurmctld.log
SlurmdLogFile=$SLURM_HOME/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.new" "$CONF"
}

start_munged() {
  if [ -n "$(munged_pid)" ]; then return 0; fi
  mkdir -p "$MUNGE_DIR" /run/munge
  chown munge:munge /run/munge
  chmod 0755 /run/munge
  if [ ! -s "$MUNGE_DIR/munge.key" ]; then
    dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 status=none
  fi
  chown -R munge:munge "$MUNGE_DIR"
  chmod 0700 "$MUNGE_DIR"
  chmod 0400 "$MUNGE_DIR/munge.key"
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
  log "starting munged (as munge; socket $MUNGE_SOCKET)"
  setpriv --reuid=munge --regid=munge --init-groups \
    --inh-caps=+dac_read_search --ambient-caps=+dac_read_search \
    /usr/sbin/munged --key-file "$MUNGE_DIR/munge.key" --socket "$MUNGE_SOCKET" \
    --pid-file "$MUNGE_DIR/munged.pid" --log-file "$MUNGE_DIR/munged.log" \
    --seed-file "$MUNGE_DIR/munged.seed" ||
    die "munged did not start; its log: $(tail -n 3 "$MUNGE_DIR/munged.log" 2>/dev/null | tr '\n' ' ')"
  wait_for 5 test -S "$MUNGE_SOCKET"
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

node_ready() { sinfo -h -N -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; }

up() {
  [ "$(id -u)" -eq 0 ] || die "run as root: munged is started as the munge user and slurmd needs root"
  install_packages
  mkdir -p "$SLURM_HOME"/{state,spool,run,log}
  export SLURM_CONF="$CONF"
  if [ -z "$(slurmctld_pid)" ] && [ -z "$(slurmd_pid)" ]; then write_conf; fi
  start_munged
  if [ -z "$(slurmctld_pid)" ]; then
    log "starting slurmctld (port $CTLD_PORT; log $SLURM_HOME/log/slurmctld.log)"
    /usr/sbin/slurmctld -c -i -f "$CONF" ||
      die "slurmctld did not start: $(tail -n 3 "$SLURM_HOME/log/slurmctld.log" | tr '\n' ' ')"
    wait_for 15 scontrol ping ||
      die "slurmctld does not answer: $(tail -n 3 "$SLURM_HOME/log/slurmctld.log" | tr '\n' ' ')"
  fi
  if [ -z "$(slurmd_pid)" ]; then
    log "starting slurmd (port $SLURMD_PORT; log $SLURM_HOME/log/slurmd.log)"
    /usr/sbin/slurmd -N localhost -f "$CONF" ||
      die "slurmd did not start: $(tail -n 3 "$SLURM_HOME/log/slurmd.log" | tr '\n' ' ')"
  fi
  wait_for 20 node_ready ||
    die "node localhost is not idle: $(sinfo -h -N -o '%t %E' 2>&1 | head -1)"
  log "up: $(nproc) CPUs in partition $PARTITION"
  echo "export SLURM_CONF=$CONF"
}

# stop NAME PID SECONDS: SIGTERM, wait, then SIGKILL.
stop() {
  local name=$1 pid=$2 seconds=$3 i
  [ -n "$pid" ] || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < seconds * 10; i++)); do
    [ -d "/proc/$pid" ] || return 0
    # A zombie (no parent reaping it) is stopped too.
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
    sleep 0.1
  done
  log "$name did not stop in $seconds s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  export SLURM_CONF="$CONF"
  stop slurmd "$(slurmd_pid)" 10
  stop slurmctld "$(slurmctld_pid)" 15
  stop munged "$(munged_pid)" 5
  log "down"
}

status() {
  export SLURM_CONF="$CONF"
  local ok=0 name pid
  for name in munged slurmctld slurmd; do
    pid=$("${name}_pid")
    if [ -n "$pid" ]; then echo "$name: running (pid $pid)"; else
      echo "$name: not running"
      ok=1
    fi
  done
  if [ "$ok" -eq 0 ]; then
    sinfo
    squeue
    echo "export SLURM_CONF=$CONF"
  fi
  return "$ok"
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*)
  echo "usage: $0 up|down|status   (SLURM_HOME=${SLURM_HOME})" >&2
  exit 2
  ;;
esac
