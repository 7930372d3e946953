#!/bin/bash
# containerd (Debian's 1.6) driving an OCI runtime through `ctr run --runc-binary RUNTIME`: the
# io.containerd.runc.v2 shim's BinaryName option, the one a Kubernetes RuntimeClass handler
# sets (tests/oci/README-engines.md). Two parts, each with its own private containerd:
#   root       containerd as root, in a private mount namespace whose /run is a tmpfs (the
#              shim's sockets and the runtime's --root live there, never the host's
#              /run/containerd)
#   rootless   containerd under rootlesskit as the unprivileged test user
# Each part imports a busybox image built offline (umoci, busybox-static: no registry, no
# network), then checks output, exit status and stdin of `ctr run --rm`.
#
#   sudo tests/oci/containerd.sh RUNTIME [--user USER] [--skip-root] [--skip-rootless]
#
#   RUNTIME          an OCI runtime with runc's command line (/usr/sbin/runc, sandbox-runtime)
#   --user           the unprivileged user of the rootless part (default $SBX_TEST_USER or sbxtest)
#   --skip-root      skip the root part (SBX_OCI_SKIP_ROOT=1). With runc it creates cgroups
#                    under the host's /sys/fs/cgroup/<controller>/default/ID, as containerd asks
#                    through linux.cgroupsPath; sandbox-runtime creates none.
#   --skip-rootless  skip the rootless part
#
# Everything lives in a temporary directory (SBX_OCI_CONTAINERD_DIR to keep it); the daemons and
# shims this script started are stopped at exit, found by pid and by that directory's path in
# their command line. Prints one line per check and a summary; exits 1 when any failed.
set -euo pipefail

TEST_USER=${SBX_TEST_USER:-sbxtest}
SKIP_ROOT=${SBX_OCI_SKIP_ROOT:-0}
SKIP_ROOTLESS=${SBX_OCI_SKIP_ROOTLESS:-0}
TIMEOUT=${SBX_OCI_CONTAINERD_TIMEOUT:-60}  # per ctr command

die() { echo "containerd.sh: $*" >&2; exit 1; }
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
(($# >= 1)) || usage
case $1 in -h | --help) usage ;; esac
RUNTIME=$(command -v "$1" || true)
shift
while (($#)); do
  case $1 in
    --user) TEST_USER=${2:?--user needs a value}; shift 2 ;;
    --user=*) TEST_USER=${1#*=}; shift ;;
    --skip-root) SKIP_ROOT=1; shift ;;
    --skip-rootless) SKIP_ROOTLESS=1; shift ;;
    -h | --help) usage ;;
    *) echo "containerd.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ -n $RUNTIME && -x $RUNTIME ]] || die "the runtime is not an executable"
# Not resolved: sandbox-runtime is a link that the binary dispatches on by name.
RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME")
((EUID == 0)) || die "run as root (the rootless part runs as --user through runuser)"
for tool in containerd containerd-shim-runc-v2 ctr rootlesskit umoci unshare nsenter runuser timeout \
  newuidmap /bin/busybox; do
  command -v "$tool" >/dev/null || die "$tool not found (run helpers/install-deps.sh)"
done

DIR=${SBX_OCI_CONTAINERD_DIR:-$(mktemp -d /tmp/sbx-oci-ctrd.XXXXXX)}
mkdir -p "$DIR"
chmod 0711 "$DIR"
DAEMON_PIDS=()

