#!/bin/bash
# Start-latency and memory benchmark of `sandbox run` (not a test: no timing assertions, it only
# prints). Run as root; every measured command runs as the unprivileged test user.
#
#   sudo tests/bench/run_bench.sh [--runs N] [--warmup N] [--sandbox PATH] [--user USER]
#                                 [--image REF] [--root DIR] [--no-podman] [--no-bwrap] [--profile]
#
# Start latency: wall time of `sandbox run --rm --network none IMAGE true` (N runs after the
# warm-ups), side by side with bwrap on the same unpacked rootfs and rootless
# `podman --runtime runc run --rm --network none` (skipped, with the reason, where podman fails).
# Timing: hyperfine -N when installed, else a bash loop on $EPOCHREALTIME (no fork to read the
# clock). Peak memory: the sandbox process's own VmHWM while its container runs, and
# /usr/bin/time's max RSS (which also counts the waited children: newuidmap, the init).
# --profile adds where the time goes: a perf-trace timeline of one run and a perf-record CPU
# profile by library over 10 runs (tests/bench/README.md reads them).
# Targets: median <= 15 ms, <= 2x bwrap, >= 8x faster than podman, < 8 MiB.
# Needs the rig (tests/rig/start.sh) and the test user (helpers/setup-test-host.sh).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WARMUP=2 USE_BWRAP=1 PROFILE=0
parse_args "${TIMING_OPTIONS[@]}" "${COMMON_OPTIONS[@]}" --no-bwrap=USE_BWRAP:0 \
  --profile=PROFILE:1 -- "$@"

prepare_timed_bench run-bench
trap 'rm -rf "$TMP"' EXIT

# --- preparation -------------------------------------------------------------------------------
echo "== sandbox run start latency ($(date -u +%FT%TZ))"
host_line
echo "binary: $SANDBOX ($(($(stat -c %s "$SANDBOX") / 1048576)) MiB," \
  "$(ldd "$SANDBOX" | grep -c '=>') shared libraries at start)"
echo "image: $IMAGE, store: $STORE, user: $TEST_USER, runs: $RUNS after $WARMUP warm-ups," \
  "timer: $(timer_name)"

as_user "${SBX[@]}" pull "$IMAGE" >/dev/null || die "sandbox pull $IMAGE failed"
as_user "${SBX[@]}" run --rm --network none "$IMAGE" true ||
  die "sandbox run failed: fix that before measuring it"
echo "storage driver: $(sed -n 's/^best=//p' "$STORE/storage-driver" 2>/dev/null || echo '?')"

