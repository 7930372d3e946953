#!/bin/bash
# Rootless podman (Debian's 4.3) driving an OCI runtime: the scenarios podman users meet, as the
# unprivileged test user, first with the runtime given by path (`podman --runtime RUNTIME`),
# then through a containers.conf [engine.runtimes] entry with runtime_supports_json (podman then
# passes --log-format=json --log FILE and reads the runtime's errors from that file).
# See tests/oci/README.md.
#
#   sudo tests/oci/podman.sh RUNTIME [--user USER] [--image REF]
#
#   RUNTIME   path of an OCI runtime with runc's command line (e.g. /usr/sbin/runc)
#   --user    the unprivileged user (default $SBX_TEST_USER or sbxtest)
#   --image   the image (default 127.0.0.1:5000/test/busybox:latest from the test rig,
#             tests/rig/; any registry on 127.0.0.1 is trusted over plain HTTP)
#
# Everything podman keeps lives in a private directory (SBX_OCI_PODMAN_DIR, default
# /tmp/sbx-oci-podman-USER: short, as podman's sockets need): HOME, XDG_RUNTIME_DIR, storage
# (vfs), registries.conf, containers.conf. The host's /etc/containers and the user's own podman
# state are never touched. Prints one line per scenario and a summary; exits 1 when any failed.
set -euo pipefail

TEST_USER=${SBX_TEST_USER:-sbxtest}
IMAGE=127.0.0.1:5000/test/busybox:latest
TIMEOUT=${SBX_OCI_PODMAN_TIMEOUT:-120}  # per podman command

die() { echo "podman.sh: $*" >&2; exit 1; }
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit 2; }
(($# >= 1)) || usage
case $1 in -h | --help) usage ;; esac
RUNTIME_ARG=$1
shift
while (($#)); do
  case $1 in
    --user) TEST_USER=${2:?--user needs a value}; shift 2 ;;
    --user=*) TEST_USER=${1#*=}; shift ;;
    --image) IMAGE=${2:?--image needs a value}; shift 2 ;;
    --image=*) IMAGE=${1#*=}; shift ;;
    -h | --help) usage ;;
    *) echo "podman.sh: unknown argument $1" >&2; usage ;;
  esac