# Our processes: the daemons by pid, and every process whose command line names $DIR
# (containerd, rootlesskit, the shims, which daemonize and are reparented). TERM to them all
# first, so that runuser reaps rootlesskit; KILL to what is left after 5s.
by_path() {
  local pid
  for pid in $(grep -lsF -- "$DIR/" /proc/[0-9]*/cmdline | cut -d/ -f3); do
    [[ $pid != "$$" && $pid != "$BASHPID" ]] && echo "$pid"
  done
  return 0
}
cleanup() {
  local pid
  for pid in $(by_path) "${DAEMON_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${DAEMON_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for pid in $(by_path) "${DAEMON_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [[ -z ${SBX_OCI_CONTAINERD_DIR:-} ]]; then
    umount -R "$DIR"/*/root/io.containerd.snapshotter.v1.native/snapshots/* 2>/dev/null || true
    rm -rf "$DIR"
  fi
  return 0
}
trap cleanup EXIT

passed=0
failed=0
check() {  # check NAME COMMAND...: a line, and a count
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

# --- the image: busybox-static in an OCI layout, tarred for `ctr images import` -------------
build_image() {
  local work=$DIR/image
  mkdir -p "$work"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:busybox"
  umoci unpack --image "$work/oci:busybox" "$work/bundle" >/dev/null
  mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/etc"
  cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
  local applet
  for applet in sh echo cat sleep true false id hostname ls; do
    ln -s busybox "$work/bundle/rootfs/bin/$applet"
  done
  echo "sbx-oci-containerd-image" >"$work/bundle/rootfs/etc/sbx-marker"
  umoci repack --image "$work/oci:busybox" "$work/bundle"
  umoci config --image "$work/oci:busybox" --config.cmd sh --config.env PATH=/bin
  tar -C "$work/oci" -cf "$DIR/busybox.tar" .
  chmod 0644 "$DIR/busybox.tar"
  rm -rf "$work"
}
build_image
IMAGE=sbx.test/busybox:busybox  # --base-name, then the layout's ref.name as the tag

# --- a private containerd config -----------------------------------------------------------
write_config() {  # write_config PART_DIR
  local part=$1
  cat >"$part/config.toml" <<EOF
version = 2
root = "$part/root"
state = "$part/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$part/containerd.sock"
[ttrpc]
  address = "$part/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$part/opt"
EOF
}

await_socket() {  # await_socket SOCKET PID LOG
  for _ in $(seq 100); do
    [[ -S $1 ]] && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "containerd exited"; }
    sleep 0.1
  done
  cat "$3" >&2
  die "containerd did not create $1 in 10s"
}

# --- the checks, the same in both parts -------------------------------------------------------
# CTR: the command prefix that runs ctr against this part's containerd.
# CTR_RUN_OPTS: extra `ctr run` options of the part.
run_checks() {  # run_checks PART
  local part=$1 out status
  local -a run=("${CTR[@]}" run --rm --snapshotter native --runc-binary "$RUNTIME"
    --fifo-dir "$PART_DIR/fifo" "${CTR_RUN_OPTS[@]}")
  out=$(timeout "$TIMEOUT" "${run[@]}" "$IMAGE" "sbx-$part-echo" echo hello from ctr 2>&1) &&
    status=0 || status=$?
  check "$part: echo prints its arguments (status $status, output: $out)" \
    test "$status.$out" = "0.hello from ctr"
  out=$(timeout "$TIMEOUT" "${run[@]}" "$IMAGE" "sbx-$part-rootfs" cat /etc/sbx-marker 2>&1) &&
    status=0 || status=$?
  check "$part: the image's rootfs is the container's (output: $out)" \
    test "$status.$out" = "0.sbx-oci-containerd-image"
  out=$(timeout "$TIMEOUT" "${run[@]}" "$IMAGE" "sbx-$part-exit" sh -c 'exit 7' 2>&1) &&
    status=0 || status=$?
  check "$part: the exit status passes through (status $status, want 7${out:+, output: $out})" \
    test "$status" = 7
  # One line, not cat to EOF: ctr does not close the container's stdin at its own stdin's end.
  out=$(echo "from stdin" | timeout "$TIMEOUT" "${run[@]}" "$IMAGE" "sbx-$part-stdin" \
    sh -c 'read -r line && echo "$line"' 2>&1) &&
    status=0 || status=$?
  check "$part: stdin reaches the container (status $status, output: $out)" \
    test "$status.$out" = "0.from stdin"
  out=$(timeout "$TIMEOUT" "${CTR[@]}" containers ls -q 2>&1)
  check "$part: --rm left no container (ctr containers ls: ${out:-none})" test -z "$out"
}

# --- root -------------------------------------------------------------------------------------
root_part() {
  local part_started=$SECONDS
  PART_DIR=$DIR/root
  mkdir -p "$PART_DIR/fifo"
  write_config "$PART_DIR"
  # /run a tmpfs of its own: the shims put their sockets in /run/containerd/s and the runtime
  # its state in /run/containerd/runc, whatever the config says.
  unshare -m --propagation private -- sh -c \
    'mount -t tmpfs -o mode=0755 sbx-oci-run /run && exec containerd --config "$1"' \
    sh "$PART_DIR/config.toml" >"$PART_DIR/containerd.log" 2>&1 &
  local pid=$!
  DAEMON_PIDS+=("$pid")
  await_socket "$PART_DIR/containerd.sock" "$pid" "$PART_DIR/containerd.log"
  CTR=(ctr --address "$PART_DIR/containerd.sock" --namespace sbx-oci)
  CTR_RUN_OPTS=()  # containerd's defaults: linux.cgroupsPath /sbx-oci/ID, cpu.shares 1024
  timeout "$TIMEOUT" "${CTR[@]}" images import --snapshotter native --base-name sbx.test/busybox "$DIR/busybox.tar" >/dev/null
  run_checks root
  echo "root part: $((SECONDS - part_started))s"
}

# --- rootless ---------------------------------------------------------------------------------
# containerd in rootlesskit's user and mount namespaces (--net=host: the container makes its own
# network namespace anyway; --copy-up=/run: a writable /run for the shims' sockets). The user's
# ctr joins its namespaces, as with nerdctl's containerd-rootless.sh.
rootless_part() {
  local part_started=$SECONDS
  id "$TEST_USER" >/dev/null 2>&1 || die "no user $TEST_USER (helpers/setup-test-host.sh creates it)"
  grep -q "^$TEST_USER:" /etc/subuid || die "$TEST_USER has no /etc/subuid range"
  runuser -u "$TEST_USER" -- test -x "$RUNTIME" || die "$TEST_USER cannot execute $RUNTIME"
  PART_DIR=$DIR/rootless
  install -d -m 0700 -o "$TEST_USER" -g "$(id -g "$TEST_USER")" "$PART_DIR"
  local -a as_user=(runuser -u "$TEST_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
    HOME="$PART_DIR" USER="$TEST_USER" LOGNAME="$TEST_USER" LANG=C.UTF-8
    XDG_RUNTIME_DIR="$PART_DIR/xdg")
  "${as_user[@]}" mkdir -p "$PART_DIR/fifo" "$PART_DIR/xdg" "$PART_DIR/rootlesskit"
  write_config "$PART_DIR"
  chown "$TEST_USER:" "$PART_DIR/config.toml"
  # rootlesskit wants its state dir not to exist yet.
  rmdir "$PART_DIR/rootlesskit"
  (cd / && exec "${as_user[@]}" rootlesskit --state-dir="$PART_DIR/rootlesskit" --net=host \
    --copy-up=/run --propagation=rslave containerd --config "$PART_DIR/config.toml") \
    >"$PART_DIR/containerd.log" 2>&1 &
  local pid=$!
  DAEMON_PIDS+=("$pid")
  await_socket "$PART_DIR/containerd.sock" "$pid" "$PART_DIR/containerd.log"
  # ctr mounts the image's snapshot itself (to read its /etc/passwd and /etc/group): it runs in
  # rootlesskit's user and mount namespaces, as nerdctl does (`nsenter -U -m -t child_pid`).
  local child
  for _ in $(seq 50); do
    child=$(cat "$PART_DIR/rootlesskit/child_pid" 2>/dev/null || true)
    [[ -n $child ]] && break
    sleep 0.1
  done
  [[ -n $child ]] || die "rootlesskit wrote no child_pid"
  CTR=("${as_user[@]}" nsenter -U --preserve-credentials -m -t "$child"
    ctr --address "$PART_DIR/containerd.sock" --namespace sbx-oci)
  # No cgroup: an unprivileged user has no cgroup of its own to create containers in here (no
  # systemd to delegate one), and runc fails on the default /sbx-oci/ID with "mkdir
  # /sys/fs/cgroup/cpuset/sbx-oci: permission denied". Nor a limit: ctr asks for cpu.shares
  # 1024 unless told 0 ("cannot set cpu limit: container could not join or create cgroup").
  # nerdctl's --cgroup-manager=none and the CRI plugin's disable_cgroup do the same.
  CTR_RUN_OPTS=(--cgroup "" --cpu-shares 0)
  timeout "$TIMEOUT" "${CTR[@]}" images import --snapshotter native --base-name sbx.test/busybox "$DIR/busybox.tar" >/dev/null
  run_checks rootless
  echo "rootless part: $((SECONDS - part_started))s"
}

echo "containerd.sh: $RUNTIME, containerd $(containerd --version | awk '{print $3}')"
if ((SKIP_ROOT)); then echo "skip  root: --skip-root"; else root_part; fi
if ((SKIP_ROOTLESS)); then echo "skip  rootless: --skip-rootless"; else rootless_part; fi
echo "containerd.sh: $passed passed, $failed failed, ${SECONDS}s (dir $DIR)"
((failed == 0))
