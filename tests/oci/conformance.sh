#!/bin/bash
# OCI runtime conformance: runs the opencontainers runtime-tools validation suite and the
# lifecycle files of runc's bats integration tests against RUNTIME, rootless, the way rootless
# podman runs a runtime: as the unprivileged test user inside `podman unshare` (uid 0 in a user
# namespace with the user's /etc/subuid range mapped). See tests/oci/README.md.
#
#   sudo tests/oci/conformance.sh RUNTIME [--suite runtime-tools|runc-bats|all] [--user USER]
#                                 [--all-files] [--only NAME]...
#
#   RUNTIME      path of an OCI runtime with runc's command line (e.g. /usr/sbin/runc)
#   --suite      which suite (default all)
#   --user       the unprivileged user to run as (default $SBX_TEST_USER or sbxtest); when not
#                run as root, the calling user runs the suites and --user must name it
#   --all-files  every bats file and every validation instead of the baseline lists
#                (tests/oci/runc-bats-files.txt, tests/oci/runtime-tools-validations.txt)
#   --only NAME  just this bats file (start.bats) or validation (create); repeatable
#
# Environment: SBX_OCI_CACHE (default /var/tmp/sandbox-oci-conformance) holds the unpacked
# archives, the runtime-tools build (Go caches included) and the root filesystems, reused while
# their inputs are unchanged; SBX_OCI_ARCHIVES the directory with runc-*-integration.tar.xz and
# runtime-tools-*.tar.xz (default ../shared/oci-conformance from the repository, then
# /work/shared/oci-conformance); SBX_OCI_FILE_TIMEOUT seconds per file (default 120);
# SBX_OCI_RETRIES how often a failed file is run again (default 1; the line says when a file
# passed only on a retry, and the summary counts those).
# Prints one line per file or validation and a summary; exits 1 when any failed, 2 on misuse.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${SBX_OCI_CACHE:-/var/tmp/sandbox-oci-conformance}
TEST_USER=${SBX_TEST_USER:-sbxtest}
SUITE=all
ALL_FILES=0
ONLY=()

die() { echo "conformance: $*" >&2; exit 1; }
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit 2; }

(($# >= 1)) || usage
case $1 in -h | --help) usage ;; esac
RUNTIME_ARG=$1
shift
while (($#)); do
  case $1 in
    --suite) SUITE=${2:?--suite needs a value}; shift 2 ;;
    --suite=*) SUITE=${1#*=}; shift ;;
    --user) TEST_USER=${2:?--user needs a value}; shift 2 ;;
    --user=*) TEST_USER=${1#*=}; shift ;;
    --all-files) ALL_FILES=1; shift ;;
    --only) ONLY+=("${2:?--only needs a value}"); shift 2 ;;
    --only=*) ONLY+=("${1#*=}"); shift ;;
    -h | --help) usage ;;
    *) echo "conformance: unknown argument $1" >&2; usage ;;
  esac
done
case $SUITE in
  all) SUITES=(runc-bats runtime-tools) ;;
  runc-bats | runtime-tools) SUITES=("$SUITE") ;;
  *) echo "conformance: --suite is runtime-tools, runc-bats or all" >&2; exit 2 ;;
