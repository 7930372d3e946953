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
# Targets from issue 4: median <= 10 ms and >= 8x faster than podman exec.
# Needs the rig (tests/rig/start.sh) and the test user (helpers/setup-test-host.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}
RUNS=20
WARMUP=3
SANDBOX=${SANDBOX_BIN:-}
TEST_USER=${SBX_TEST_USER:-sbxtest}
IMAGE=
STORE=
USE_PODMAN=1
STRACE=0
while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --sandbox) SANDBOX=$2; shift ;;
    --user) TEST_USER=$2; shift ;;
    --image) IMAGE=$2; shift ;;
    --root) STORE=$2; shift ;;
    --no-podman) USE_PODMAN=0 ;;
    --strace) STRACE=1 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "exec_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "exec_bench: $*" >&2; exit 1; }
note() { echo "exec_bench: $*" >&2; }
((EUID == 0)) || die "run as root (the runs themselves go through runuser -u $TEST_USER)"
id "$TEST_USER" >/dev/null 2>&1 || die "no user $TEST_USER: run helpers/setup-test-host.sh"
if [[ -z $IMAGE ]]; then
  [[ -r $RIG_DIR/rig.env ]] || die "no $RIG_DIR/rig.env: run tests/rig/start.sh or pass --image"
  # shellcheck disable=SC1091
  source "$RIG_DIR/rig.env"
  IMAGE=$REGISTRY/test/busybox:latest
fi
if [[ -z $SANDBOX ]]; then
  for candidate in "$REPO"/build/src/cli/sandbox "$REPO"/build-*/src/cli/sandbox; do
    [[ -x $candidate ]] && SANDBOX=$candidate && break
  done
fi
[[ -x $SANDBOX ]] || die "no sandbox binary: build first or pass --sandbox PATH"
as_user() { runuser -u "$TEST_USER" -- "$@"; }
as_user test -x "$SANDBOX" || die "$TEST_USER cannot run $SANDBOX"

USER_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
WORK=/var/tmp/sandbox-exec-bench-$TEST_USER
STORE=${STORE:-$WORK/store}
install -d -o "$TEST_USER" -g "$(id -gn "$TEST_USER")" -m 0700 "$WORK"
[[ -d $STORE ]] || as_user mkdir -p -m 0700 "$STORE"
TMP=$(as_user mktemp -d "$WORK/tmp.XXXXXX")
SBX=("$SANDBOX" --root "$STORE")
NAME=exec-bench-$$
PODMAN=(env HOME="$USER_HOME" podman --runtime runc)
CONTAINER_PID=
PODMAN_STARTED=0

cleanup() {
  # Only what this script started: the sandbox run process by its pid, podman's container by name.
  if [[ -n $CONTAINER_PID ]] && kill -0 "$CONTAINER_PID" 2>/dev/null; then
    kill -TERM "$CONTAINER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$CONTAINER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  ((PODMAN_STARTED)) && as_user "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- timing (as run_bench.sh) --------------------------------------------------------------------
time_runs() {
  local name=$1
  shift
  if command -v hyperfine >/dev/null; then
    as_user env HOME="$USER_HOME" hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
      --export-json "$TMP/$name.json" -- "$*" >/dev/null 2>"$TMP/$name.err" || return 1
    jq -r '.results[0].times[] * 1000' "$TMP/$name.json"
    jq -r '"cpu \((.results[0].user + .results[0].system) * 1000)"' "$TMP/$name.json"
  else
    # shellcheck disable=SC2016
    as_user bash -c '
      warmup=$1 runs=$2; shift 2
      for ((i = 0; i < warmup; i++)); do "$@" </dev/null >/dev/null 2>&1 || exit 1; done
      for ((i = 0; i < runs; i++)); do
        start=$EPOCHREALTIME
        "$@" </dev/null >/dev/null 2>&1 || exit 1
        end=$EPOCHREALTIME
        echo "$(( (${end/./} - ${start/./}) ))" | awk "{ printf \"%.3f\n\", \$1 / 1000 }"
      done' bench "$WARMUP" "$RUNS" "$@" 2>"$TMP/$name.err"
  fi
}

# "median p90 cpu" of wall ms one a line plus "cpu MS" (mean user+sys of the command and its
# waited children, hyperfine only; p90 by nearest rank).
stats() {
  awk '$1 == "cpu" { cpu = sprintf("%.1f", $2); next } { print } END { print "cpu", cpu }' |
    sort -n | awk '$1 == "cpu" { cpu = ($2 == "" ? "-" : $2); next } { v[++n] = $1 } END {
      if (n == 0) { print "- - -"; exit }
      med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      r = int(0.9 * n); if (r < 0.9 * n) r++
      printf "%.1f %.1f %s\n", med, v[r], cpu }'
}

