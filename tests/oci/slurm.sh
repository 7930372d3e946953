#!/bin/bash
# Slurm (Debian's slurm-wlm 22.05) running job steps in containers through an OCI runtime:
# `srun --container=BUNDLE` and `sbatch --container=BUNDLE --wrap` as an unprivileged user, with
# an oci.conf that uses RunTimeRun (the mode Slurm's containers.html recommends). This script
# starts its own munged, slurmctld and slurmd on this one node, with a private slurm.conf (the
# node's real name and CPUs, every state and spool dir in a temporary directory, ports of its
# own, proctrack/linuxproc: nothing touches the host's cgroups) and stops them at exit.
# tests/oci/README-engines.md explains the oci.conf.
#
#   sudo tests/oci/slurm.sh RUNTIME [--user USER]
#
#   RUNTIME  an OCI runtime with runc's command line (/usr/sbin/runc, sandbox-runtime)
#   --user   the unprivileged user who submits the jobs (default $SBX_TEST_USER or sbxtest)
#
# Installs nothing (helpers/install-deps.sh does). SBX_OCI_SLURM_DIR keeps the directory;
# SBX_OCI_SLURM_PORT (default 16817) and the port after it are slurmctld's and slurmd's.
# Prints one line per check and a summary; exits 1 when any failed.
set -euo pipefail

TEST_USER=${SBX_TEST_USER:-sbxtest}
PORT=${SBX_OCI_SLURM_PORT:-16817}
TIMEOUT=${SBX_OCI_SLURM_TIMEOUT:-60}  # per srun / sbatch

die() { echo "slurm.sh: $*" >&2; exit 1; }
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
(($# >= 1)) || usage
case $1 in -h | --help) usage ;; esac
RUNTIME=$(command -v "$1" || true)
shift
while (($#)); do
  case $1 in
    --user) TEST_USER=${2:?--user needs a value}; shift 2 ;;
    --user=*) TEST_USER=${1#*=}; shift ;;
    -h | --help) usage ;;
    *) echo "slurm.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ -n $RUNTIME && -x $RUNTIME ]] || die "the runtime is not an executable"
# Not resolved: sandbox-runtime is a link that the binary dispatches on by name.
RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME")
((EUID == 0)) || die "run as root (the jobs are submitted as --user)"
for tool in slurmctld slurmd slurmstepd srun sbatch scancel squeue scontrol munged mungekey \
  setpriv runuser timeout python3 ss /bin/busybox; do
  command -v "$tool" >/dev/null || die "$tool not found (run helpers/install-deps.sh)"
done
id "$TEST_USER" >/dev/null 2>&1 || die "no user $TEST_USER (helpers/setup-test-host.sh creates it)"
id munge >/dev/null 2>&1 || die "no user munge (the munge package makes it)"
runuser -u "$TEST_USER" -- test -x "$RUNTIME" || die "$TEST_USER cannot execute $RUNTIME"
for port in "$PORT" $((PORT + 1)); do
  ! ss -Htln "sport = :$port" | grep -q . || die "port $port is in use (set SBX_OCI_SLURM_PORT)"
done
USER_UID=$(id -u "$TEST_USER")
USER_GID=$(id -g "$TEST_USER")
NODE=$(hostname -s)

DIR=${SBX_OCI_SLURM_DIR:-$(mktemp -d /tmp/sbx-oci-slurm.XXXXXX)}
mkdir -p "$DIR"
chmod 0711 "$DIR"
# Every process this script starts carries this in its environment (slurmd passes its own to the
# job steps and to the runtime): the exit trap ends leftovers by it, and only those.
MARK=SBX_OCI_SLURM_MARK=$DIR
DAEMON_PIDS=()

ours() {  # the pids whose environment holds $MARK, but not this shell
  local f pid
  for f in /proc/[0-9]*/environ; do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    grep -qzxF -- "$MARK" "$f" 2>/dev/null && echo "$pid"
  done
  return 0
}