done
RUNTIME=$(command -v "$RUNTIME_ARG" || true)
[[ -n $RUNTIME && -x $RUNTIME ]] || die "$RUNTIME_ARG: not an executable"
# Absolute, but symlinks kept: a multi-call binary (sandbox-runtime -> sandbox) goes by argv[0].
[[ $RUNTIME == /* ]] || RUNTIME=$PWD/$RUNTIME
for tool in podman conmon curl python3 timeout; do
  command -v "$tool" >/dev/null || die "$tool not found (run helpers/install-deps.sh)"
done
if ((EUID == 0)); then
  [[ $TEST_USER != root ]] || die "--user must be an unprivileged user"
  id "$TEST_USER" >/dev/null 2>&1 || die "no user $TEST_USER (helpers/setup-test-host.sh creates sbxtest)"
  runuser -u "$TEST_USER" -- test -x "$RUNTIME" || die "$TEST_USER cannot execute $RUNTIME"
else
  TEST_USER=$(id -un)
fi
grep -q "^$TEST_USER:" /etc/subuid 2>/dev/null || die "$TEST_USER has no /etc/subuid range"
registry=${IMAGE%%/*}

# --- a private podman for the test user -----------------------------------------------------
DIR=${SBX_OCI_PODMAN_DIR:-/tmp/sbx-oci-podman-$TEST_USER}
# Every directory down to the storage is searchable (0711): with --userns=keep-id the runtime
# mounts the rootfs as the container's root, a subordinate uid, which must traverse the path.
if ((EUID == 0)); then
  install -d -m 0711 -o "$TEST_USER" -g "$(id -g "$TEST_USER")" "$DIR"
else
  install -d -m 0711 "$DIR"
fi
ENVS=(PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$DIR/home" USER="$TEST_USER"
  LOGNAME="$TEST_USER" LANG=C.UTF-8 XDG_RUNTIME_DIR="$DIR/run"
  XDG_CONFIG_HOME="$DIR/home/.config" XDG_DATA_HOME="$DIR/home/.local/share")
as_user() {
  if ((EUID == 0)); then
    (cd / && runuser -u "$TEST_USER" -- env -i "${ENVS[@]}" "$@")
  else
    (cd / && env -i "${ENVS[@]}" "$@")
  fi
}
as_user mkdir -p "$DIR/home/.config/containers" "$DIR/run" "$DIR/storage" "$DIR/logs"
as_user chmod 0700 "$DIR/run" "$DIR/home" "$DIR/logs"
as_user chmod 0711 "$DIR/storage"
CONF=$DIR/home/.config/containers
as_user tee "$CONF/registries.conf" >/dev/null <<EOF
[[registry]]
location = "$registry"
insecure = true
EOF
as_user tee "$CONF/storage.conf" >/dev/null <<EOF
[storage]
driver = "vfs"
graphroot = "$DIR/storage"
runroot = "$DIR/run/containers"
EOF
# cgroupfs: no systemd user session needed, and it works on hybrid hosts as on cgroup v2.
as_user tee "$CONF/containers.conf" >/dev/null <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
# The [engine.runtimes] variant: the runtime under a name, through a wrapper that records the
# command lines podman (conmon) gives it, so the test sees --log-format=json arrive.
ARGV_LOG=$DIR/logs/runtime-argv.log
rm -f "$ARGV_LOG"
as_user tee "$DIR/runtime-wrapper" >/dev/null <<EOF
#!/bin/sh
{ printf '%s\n' "\$*" >>'$ARGV_LOG'; } 2>/dev/null || :
exec '$RUNTIME' "\$@"
EOF
as_user chmod 0755 "$DIR/runtime-wrapper"
as_user tee "$DIR/engine-runtimes.conf" >/dev/null <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "sbx-under-test"
runtime_supports_json = ["sbx-under-test"]

[engine.runtimes]
sbx-under-test = ["$DIR/runtime-wrapper"]
EOF

PODMAN_BY_PATH=(podman --runtime "$RUNTIME")
PODMAN_BY_CONF=(env CONTAINERS_CONF="$DIR/engine-runtimes.conf" podman)
podman_cmd=("${PODMAN_BY_PATH[@]}")
# p ARGS...: podman as the user, output in $out (stdout and stderr), status in $status.
out=""
status=0
p() {
  status=0
  out=$(as_user timeout "$TIMEOUT" "${podman_cmd[@]}" "$@" 2>&1) || status=$?
  printf '$ podman %s\n%s\n[status %s]\n' "$*" "$out" "$status" >>"$LOG"
}
LOG=$DIR/logs/podman.log
: >"$LOG"
((EUID != 0)) || chown "$TEST_USER:" "$LOG"

PASSED=0
FAILED=()
# scenario NAME FUNCTION: one line per scenario, with its wall time.
scenario() {
  local name=$1 fn=$2 start why
  start=$(date +%s%N)
  why=$("$fn" 2>&1) && rc=0 || rc=$?
  local ms=$((($(date +%s%N) - start) / 1000000))
  if ((rc == 0)); then
    PASSED=$((PASSED + 1))
    printf 'PASS %-40s %6s ms\n' "$name" "$ms"
  else
    FAILED+=("$name")
    printf 'FAIL %-40s %6s ms  %s\n' "$name" "$ms" "${why//$'\n'/ | }"
  fi
}
# fail WHY: ends the scenario (each runs in a subshell) with WHY, the last podman command, its
# status and the end of its output (the whole of it is in $LOG).
fail() {
  local tail=${out//$'\n'/ | }
  ((${#tail} <= 240)) || tail="...${tail: -240}"
  echo "$1; last: podman ${last_args:-?} -> status $status: $tail"
  exit 1
}
run_p() { last_args="$*"; p "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Leftovers of an earlier, interrupted run.
cleanup_containers() {
  local c
  for c in sbx-oci-d sbx-oci-web sbx-oci-conf; do
    as_user timeout "$TIMEOUT" podman --runtime "$RUNTIME" rm -f -t 0 "$c" >/dev/null 2>&1 || true
  done
}

s_pull() {
  run_p pull -q "$IMAGE"
  ((status == 0)) || fail "pull failed"
}
s_run() {
  run_p run --rm "$IMAGE" echo hello-from-run
  [[ $status == 0 && $out == *hello-from-run* ]] || fail "expected hello-from-run"
  run_p run --rm "$IMAGE" sh -c 'exit 7'
  ((status == 7)) || fail "expected the container's exit status 7"
}
s_run_d() {
  p rm -f -t 0 sbx-oci-d
  run_p run -d --name sbx-oci-d "$IMAGE" sh -c 'echo log-line-1; echo log-line-2 >&2; exec sleep 600'
  ((status == 0)) || fail "run -d failed"
  run_p inspect --format '{{.State.Status}} {{.State.Pid}}' sbx-oci-d
  [[ $out == running\ [1-9]* ]] || fail "expected running with a pid"
}
s_exec() {
  run_p exec sbx-oci-d sh -c 'echo exec-out; echo exec-err >&2; exit 3'
  [[ $status == 3 && $out == *exec-out* && $out == *exec-err* ]] ||
    fail "expected exec-out, exec-err and status 3"
  run_p exec -i sbx-oci-d cat </dev/null
  ((status == 0)) || fail "exec -i with empty stdin failed"
}
s_exec_t() {
  run_p exec -t sbx-oci-d sh -c 'tty; test -t 0 && test -t 1 && echo is-a-tty'
  [[ $status == 0 && $out == */dev/pts/* && $out == *is-a-tty* ]] ||
    fail "expected a /dev/pts terminal"
}
s_logs() {
  run_p logs sbx-oci-d
  [[ $status == 0 && $out == *log-line-1* && $out == *log-line-2* ]] ||
    fail "expected log-line-1 and log-line-2"
}
s_stop() {
  # sleep is PID 1 here and ignores SIGTERM: the runtime gets kill TERM, then kill KILL.
  run_p stop -t 2 sbx-oci-d
  ((status == 0)) || fail "stop failed"
  run_p inspect --format '{{.State.Status}}' sbx-oci-d
  [[ $out == exited ]] || fail "expected exited"
}
s_rm() {
  run_p rm sbx-oci-d
  ((status == 0)) || fail "rm failed"
  run_p ps -a --format '{{.Names}}'
  [[ $out != *sbx-oci-d* ]] || fail "the container is still listed"
}
s_keep_id() {
  local uid gid
  if ((EUID == 0)); then uid=$(id -u "$TEST_USER") gid=$(id -g "$TEST_USER"); else uid=$(id -u) gid=$(id -g); fi
  run_p run --rm --userns=keep-id "$IMAGE" id
  [[ $status == 0 && $out == *"uid=$uid("*"gid=$gid("* ]] || fail "expected uid=$uid gid=$gid"
}
s_ports() {
  local port body
  port=$(free_port)
  p rm -f -t 0 sbx-oci-web
  run_p run -d --name sbx-oci-web -p "127.0.0.1:$port:8080" "$IMAGE" \
    sh -c 'mkdir -p /www && echo port-ok >/www/index.html && exec httpd -f -p 8080 -h /www'
  ((status == 0)) || fail "run -d -p failed"
  for _ in $(seq 50); do
    body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null) && break
    sleep 0.1
  done
  run_p rm -f -t 0 sbx-oci-web
  [[ ${body:-} == port-ok ]] || fail "GET 127.0.0.1:$port gave '${body:-nothing}', not port-ok"
}
s_conf_run() {
  as_user tee "$ARGV_LOG" </dev/null
  p rm -f -t 0 sbx-oci-conf
  run_p run --name sbx-oci-conf "$IMAGE" echo hello-via-conf
  [[ $status == 0 && $out == *hello-via-conf* ]] || fail "expected hello-via-conf"
  run_p inspect --format '{{.OCIRuntime}}' sbx-oci-conf
  [[ $out == sbx-under-test ]] || fail "expected OCIRuntime sbx-under-test"
  run_p rm sbx-oci-conf
  grep -q -- '--log-format=json .*create ' "$ARGV_LOG" ||
    fail "the runtime was not given --log-format=json at create"
}
s_conf_json_error() {
  # The runtime reports the failed exec in its JSON log; podman reads it and maps it to 127.
  run_p run --rm "$IMAGE" /no/such/command
  [[ $status == 127 && $out == */no/such/command* ]] ||
    fail "expected status 127 and the runtime's message naming /no/such/command"
}
s_conf_exec_logs_stop() {
  p rm -f -t 0 sbx-oci-conf
  run_p run -d --name sbx-oci-conf "$IMAGE" sh -c 'echo conf-log; exec sleep 600'
  ((status == 0)) || fail "run -d failed"
  run_p exec sbx-oci-conf echo conf-exec
  [[ $out == *conf-exec* ]] || fail "exec failed"
  run_p logs sbx-oci-conf
  [[ $out == *conf-log* ]] || fail "logs lack conf-log"
  run_p rm -f -t 1 sbx-oci-conf
  ((status == 0)) || fail "rm -f failed"
}