declare -A MEDIAN P90 CPU SKIP
measure() {
  local name=$1 times
  shift
  if ! times=$(time_runs "$name" "$@"); then
    SKIP[$name]="failed: $(tail -n 3 "$TMP/$name.err" | tr '\n' ' ')"
    note "$name: ${SKIP[$name]}"
    return
  fi
  read -r "MEDIAN[$name]" "P90[$name]" "CPU[$name]" < <(stats <<<"$times")
}

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
echo "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $SANDBOX, image: $IMAGE, store: $STORE, user: $TEST_USER," \
  "runs: $RUNS after $WARMUP warm-ups," \
  "timer: $(command -v hyperfine >/dev/null && echo 'hyperfine -N' || echo 'bash EPOCHREALTIME')"

as_user "${SBX[@]}" pull "$IMAGE" >/dev/null || die "sandbox pull $IMAGE failed"
# A foreground run in the background: works with or without `run -d`; its pid is ours to end.
# shellcheck disable=SC2016
as_user sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$TMP/run.pid" \
  "${SBX[@]}" run --rm --name "$NAME" "$IMAGE" sleep 100000 </dev/null >/dev/null 2>"$TMP/run.err" &
wait_until test -s "$TMP/run.pid" || die "sandbox run did not start"
CONTAINER_PID=$(cat "$TMP/run.pid")
wait_until as_user "${SBX[@]}" exec "$NAME" true ||
  die "sandbox exec into $NAME never worked: $(tail -n 3 "$TMP/run.err" | tr '\n' ' ')"

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
    SKIP[podman]="podman run -d failed: $(tail -n 2 <<<"$err" | tr '\n' ' ')"
  else
    PODMAN_STARTED=1
    measure podman "${PODMAN[@]}" exec "$NAME" true
  fi
fi

echo
ROW='%-14s %10s %10s %18s %10s\n'
# shellcheck disable=SC2059
printf "$ROW" tool "median ms" "p90 ms" "ratio to sandbox" "cpu ms"
for tool in "${TOOLS[@]}"; do
  if [[ -n ${SKIP[$tool]:-} || -z ${MEDIAN[$tool]:-} ]]; then
    printf '%-14s %10s %10s %18s %10s  (skipped: %s)\n' "$tool" - - - - "${SKIP[$tool]:-?}"
    continue
  fi
  ratio=-
  [[ -n ${MEDIAN[sandbox]:-} ]] &&
    ratio=$(awk -v a="${MEDIAN[$tool]}" -v b="${MEDIAN[sandbox]}" 'BEGIN { printf "%.2fx", a / b }')
  # shellcheck disable=SC2059
  printf "$ROW" "$tool" "${MEDIAN[$tool]}" "${P90[$tool]}" "$ratio" "${CPU[$tool]}"
done
echo "(cpu ms: mean user+sys of the command and the children it waited for; wall times on a" \
  "loaded host mostly measure the run queue, cpu ms does not)"

if ((STRACE)) && command -v strace >/dev/null; then
  echo
  echo "strace -f -c of one \`sandbox exec $NAME true\`:"
  as_user strace -f -c -o "$TMP/strace.txt" "${SBX[@]}" exec "$NAME" true || true
  head -n 25 "$TMP/strace.txt"
fi

# --- targets (issue 4, "Speed") ------------------------------------------------------------------
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {
  if (v == "" || v == "-") { print "n/a"; exit }
  ok = (op == "<=") ? v <= t : v >= t
  print (ok ? "met" : "MISSED") }'; }
SBX_MS=${MEDIAN[sandbox]:--}
VS_PODMAN=-
[[ -n ${MEDIAN[podman]:-} && -n ${MEDIAN[sandbox]:-} ]] &&
  VS_PODMAN=$(awk -v a="${MEDIAN[podman]}" -v b="${MEDIAN[sandbox]}" 'BEGIN { printf "%.2f", a / b }')
echo
echo "targets:"
printf '  %-40s %-12s %s\n' "median <= 10 ms" "$SBX_MS ms" "$(verdict "$SBX_MS" 10 '<=')"
printf '  %-40s %-12s %s\n' ">= 8x faster than podman exec" "${VS_PODMAN}x" \
  "$(verdict "$VS_PODMAN" 8 '>=')"
if [[ ${CPU[sandbox]:--} != - && ${CPU[podman]:--} != - ]]; then
  printf '  %-40s %-12s %s\n' "(by cpu ms: sandbox vs podman)" \
    "$(awk -v a="${CPU[podman]}" -v b="${CPU[sandbox]}" 'BEGIN { printf "%.2fx", a / b }')" ""
fi