cleanup() {
  set +e
  local pid jobs
  if [[ -S $DIR/munge/munge.socket ]] && ((${#DAEMON_PIDS[@]} >= 3)); then
    jobs=$(squeue -h -o %i 2>/dev/null)
    # shellcheck disable=SC2086
    [[ -n $jobs ]] && scancel $jobs 2>/dev/null
    for _ in $(seq 100); do [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break; sleep 0.1; done
  fi
  for pid in "${DAEMON_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${DAEMON_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  for pid in $(ours); do kill -KILL "$pid" 2>/dev/null; done
  # The detached container of the root-side check, if a check failed before its delete.
  [[ -n ${cid:-} ]] && "$RUNTIME" --root="$STATE/$TEST_USER" delete --force "$cid" >/dev/null 2>&1
  [[ -z ${SBX_OCI_SLURM_DIR:-} ]] && rm -rf "$DIR"
  return 0
}
trap cleanup EXIT

passed=0
failed=0
check() {  # check NAME COMMAND...
  local name=$1
  shift
  if "$@"; then
    echo "ok    $name"
    passed=$((passed + 1))
  else
    echo "FAIL  $name"
    failed=$((failed + 1))
  fi
}

# --- the bundle: busybox-static, a rootless config.json ----------------------------------------
BUNDLE=$DIR/bundle
mkdir -p "$BUNDLE/rootfs/bin" "$BUNDLE/rootfs/etc" "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/dev" \
  "$BUNDLE/rootfs/sys" "$BUNDLE/rootfs/tmp"
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
for applet in sh echo cat sleep true false id hostname ls; do
  ln -s busybox "$BUNDLE/rootfs/bin/$applet"
done
echo "sbx-oci-slurm-rootfs" >"$BUNDLE/rootfs/etc/sbx-marker"
chmod 1777 "$BUNDLE/rootfs/tmp"
# The user's own uid and gid, and only those, as root in a user namespace of the container's:
# what `runc spec --rootless` writes. Slurm replaces process.args, env and cwd.
python3 - "$BUNDLE/config.json" "$USER_UID" "$USER_GID" <<'EOF'
import json, sys
path, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
config = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["sh"],
        "env": ["PATH=/bin"], "cwd": "/",
        "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "sbx-slurm",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/sys", "type": "none", "source": "/sys",
         "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777"]},
    ],
    "linux": {
        "uidMappings": [{"containerID": 0, "hostID": uid, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": gid, "size": 1}],
        "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "user")],
        "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
chmod -R a+rX "$BUNDLE"

# --- munge ------------------------------------------------------------------------------------
# A key and socket of our own; munged runs as munge (it refuses directories others can write).
install -d -m 0755 -o munge -g munge "$DIR/munge"
mungekey --create --keyfile="$DIR/munge/munge.key" 2>/dev/null
chown munge:munge "$DIR/munge/munge.key"
chmod 0400 "$DIR/munge/munge.key"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$MARK" setpriv --reuid=munge --regid=munge \
  --init-groups munged --foreground --socket="$DIR/munge/munge.socket" \
  --key-file="$DIR/munge/munge.key" --pid-file="$DIR/munge/munged.pid" \
  --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" \
  >"$DIR/munge/stdout.log" 2>&1 &
DAEMON_PIDS+=($!)
for _ in $(seq 50); do [[ -S $DIR/munge/munge.socket ]] && break; sleep 0.1; done
[[ -S $DIR/munge/munge.socket ]] || { cat "$DIR/munge/"*.log >&2; die "munged did not start"; }

# --- slurm.conf and oci.conf ----------------------------------------------------------------------
ETC=$DIR/etc
mkdir -p "$ETC" "$DIR/ctld" "$DIR/spool" "$DIR/log"
# The runtime's state (--root) per user, in a sticky directory every user can create theirs in.
STATE=$DIR/oci-state
install -d -m 1777 "$STATE"
node_line=$(slurmd -C | head -n 1)
[[ $node_line == "NodeName=$NODE "* ]] || die "slurmd -C printed \"$node_line\""
cat >"$ETC/slurm.conf" <<EOF
ClusterName=sbxoci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmdDebug=debug
PlugStackConfig=$ETC/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=5
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=sbx Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
: >"$ETC/plugstack.conf"
# %n.%u.%j.%s.%t: node, user, job, step and task make the container id unique on the node.
# Slurm runs each pattern through /bin/sh -c: run as the job's user, the others as root.
ID='%n.%u.%j.%s.%t'
ROOT="--root=$STATE/%u"
cat >"$ETC/oci.conf" <<EOF
RunTimeQuery="$RUNTIME $ROOT state $ID"
RunTimeKill="$RUNTIME $ROOT kill -a $ID"
RunTimeDelete="$RUNTIME $ROOT delete --force $ID"
RunTimeRun="$RUNTIME $ROOT run $ID -b %b"
EOF
chmod 0644 "$ETC"/*.conf

export SLURM_CONF=$ETC/slurm.conf
SLURM_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SLURM_CONF="$SLURM_CONF" "$MARK")
"${SLURM_ENV[@]}" slurmctld -D -i -f "$SLURM_CONF" >"$DIR/log/slurmctld.out" 2>&1 &
DAEMON_PIDS+=($!)
"${SLURM_ENV[@]}" slurmd -D -f "$SLURM_CONF" >"$DIR/log/slurmd.out" 2>&1 &
DAEMON_PIDS+=($!)
for _ in $(seq 150); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.2
done
[[ $state == idle ]] || {
  tail -n 20 "$DIR/log/"*.log "$DIR/log/"*.out >&2
  die "the node did not become idle (state: ${state:-unknown})"
}
echo "slurm.sh: $RUNTIME, slurm $(sinfo -V | awk '{print $2}'), node $NODE up after ${SECONDS}s"

# --- the checks, as the user --------------------------------------------------------------------
HOME_DIR=$DIR/home
install -d -m 0700 -o "$TEST_USER" -g "$USER_GID" "$HOME_DIR"
as_user() {
  (cd "$HOME_DIR" && runuser -u "$TEST_USER" -- env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
    HOME="$HOME_DIR" USER="$TEST_USER" LOGNAME="$TEST_USER" SLURM_CONF="$SLURM_CONF" "$MARK" "$@")
}
SRUN=(timeout "$TIMEOUT" srun --container="$BUNDLE" -N1 -n1)

out=$(as_user "${SRUN[@]}" cat /etc/sbx-marker 2>&1) && status=0 || status=$?
check "srun: the step runs in the bundle's rootfs (status $status, output: $out)" \
  test "$status.$out" = "0.sbx-oci-slurm-rootfs"
out=$(as_user "${SRUN[@]}" hostname 2>&1) && status=0 || status=$?
check "srun: the config's hostname (status $status, output: $out)" test "$status.$out" = "0.sbx-slurm"
out=$(as_user "${SRUN[@]}" sh -c 'exit 3' 2>&1) && status=0 || status=$?
check "srun: the exit status passes through (status $status, want 3${out:+, output: $out})" \
  test "$status" = 3
out=$(echo "through stdin" | as_user "${SRUN[@]}" sh -c 'read -r line && echo "got $line"' 2>&1) &&
  status=0 || status=$?
check "srun: stdin reaches the container (status $status, output: $out)" \
  test "$status.$out" = "0.got through stdin"

# stderr apart: after every step slurmstepd asks RunTimeQuery for a container the runtime's
# `run` already deleted, and writes "_try_parse: JSON parsing error" there (runc too).
out=$(as_user timeout "$TIMEOUT" sbatch --container="$BUNDLE" --wait -o "$HOME_DIR/batch.out" \
  -e "$HOME_DIR/batch.err" --wrap 'cat /etc/sbx-marker; id -u' 2>&1) && status=0 || status=$?
batch=$(tr '\n' ' ' <"$HOME_DIR/batch.out" 2>/dev/null || true)
check "sbatch --wrap: its output (status $status, file: $batch)" \
  test "$status.$batch" = "0.sbx-oci-slurm-rootfs 0 "
out=$(as_user timeout "$TIMEOUT" sbatch --container="$BUNDLE" --wait -o /dev/null \
  --wrap 'exit 5' 2>&1) && status=0 || status=$?
check "sbatch --wait: the job's exit status (status $status, want 5)" test "$status" = 5

# scancel: a long sleep with an argument no other process has, gone once the job is.
nap=$((86400 + RANDOM))
job=$(as_user sbatch --parsable --container="$BUNDLE" -o /dev/null --wrap "sleep $nap" 2>&1)
sleeping() { pgrep -xf "sleep $nap" >/dev/null; }
for _ in $(seq 150); do sleeping && break; sleep 0.2; done
check "scancel: the container's sleep runs first (job $job)" sleeping
as_user scancel "$job"
for _ in $(seq 150); do
  ! sleeping && [[ -z $(squeue -h -j "$job" 2>/dev/null) ]] && break
  sleep 0.2
done
check "scancel: the container's process is gone" bash -c "! pgrep -xf 'sleep $nap' >/dev/null"
check "scancel: the job is gone (squeue: $(squeue -h -j "$job" -o %T 2>/dev/null))" \
  test -z "$(squeue -h -j "$job" 2>/dev/null)"
left=$(ls -A "$STATE/$TEST_USER" 2>/dev/null | tr '\n' ' ' || true)
check "the runtime's state dir holds no container (${left:-empty})" test -z "$left"

# The root side of the oci.conf on its own, as slurmstepd runs it when a step ends and its
# container still runs: the user's `run` (here detached, so that it outlives its caller), then
# state, kill -a and delete --force as root, through sh -c, in slurmd's environment (no HOME, no
# XDG_RUNTIME_DIR). Slurm reaches these only when proctrack has not already killed everything.
nap2=$((86400 + RANDOM))
mkdir -p "$DIR/bundle-sleep"
python3 - "$BUNDLE/config.json" "$DIR/bundle-sleep/config.json" "$BUNDLE/rootfs" "$nap2" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["root"]["path"] = sys.argv[3]
config["process"]["args"] = ["sh", "-c", "trap 'exit 0' TERM; sleep %s & wait" % sys.argv[4]]
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
chmod -R a+rX "$DIR/bundle-sleep"
cid=$NODE.$TEST_USER.direct.0.0
root_cmd() {  # root_cmd ARGS: the runtime as root, as slurmstepd calls it
  "${SLURM_ENV[@]}" sh -c "$RUNTIME --root=$STATE/$TEST_USER $*" </dev/null 2>&1
}
# Flags before the id: runc takes none after it. The container's stdio is /dev/null: it would
# hold a pipe open after run -d returns.
as_user sh -c "$RUNTIME --root=$STATE/$TEST_USER run -d -b $DIR/bundle-sleep $cid" \
  </dev/null >/dev/null 2>"$DIR/run-d.err" && status=0 || status=$?
out=$(cat "$DIR/run-d.err")
check "the user's run -d (status $status${out:+, output: $out})" test "$status" = 0
out=$(root_cmd state "$cid") && status=0 || status=$?
check "state as root: running (status $status, output: $(tr -d '\n ' <<<"$out"))" \
  grep -q '"status": *"running"' <<<"$out"
# The container's init is sh with a TERM trap (a pid namespace's init ignores signals it has no
# handler for), so that kill -a's SIGTERM ends it.
out=$(root_cmd kill -a "$cid") && status=0 || status=$?
for _ in $(seq 50); do pgrep -xf "sleep $nap2" >/dev/null || break; sleep 0.1; done
pgrep -xf "sleep $nap2" >/dev/null && after_kill=runs || after_kill=gone
echo "info  kill -a as root: status $status, the container's processes: $after_kill${out:+, output: $(tr '\n' ' ' <<<"$out")}"
out=$(root_cmd delete --force "$cid") && status=0 || status=$?
check "delete --force as root (status $status${out:+, output: $out})" test "$status" = 0
direct_gone() { ! pgrep -f "sleep $nap2 & wait" >/dev/null && ! pgrep -xf "sleep $nap2" >/dev/null; }
check "kill -a and delete --force as root: the container's processes are gone" direct_gone
out=$(root_cmd state "$cid") && status=0 || status=$?
check "state as root after delete: no such container (status $status, output: $out)" \
  test "$status" != 0
left=$(ls -A "$STATE/$TEST_USER" 2>/dev/null | tr '\n' ' ' || true)
check "the runtime's state dir holds no container after delete (${left:-empty})" test -z "$left"

echo "slurm.sh: $passed passed, $failed failed, ${SECONDS}s (dir $DIR)"
((failed == 0))
