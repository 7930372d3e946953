#!/bin/bash
# Latency benchmark of `sandbox exec` into a running container (not a test: no timing assertions,
# it only prints). Run as root; every measured command runs as the unprivileged test user.
#
#   sudo tests/bench/exec_bench.sh [--runs N] [--warmup N] [--sandbox PATH] [--user USER]
#                                  [--image REF] [--root DIR] [--no-podman] [--strace]
#
# Latency: wall time of `sandbox exec CONTAINER true` (N runs after the warm-ups; the median is
# the figure), side by side with rootless `podman --runtime runc exec` into a podman container of
# the same image (skipped, with the reason, where podman is missing or fails). The containers are
# `sleep` processes started here and ended here (by pid; podman's by `podman rm -f`).
# --strace adds `strace -f -c` of one exec: where the syscalls and their time go.
# Timing: hyperfine -N when installed, else a bash loop on $EPOCHREALTIME.
# Targets: median <= 10 ms and >= 8x faster than podman exec.
# Needs the rig (tests/rig/start.sh) and the test user (helpers/setup-test-host.sh).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WARMUP=3 STRACE=0
parse_args "${TIMING_OPTIONS[@]}" "${COMMON_OPTIONS[@]}" --strace=STRACE:1 -- "$@"

prepare_timed_bench exec-bench
NAME=exec-bench-$$
PODMAN=(env HOME="$USER_HOME" podman --runtime runc)
CONTAINER_PID=
PODMAN_STARTED=0

cleanup() {
  # Only what this script started: the sandbox run process by its pid, podman's container by name.
  stop_pid "$CONTAINER_PID"
  if ((PODMAN_STARTED)); then
    as_user "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# Waits until `CMD...` succeeds (up to 60 s).
wait_until() {
  for _ in $(seq 600); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# --- the containers ------------------------------------------------------------------------------
echo "== sandbox exec latency ($(date -u +%FT%TZ))"
host_line
echo "binary: $SANDBOX, image: $IMAGE, store: $STORE, user: $TEST_USER," \
  "runs: $RUNS after $WARMUP warm-ups," \
  "timer: $(timer_name)"

as_user "${SBX[@]}" pull "$IMAGE" >/dev/null || die "sandbox pull $IMAGE failed"
# A foreground run in the background: works with or without `run -d`; its pid is ours to end.
# shellcheck disable=SC2016
as_user sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$TMP/run.pid" \
  "${SBX[@]}" run --rm --name "$NAME" "$IMAGE" sleep 100000 </dev/null >/dev/null 2>"$TMP/run.err" &
wait_until test -s "$TMP/run.pid" || die "sandbox run did not start"
CONTAINER_PID=$(cat "$TMP/run.pid")
wait_until as_user "${SBX[@]}" exec "$NAME" true ||
  die "sandbox exec into $NAME never worked: $(last_lines 3 <"$TMP/run.err")"

# sandbox-start: the binary's own start-up (shared libraries, CLI), which exec pays too.
TOOLS=(host-true sandbox-start sandbox)
measure host-true /bin/true
measure sandbox-start "$SANDBOX" --version
measure sandbox "${SBX[@]}" exec "$NAME" true

if ((USE_PODMAN)); then
  TOOLS+=(podman)
  if ! command -v podman >/dev/null; then
    SKIP[podman]="not installed"
  elif ! err=$(as_user "${PODMAN[@]}" run -d --name "$NAME" --tls-verify=false "$IMAGE" \
    sleep 100000 2>&1); then
    SKIP[podman]="podman run -d failed: $(last_lines 2 <<<"$err")"
  else
    PODMAN_STARTED=1
    measure podman "${PODMAN[@]}" exec "$NAME" true
  fi
fi

echo
print_table 14 "${TOOLS[@]}"

if ((STRACE)) && command -v strace >/dev/null; then
  echo
  echo "strace -f -c of one \`sandbox exec $NAME true\`:"
  as_user strace -f -c -o "$TMP/strace.txt" "${SBX[@]}" exec "$NAME" true || true
  head -n 25 "$TMP/strace.txt"
fi

# --- targets ----------------------------------------------------------------------------------
SBX_MS=${MEDIAN[sandbox]:--}
VS_PODMAN=$(ratio podman sandbox)
echo
echo "targets:"
target_line "median <= 10 ms" "$SBX_MS ms" "$(verdict "$SBX_MS" 10 '<=')"
target_line ">= 8x faster than podman exec" "${VS_PODMAN}x" \
  "$(verdict "$VS_PODMAN" 8 '>=')"
if [[ ${CPU[sandbox]:--} != - && ${CPU[podman]:--} != - ]]; then
  target_line "(by cpu ms: sandbox vs podman)" \
    "$(awk -v a="${CPU[podman]}" -v b="${CPU[sandbox]}" 'BEGIN { printf "%.2fx", a / b }')" ""
fi