# The image's rootfs for bwrap: the layer dir itself for one layer, else the layers copied in
# order inside the user namespace (whiteouts deleted, opaque dirs not honoured: enough for true).
rootfs_for_bwrap() {
  local image_id layers
  image_id=$(jq -r --arg ref "$IMAGE" '.tags[$ref] // .digests[$ref] // empty' \
    "$STORE/images/names.json")
  [[ -n $image_id ]] || return 1
  mapfile -t layers < <(jq -r '.layers[].diff_id | sub("^sha256:"; "")' \
    "$STORE/images/${image_id#sha256:}.json")
  if ((${#layers[@]} == 1)); then
    echo "$STORE/layers/${layers[0]}/diff"
    return
  fi
  local dest=$WORK/rootfs-${image_id#sha256:}
  if [[ ! -d $dest ]]; then
    local copy="mkdir -p '$dest.tmp'"
    for layer in "${layers[@]}"; do copy+=" && cp -a '$STORE/layers/$layer/diff/.' '$dest.tmp/'"; done
    copy+=" && find '$dest.tmp' -type c -delete && mv '$dest.tmp' '$dest'"
    as_user "${SBX[@]}" unshare sh -c "$copy" >&2 || return 1
  fi
  echo "$dest"
}

# --- start latency -----------------------------------------------------------------------------
TOOLS=(host-true sandbox)
measure host-true /bin/true
measure sandbox "${SBX[@]}" run --rm --network none "$IMAGE" true

if ((USE_BWRAP)); then
  TOOLS+=(bwrap)
  if ! command -v bwrap >/dev/null; then
    SKIP[bwrap]="not installed (apt-get install bubblewrap)"
  elif ! ROOTFS=$(rootfs_for_bwrap); then
    SKIP[bwrap]="could not find the unpacked rootfs of $IMAGE in $STORE"
  else
    echo "bwrap rootfs: $ROOTFS (read-only bind, no overlay)"
    measure bwrap bwrap --unshare-all --die-with-parent --uid 0 --gid 0 --ro-bind "$ROOTFS" / \
      --proc /proc --dev /dev --tmpfs /tmp true
  fi
fi

if ((USE_PODMAN)); then
  TOOLS+=(podman)
  PODMAN=(podman --runtime runc)
  if ! command -v podman >/dev/null; then
    SKIP[podman]="not installed"
  elif ! err=$(as_user env HOME="$USER_HOME" "${PODMAN[@]}" pull --tls-verify=false -q "$IMAGE" \
    2>&1 >/dev/null); then
    SKIP[podman]="podman pull failed: $(last_lines 2 <<<"$err")"
  elif ! err=$(as_user env HOME="$USER_HOME" "${PODMAN[@]}" run --rm --network none "$IMAGE" \
    true 2>&1); then
    SKIP[podman]="podman run failed: $(last_lines 2 <<<"$err")"
  else
    measure podman env HOME="$USER_HOME" "${PODMAN[@]}" run --rm --network none "$IMAGE" true
  fi
fi

echo
print_table 10 "${TOOLS[@]}"

# --- peak memory -------------------------------------------------------------------------------
# VmHWM of the sandbox process itself, read while its container sleeps (all setup done).
own_hwm_kib() {
  local pidfile=$TMP/sandbox.pid
  # shellcheck disable=SC2016
  as_user sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$pidfile" \
    "${SBX[@]}" run --rm --network none "$IMAGE" sleep 2 &
  local waiter=$! pid hwm=
  for _ in $(seq 30); do
    sleep 0.1
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    # Setup is over once the container's init (our child) has a child of its own.
    if [[ -n $(pgrep -P "$(pgrep -x -P "$pid" memfd:init | head -n 1)" 2>/dev/null) ]]; then
      hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
      break
    fi
  done
  wait "$waiter" || true
  echo "${hwm:--}"
}
TIME_KIB=$(as_user /usr/bin/time -f %M "${SBX[@]}" run --rm --network none "$IMAGE" true 2>&1 |
  tail -n 1)
OWN_KIB=$(own_hwm_kib)
echo
echo "peak memory: sandbox process VmHWM ${OWN_KIB} KiB; /usr/bin/time max RSS ${TIME_KIB} KiB" \
  "(the largest of sandbox and its waited children)"

# --- targets --------------------------------------------------------------------------------
SBX_MS=${MEDIAN[sandbox]:--}
VS_BWRAP=$(ratio sandbox bwrap)
VS_PODMAN=$(ratio podman sandbox)
echo
echo "targets:"
target_line "median <= 15 ms" "$SBX_MS ms" "$(verdict "$SBX_MS" 15 '<=')"
target_line "<= 2x bwrap" "${VS_BWRAP/%[0-9]/&x}" "$(verdict "$VS_BWRAP" 2 '<=')"
target_line ">= 8x faster than podman" "${VS_PODMAN/%[0-9]/&x}" \
  "$(verdict "$VS_PODMAN" 8 '>=')"
target_line "peak memory (own VmHWM) < 8 MiB" "$OWN_KIB KiB" \
  "$(verdict "$OWN_KIB" 8192 '<')"

# --- profile (--profile) -----------------------------------------------------------------------
((PROFILE)) || exit 0
if ! command -v perf >/dev/null || ! perf trace -o /dev/null -e exit_group -- true 2>/dev/null; then
  echo "profile: skipped, perf (trace) does not work here (apt-get install linux-perf)"
  exit 0
fi
RUN=("${SBX[@]}" run --rm --network none "$IMAGE" true)
echo
echo "== timeline of one run (perf trace; ms since sandbox's execve; duration of the call)"
perf trace -o "$TMP/trace.txt" -e execve,execveat,clone,clone3,fsync,wait4,memfd_create,pivot_root,mount,exit_group \
  -- runuser -u "$TEST_USER" -- "${RUN[@]}"
awk '$1 == "?" || /\[continued\]/ { next }
  { match($0, /\): [^ ]+\/[0-9]+ /); who = substr($0, RSTART + 3, RLENGTH - 4)
    if (who ~ /^runuser/) next
    if (t0 == "") t0 = $1
    call = substr($0, RSTART + RLENGTH); sub(/\(.*/, "", call)
    took = ""; if (match($0, /\( *[0-9.]+ ms\)/)) took = substr($0, RSTART + 1, RLENGTH - 2)
    printf "%9.1f  %-24s %-14s %s\n", $1 - t0, who, call, took }' "$TMP/trace.txt"

echo
echo "== on-CPU profile of 10 runs (perf record), ms of CPU per run by library"
# shellcheck disable=SC2016
perf record -q -F 4000 -o "$TMP/perf.data" -- runuser -u "$TEST_USER" -- \
  sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do "$@" || exit 1; done' sh "${RUN[@]}" 2>/dev/null
perf report -i "$TMP/perf.data" -n --no-children -g none --sort comm,dso --stdio 2>/dev/null |
  awk '/^ *[0-9.]+%/ && $2 + 0 >= 8 { printf "%8.1f ms  %-16s %s\n", $2 / 4000 * 1000 / 10, $3, $4 }' |
  head -n 15
