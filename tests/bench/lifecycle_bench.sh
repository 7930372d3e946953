#!/bin/bash
# Memory and latency of detached containers (not a test: no assertions, it only prints). Run as
# root; every measured command runs as the unprivileged test user.
#
#   sudo tests/bench/lifecycle_bench.sh [--count N] [--sandbox PATH] [--user USER] [--image REF]
#                                       [--no-podman]
#
# Monitor memory: N containers started with `run -d` (sleep), then the resident set (VmRSS) and
# the proportional set (Pss, from smaps_rollup) of each sandbox-monitor: the static monitor run
# from a memfd, one per container (target: under 2 MiB resident). Side by side with
# podman's conmon where podman works rootless. Also the latency of `run -d`, `stop` and `rm`
# (median of N).
# Needs the rig (tests/rig/start.sh) and the test user (helpers/setup-test-host.sh).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=5
parse_args --count=COUNT "${COMMON_OPTIONS[@]}" -- "$@"

find_sandbox "no sandbox binary (use --sandbox)"
default_image

WORK=$(mktemp -d /tmp/lifecycle-bench.XXXXXX)
chown "$TEST_USER" "$WORK"
STORE=$WORK/store
as_user() { runuser -u "$TEST_USER" -- env HOME="$WORK" "$@"; }
sbx() { as_user "$SANDBOX" --root "$STORE" "$@"; }
cleanup() {
  # shellcheck disable=SC2046  # one word an id
  sbx rm -f $(sbx ps -aq) >/dev/null 2>&1 || true
  as_user "$SANDBOX" --root "$STORE" system reset -f >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

sbx pull "$IMAGE" >/dev/null
sbx run --rm --network none "$IMAGE" true  # warm: storage probe, seccomp cache

run_ms=()
for ((i = 0; i < COUNT; i++)); do
  t0=$(now_ms)
  sbx run -d --network none --name "bench$i" "$IMAGE" sleep 600 >/dev/null
  run_ms+=($(( $(now_ms) - t0 )))
done

echo "== sandbox-monitor memory ($COUNT detached containers)"
printf '%-10s %10s %10s\n' PID RSS_KiB PSS_KiB
rss_all=()
for pid in $(pgrep -u "$TEST_USER" -f '^sandbox-monitor'); do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo "?")
  rss_all+=("$rss")
  printf '%-10s %10s %10s\n' "$pid" "$rss" "$pss"
done
if ((${#rss_all[@]})); then
  echo "median VmRSS: $(printf '%s\n' "${rss_all[@]}" | median) KiB (target < 2048 KiB)"
fi

stop_ms=()
rm_ms=()
for ((i = 0; i < COUNT; i++)); do
  t0=$(now_ms); sbx stop -t 1 "bench$i" >/dev/null; stop_ms+=($(( $(now_ms) - t0 )))
  t0=$(now_ms); sbx rm "bench$i" >/dev/null; rm_ms+=($(( $(now_ms) - t0 )))
done
echo "== latency (median of $COUNT, ms)"
echo "run -d: $(printf '%s\n' "${run_ms[@]}" | median)"
echo "stop:   $(printf '%s\n' "${stop_ms[@]}" | median)"
echo "rm:     $(printf '%s\n' "${rm_ms[@]}" | median)"

if ((USE_PODMAN)) && command -v podman >/dev/null; then
  echo "== podman conmon memory"
  if cid=$(as_user podman run -d --network none "$IMAGE" sleep 600 2>/dev/null); then
    sleep 0.5
    for pid in $(pgrep -u "$TEST_USER" conmon); do
      echo "conmon $pid VmRSS $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") KiB"
    done
    as_user podman rm -f "$cid" >/dev/null 2>&1 || true
  else
    echo "podman run -d failed for $TEST_USER (skipped)"
  fi
else
  echo "== podman: not installed or --no-podman (skipped)"
fi