esac
RUNTIME=$(command -v "$RUNTIME_ARG" || true)
[[ -n $RUNTIME && -x $RUNTIME ]] || die "$RUNTIME_ARG: not an executable"
# Absolute, but symlinks kept: a multi-call binary (sandbox-runtime -> sandbox) goes by argv[0].
[[ $RUNTIME == /* ]] || RUNTIME=$PWD/$RUNTIME

if ((EUID == 0)); then
  [[ $TEST_USER != root ]] || die "--user must be an unprivileged user"
  id "$TEST_USER" >/dev/null 2>&1 || die "no user $TEST_USER (helpers/setup-test-host.sh creates sbxtest)"
else
  [[ $TEST_USER == "$(id -un)" ]] || TEST_USER=$(id -un)
fi
grep -q "^$TEST_USER:" /etc/subuid 2>/dev/null || die "$TEST_USER has no /etc/subuid range"
tools=(bats jq gawk script podman tar xz gzip timeout /bin/busybox)
[[ " ${SUITES[*]} " == *" runtime-tools "* ]] && tools+=(go make)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "$tool not found (run helpers/install-deps.sh)"
done
runuser -u "$TEST_USER" -- test -x "$RUNTIME" 2>/dev/null || ((EUID != 0)) ||
  die "$TEST_USER cannot execute $RUNTIME (a parent directory is not searchable?)"

find_archives() {
  local dir
  for dir in ${SBX_OCI_ARCHIVES:-} "$REPO/../shared/oci-conformance" /work/shared/oci-conformance; do
    if compgen -G "$dir/runc-*-integration.tar.xz" >/dev/null; then
      ARCHIVES=$(cd "$dir" && pwd)
      return 0
    fi
  done
  die "no runc-*-integration.tar.xz in ${SBX_OCI_ARCHIVES:-$REPO/../shared/oci-conformance}" \
    "or /work/shared/oci-conformance (set SBX_OCI_ARCHIVES)"
}
find_archives
RUNC_ARCHIVE=$(compgen -G "$ARCHIVES/runc-*-integration.tar.xz" | sort | tail -n1)
RT_ARCHIVE=$(compgen -G "$ARCHIVES/runtime-tools-*.tar.xz" | sort | tail -n1 || true)
[[ " ${SUITES[*]} " != *" runtime-tools "* || -n $RT_ARCHIVE ]] ||
  die "no runtime-tools-*.tar.xz in $ARCHIVES"

ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)  # Go's GOARCH for amd64/arm64
# shellcheck source-path=SCRIPTDIR source=rootfs.sh
source "$HERE/rootfs.sh"

# --- the cache: archives unpacked, runtime-tools built, root filesystems ----------------------
mkdir -p "$CACHE"
chmod 0755 "$CACHE"
exec 9>"$CACHE/lock"
flock 9  # one preparation at a time; two runs may then share the read-only trees
step_start=$SECONDS

# stamp_ok DIR KEY: DIR was prepared from inputs hashing to KEY.
stamp_ok() { [[ -f $1/.sbx-stamp && $(cat "$1/.sbx-stamp") == "$2" ]]; }
inputs_key() { cat "$@" | sha256sum | cut -c1-64; }

ROOTFS_KEY=$(inputs_key "$HERE/rootfs.sh" /bin/busybox)
ROOTFS_DIR=$CACHE/rootfs
if ! stamp_ok "$ROOTFS_DIR" "$ROOTFS_KEY"; then
  echo "conformance: building the busybox root filesystems from /bin/busybox"
  rm -rf "$ROOTFS_DIR"
  mkdir -p "$ROOTFS_DIR"
  make_runc_bats_rootfs "$ROOTFS_DIR/runc-bats"
  make_runtime_tools_rootfs "$ROOTFS_DIR/runtime-tools"
  pack_rootfs "$ROOTFS_DIR/runc-bats" "$ROOTFS_DIR/runc-bats.tar.xz"
  pack_rootfs "$ROOTFS_DIR/runtime-tools" "$ROOTFS_DIR/runtime-tools.tar.gz"
  rm -rf "${ROOTFS_DIR:?}/runc-bats" "${ROOTFS_DIR:?}/runtime-tools"
  echo "$ROOTFS_KEY" >"$ROOTFS_DIR/.sbx-stamp"
fi

# runc's tests/integration and contrib/cmd/recvtty (a Python stand-in for the Go program, in the
# archive), with the images get-images.sh would download already in testdata/.
RUNC_KEY=$(inputs_key "$RUNC_ARCHIVE" "$ROOTFS_DIR/.sbx-stamp")
RUNC_DIR=$CACHE/runc
if ! stamp_ok "$RUNC_DIR" "$RUNC_KEY"; then
  echo "conformance: unpacking $(basename "$RUNC_ARCHIVE")"
  rm -rf "$RUNC_DIR"
  mkdir -p "$RUNC_DIR"
  tar -C "$RUNC_DIR" --strip-components=1 --no-same-owner -xJf "$RUNC_ARCHIVE"
  [[ -f $RUNC_DIR/tests/integration/helpers.bash ]] || die "$RUNC_ARCHIVE: no tests/integration"
  testdata=$RUNC_DIR/tests/integration/testdata
  cp "$ROOTFS_DIR/runc-bats.tar.xz" "$testdata/busybox-$ARCH.tar.xz"
  # Only hooks.bats (needs root and a Debian with ldconfig: fails rootless anyway) uses the
  # Debian image; busybox under its name keeps get-images.sh from reaching for the network.
  cp "$ROOTFS_DIR/runc-bats.tar.xz" "$testdata/debian-$ARCH.tar.xz"
  echo "$RUNC_KEY" >"$RUNC_DIR/.sbx-stamp"
fi

# runtime-tools: its validation executables and runtimetest, built offline from the vendored
# modules with Debian's Go; its Gentoo-based rootfs tarball is replaced by ours.
RT_DIR=$CACHE/runtime-tools
if [[ " ${SUITES[*]} " == *" runtime-tools "* ]]; then
  RT_KEY=$(inputs_key "$RT_ARCHIVE" "$ROOTFS_DIR/.sbx-stamp" <(go version))
  if ! stamp_ok "$RT_DIR" "$RT_KEY"; then
    echo "conformance: unpacking and building $(basename "$RT_ARCHIVE") (about a minute)"
    rm -rf "$RT_DIR"
    mkdir -p "$RT_DIR" "$CACHE/go/cache" "$CACHE/go/path"
    tar -C "$RT_DIR" --strip-components=1 --no-same-owner -xJf "$RT_ARCHIVE"
    rm -f "$RT_DIR"/rootfs-*.tar.gz
    cp "$ROOTFS_DIR/runtime-tools.tar.gz" "$RT_DIR/rootfs-$ARCH.tar.gz"
    build_log=$CACHE/runtime-tools-build.log
    if ! (cd "$RT_DIR" && env GOCACHE="$CACHE/go/cache" GOPATH="$CACHE/go/path" \
      GOFLAGS="-mod=vendor -p=2" GOPROXY=off GOTOOLCHAIN=local GOMAXPROCS=2 \
      nice make -j2 runtimetest validation-executables) >"$build_log" 2>&1; then
      tail -n 30 "$build_log"
      die "building runtime-tools failed (log: $build_log)"
    fi
    echo "$RT_KEY" >"$RT_DIR/.sbx-stamp"
  fi
fi
chmod -R a+rX "$ROOTFS_DIR" "$RUNC_DIR" ${RT_DIR:+"$RT_DIR"} 2>/dev/null || true
flock -u 9
prep_time=$((SECONDS - step_start))

# --- the lists ------------------------------------------------------------------------------
# list_of FILE: the names in FILE, without comments and blank lines.
list_of() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1"; }
BATS_FILES=()
VALIDATIONS=()
if ((${#ONLY[@]})); then
  for name in "${ONLY[@]}"; do
    if [[ $name == *.bats ]]; then BATS_FILES+=("$name"); else VALIDATIONS+=("$name"); fi
  done
elif ((ALL_FILES)); then
  mapfile -t BATS_FILES < <(cd "$RUNC_DIR/tests/integration" && ls -- *.bats)
  [[ ! -d $RT_DIR/validation ]] ||
    mapfile -t VALIDATIONS < <(cd "$RT_DIR/validation" && for d in */; do
      d=${d%/}
      [[ -x $d/$d.t ]] && echo "$d"
    done)
else
  mapfile -t BATS_FILES < <(list_of "$HERE/runc-bats-files.txt")
  mapfile -t VALIDATIONS < <(list_of "$HERE/runtime-tools-validations.txt")
fi
for f in "${BATS_FILES[@]}"; do
  [[ -f $RUNC_DIR/tests/integration/$f ]] || die "no bats file $f in $RUNC_ARCHIVE"
done

# --- the user's side: a private HOME, XDG_RUNTIME_DIR and podman configuration --------------
# Private so that nothing here touches the user's own podman storage or /etc/containers:
# podman's rootless storage with the vfs driver (no fuse-overlayfs needed for `unshare`) and
# cgroupfs, which works on hybrid and v2 hosts without a systemd user session.
USER_DIR=$CACHE/user-$TEST_USER
as_user() {
  local envs=(PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$USER_DIR/home"
    USER="$TEST_USER" LOGNAME="$TEST_USER" LANG=C.UTF-8 TERM=dumb
    XDG_RUNTIME_DIR="$USER_DIR/run" XDG_CONFIG_HOME="$USER_DIR/home/.config"
    XDG_DATA_HOME="$USER_DIR/home/.local/share" TMPDIR="$USER_DIR/tmp"
    SBX_OCI_FILE_TIMEOUT="${SBX_OCI_FILE_TIMEOUT:-120}" SBX_OCI_RETRIES="${SBX_OCI_RETRIES:-1}")
  if ((EUID == 0)); then
    (cd / && runuser -u "$TEST_USER" -- env -i "${envs[@]}" "$@")
  else
    (cd / && env -i "${envs[@]}" "$@")
  fi
}
# Searchable (0711) down to the bundles in tmp/: a runtime that maps other ids into the container
# (linux_uid_mappings, userns.bats) sets up the rootfs as one of them. runc's helpers.bash does
# the same (chmod a+x) to its own temporary directories.
if ((EUID == 0)); then
  install -d -m 0711 -o "$TEST_USER" -g "$(id -g "$TEST_USER")" "$USER_DIR"
else
  install -d -m 0711 "$USER_DIR"
fi
as_user mkdir -p "$USER_DIR/home/.config/containers" "$USER_DIR/run" "$USER_DIR/tmp" \
  "$USER_DIR/logs"
as_user chmod 0700 "$USER_DIR/run"
as_user tee "$USER_DIR/home/.config/containers/storage.conf" >/dev/null <<'CONF'
[storage]
driver = "vfs"
CONF
as_user tee "$USER_DIR/home/.config/containers/containers.conf" >/dev/null <<'CONF'
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
PODMAN_PAUSE_PID=$USER_DIR/run/libpod/tmp/pause.pid
pause_before=$(cat "$PODMAN_PAUSE_PID" 2>/dev/null || true)
# Leftovers of an earlier run (owned by subordinate ids, so removed from inside the namespace).
as_user podman --log-level=error unshare rm -rf "$USER_DIR/tmp" "$USER_DIR/logs" "$USER_DIR/run/runc" ||
  die "podman unshare failed as $TEST_USER (subuid range, newuidmap?)"
as_user mkdir -p "$USER_DIR/tmp" "$USER_DIR/logs"
as_user chmod 0711 "$USER_DIR/tmp"
# A copy the user can read wherever this checkout lives.
install -m 0755 "$HERE/run-suites.sh" "$USER_DIR/run-suites.sh"
((EUID != 0)) || chown "$TEST_USER:" "$USER_DIR/run-suites.sh"

RESULTS=$USER_DIR/results
as_user tee "$RESULTS" </dev/null
echo "conformance: runtime $RUNTIME ($("$RUNTIME" --version 2>/dev/null | head -n1 || echo '?'))"
echo "conformance: as $TEST_USER in podman unshare; cache $CACHE (prepared in ${prep_time}s)"
tail -n +1 -f "$RESULTS" &
tail_pid=$!
stop_tail() { kill "$tail_pid" 2>/dev/null || true; wait "$tail_pid" 2>/dev/null || true; }
trap stop_tail EXIT

# The runners run as PID 1 of a PID namespace of their own: when one ends, the kernel kills
# whatever it leaves behind (a runtime's init blocked on its exec fifo, a container of a test
# that timed out, recvtty) instead of leaking it for the next run.
PIDNS=(unshare --pid --fork --kill-child --mount-proc)
run_start=$SECONDS
declare -A suite_time
for suite in "${SUITES[@]}"; do
  start=$SECONDS
  case $suite in
    runc-bats)
      ((${#BATS_FILES[@]})) || continue
      # Under `script`: the tests whose config.json says terminal:true and that pass no
      # --console-socket use the controlling terminal, as in runc's CI.
      # `script` outside the PID namespace: as its PID 1 it would wait on a terminal that a
      # leftover process still holds open.
      cmd=$(printf '%q ' "${PIDNS[@]}" "$USER_DIR/run-suites.sh" "$RUNTIME" "$RESULTS" "$USER_DIR/logs" \
        runc-bats "$RUNC_DIR/tests/integration" "${BATS_FILES[@]}")
      as_user podman unshare script -qec "$cmd" /dev/null >"$USER_DIR/logs/runc-bats.out" 2>&1 ||
        echo "conformance: the runc-bats runner exited with $? (see $USER_DIR/logs/runc-bats.out)"
      ;;
    runtime-tools)
      ((${#VALIDATIONS[@]})) || continue
      as_user podman unshare "${PIDNS[@]}" "$USER_DIR/run-suites.sh" "$RUNTIME" "$RESULTS" "$USER_DIR/logs" \
        runtime-tools "$RT_DIR" "${VALIDATIONS[@]}" >"$USER_DIR/logs/runtime-tools.out" 2>&1 ||
        echo "conformance: the runtime-tools runner exited with $? (see $USER_DIR/logs/runtime-tools.out)"
      ;;
  esac
  suite_time[$suite]=$((SECONDS - start))
done
sleep 0.3
stop_tail
trap - EXIT

# The pause process `podman unshare` started for this private XDG_RUNTIME_DIR (none of the
# user's own podman state uses it): ended unless it was there before this run.
pause_pid=$(cat "$PODMAN_PAUSE_PID" 2>/dev/null || true)
if [[ -n $pause_pid && $pause_pid != "$pause_before" && -r /proc/$pause_pid/cmdline ]] &&
  [[ $(tr '\0' ' ' <"/proc/$pause_pid/cmdline") == podman* ]]; then
  kill "$pause_pid" 2>/dev/null || true
fi

pass=$(grep -c '^PASS ' "$RESULTS" || true)
flaky=$(grep -c '^PASS .*(flaky)' "$RESULTS" || true)
fail=$(grep -c '^FAIL ' "$RESULTS" || true)
expected=0
for suite in "${SUITES[@]}"; do
  case $suite in
    runc-bats) expected=$((expected + ${#BATS_FILES[@]})) ;;
    runtime-tools) expected=$((expected + ${#VALIDATIONS[@]})) ;;
  esac
done
missing=$((expected - pass - fail))
echo
for suite in "${SUITES[@]}"; do
  [[ -n ${suite_time[$suite]:-} ]] || continue
  echo "conformance: $suite: $(grep -c "^PASS $suite/" "$RESULTS" || true) passed," \
    "$(grep -c "^FAIL $suite/" "$RESULTS" || true) failed, in ${suite_time[$suite]}s"
done
if ((fail)); then
  echo "conformance: failed:"
  grep '^FAIL ' "$RESULTS" | sed 's/^/  /'
fi
((flaky == 0)) || echo "conformance: $flaky passed only on a retry (marked flaky above)"
((missing <= 0)) || echo "conformance: $missing file(s) never reported (runner died?)"
echo "conformance: $pass passed, $fail failed of $expected against $RUNTIME," \
  "in $((SECONDS - run_start))s (logs: $USER_DIR/logs)"
((fail == 0 && missing <= 0))