start=$SECONDS
echo "podman.sh: $(podman --version), runtime $RUNTIME ($("$RUNTIME" --version 2>/dev/null | head -n1 || echo '?'))"
echo "podman.sh: as $TEST_USER, image $IMAGE, state in $DIR"
cleanup_containers
scenario "pull (insecure registries.conf)" s_pull
if ((${#FAILED[@]})); then
  echo "podman.sh: cannot pull $IMAGE (is the rig running? sudo tests/rig/start.sh)" >&2
  exit 1
fi
echo "-- podman --runtime $RUNTIME"
scenario "run" s_run
scenario "run -d" s_run_d
scenario "exec" s_exec
scenario "exec -t" s_exec_t
scenario "logs" s_logs
scenario "stop" s_stop
scenario "rm" s_rm
scenario "run --userns=keep-id" s_keep_id
scenario "run -p (ports)" s_ports
echo "-- containers.conf [engine.runtimes] with runtime_supports_json"
podman_cmd=("${PODMAN_BY_CONF[@]}")
scenario "engine.runtimes: run" s_conf_run
scenario "engine.runtimes: JSON error log" s_conf_json_error
scenario "engine.runtimes: run -d, exec, logs, rm" s_conf_exec_logs_stop
podman_cmd=("${PODMAN_BY_PATH[@]}")
cleanup_containers

# The pause process of this private XDG_RUNTIME_DIR (started by this script's podman).
pause_pid=$(cat "$DIR/run/libpod/tmp/pause.pid" 2>/dev/null || true)
if [[ -n $pause_pid && -r /proc/$pause_pid/cmdline ]] &&
  [[ $(tr '\0' ' ' <"/proc/$pause_pid/cmdline") == podman* ]]; then
  kill "$pause_pid" 2>/dev/null || true
fi

echo
echo "podman.sh: $PASSED passed, ${#FAILED[@]} failed, in $((SECONDS - start))s" \
  "(commands and output: $LOG)"
((${#FAILED[@]} == 0))
