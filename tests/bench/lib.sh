# Shared set-up and timing of the bench scripts (sourced, not run). A script may redefine as_user
# after sourcing (its own environment for the user).
# shellcheck shell=bash disable=SC2034  # its globals are the scripts' settings

BENCH=$(basename "$0" .sh)  # the prefix of messages
BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}
SANDBOX=${SANDBOX_BIN:-}
TEST_USER=${SBX_TEST_USER:-sbxtest}
IMAGE=
RUNS=20
STORE=
USE_PODMAN=1

die() { echo "$BENCH: $*" >&2; exit 1; }
note() { echo "$BENCH: $*" >&2; }
die_usage() { echo "$BENCH: unknown argument $1" >&2; exit 2; }
as_user() { runuser -u "$TEST_USER" -- "$@"; }

# Options are table-driven: a script passes "--NAME=VAR" (takes a value) and "--NAME=VAR:VALUE"
# (a flag) entries, usually with these shared sets, to parse_args.
COMMON_OPTIONS=(--sandbox=SANDBOX --user=TEST_USER --image=IMAGE --no-podman=USE_PODMAN:0)
TIMING_OPTIONS=(--runs=RUNS --warmup=WARMUP --root=STORE)  # the hyperfine benches (run, exec)

# parse_args SPEC... -- ARGS...: sets the variables the specs name; -h prints the script's header
# comment.
parse_args() {
  local options=() spec var
  while [[ $1 != -- ]]; do options+=("$1"); shift; done
  shift
  while (($#)); do
    if [[ $1 == -h || $1 == --help ]]; then
      awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"
      exit 0
    fi
    for spec in "${options[@]}" ""; do [[ ${spec%%=*} == "$1" ]] && break; done
    [[ -n $spec ]] || die_usage "$1"
    var=${spec#*=}
    if [[ $var == *:* ]]; then
      printf -v "${var%%:*}" %s "${var#*:}"
      shift
    else
      (($# >= 2)) || die "$1 needs a value"
      printf -v "$var" %s "$2"
      shift 2
    fi
  done
}

# Root runs the script, the test user runs what is measured.
require_root_and_user() {
  ((EUID == 0)) || die "run as root (the runs themselves go through runuser -u $TEST_USER)"
  require_user
}
require_user() {
  id "$TEST_USER" >/dev/null 2>&1 || die "no user $TEST_USER: run helpers/setup-test-host.sh"
}

# The rig's registry address (REGISTRY and the rest of rig.env).
source_rig() {
  [[ -r $RIG_DIR/rig.env ]] || die "no $RIG_DIR/rig.env: run tests/rig/start.sh${1:-}"
  # shellcheck disable=SC1091
  source "$RIG_DIR/rig.env"
}

# IMAGE defaults to the rig's busybox.
default_image() {
  [[ -n $IMAGE ]] && return
  source_rig " or pass --image"
  IMAGE=$REGISTRY/test/busybox:latest
}

# SANDBOX defaults to build/'s binary, else the first build-*/'s; dies with MESSAGE if none.
# shellcheck disable=SC2120  # MESSAGE is optional
find_sandbox() {
  local message=${1:-"no sandbox binary: build first or pass --sandbox PATH"} candidate
  if [[ -z $SANDBOX ]]; then
    for candidate in "$BENCH_REPO"/build/src/cli/sandbox "$BENCH_REPO"/build-*/src/cli/sandbox; do
      [[ -x $candidate ]] && SANDBOX=$candidate && break
    done
  fi
  [[ -x $SANDBOX ]] || die "$message"
}
require_user_can_run_sandbox() {
  as_user test -x "$SANDBOX" || die "$TEST_USER cannot run $SANDBOX"
}

# make_work NAME: WORK=/var/tmp/sandbox-NAME-USER owned by the user, STORE (unless --root gave
# one) inside it, a fresh TMP dir, USER_HOME and SBX (the sandbox command on that store).
make_work() {
  USER_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
  WORK=/var/tmp/sandbox-$1-$TEST_USER
  STORE=${STORE:-$WORK/store}
  install -d -o "$TEST_USER" -g "$(id -gn "$TEST_USER")" -m 0700 "$WORK"
  [[ -d $STORE ]] || as_user mkdir -p -m 0700 "$STORE"
  TMP=$(as_user mktemp -d "$WORK/tmp.XXXXXX")
  SBX=("$SANDBOX" --root "$STORE")
}

# prepare_timed_bench NAME: the checks and the work dir of the hyperfine benches (run, exec).
prepare_timed_bench() {
  require_root_and_user
  default_image
  find_sandbox
  require_user_can_run_sandbox
  command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
  make_work "$1"
}

# stop_pid PID: TERM to a process this script started, then up to 5 s for it to go.
stop_pid() {
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
}

# last_lines N <<<TEXT: the last N lines on one line (for a skip reason).
last_lines() { tail -n "$1" | tr '\n' ' '; }

host_line() { echo "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"; }
timer_name() {
  if command -v hyperfine >/dev/null; then echo 'hyperfine -N'; else echo 'bash EPOCHREALTIME'; fi
}

# --- timing (WARMUP, RUNS, TMP, USER_HOME) -------------------------------------------------------
# time_runs NAME CMD...: prints one wall time in ms per measured run (one a line), as the user.
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
      # A failing command runs once more with its stderr kept: measure() reports the reason.
      failed() { "$@" </dev/null >/dev/null; exit 1; }
      for ((i = 0; i < warmup; i++)); do "$@" </dev/null >/dev/null 2>&1 || failed "$@"; done
      for ((i = 0; i < runs; i++)); do
        start=$EPOCHREALTIME
        "$@" </dev/null >/dev/null 2>&1 || failed "$@"
        end=$EPOCHREALTIME
        echo "$(( (${end/./} - ${start/./}) ))" | awk "{ printf \"%.3f\n\", \$1 / 1000 }"
      done' bench "$WARMUP" "$RUNS" "$@" 2>"$TMP/$name.err"
  fi
}

# stats < lines: wall ms one per line, plus "cpu MS" (mean user+sys of the command and its waited
# children, hyperfine only). Prints "median p90 cpu" (p90 by nearest rank).
stats() {
  awk '$1 == "cpu" { cpu = sprintf("%.1f", $2); next } { print } END { print "cpu", cpu }' |
    sort -n | awk '$1 == "cpu" { cpu = ($2 == "" ? "-" : $2); next } { v[++n] = $1 } END {
      if (n == 0) { print "- - -"; exit }
      med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      r = int(0.9 * n); if (r < 0.9 * n) r++
      printf "%.1f %.1f %s\n", med, v[r], cpu }'
}

# measure NAME CMD...: fills MEDIAN/P90/CPU[NAME], or SKIP[NAME] with why it failed.
declare -A MEDIAN P90 CPU SKIP
measure() {
  local name=$1 times
  shift
  if ! times=$(time_runs "$name" "$@"); then
    SKIP[$name]="failed: $(last_lines 3 <"$TMP/$name.err")"
    note "$name: ${SKIP[$name]}"
    return
  fi
  read -r "MEDIAN[$name]" "P90[$name]" "CPU[$name]" < <(stats <<<"$times")
}

# --- figures ------------------------------------------------------------------------------------
# ratio A B [FORMAT]: MEDIAN[A] / MEDIAN[B], "-" when either is missing.
ratio() {
  if [[ -n ${MEDIAN[$1]:-} && -n ${MEDIAN[$2]:-} ]]; then
    awk -v a="${MEDIAN[$1]}" -v b="${MEDIAN[$2]}" -v f="${3:-%.2f}" 'BEGIN { printf f, a / b }'
  else
    echo -
  fi
}

# print_table WIDTH TOOLS...: median, p90, ratio to sandbox and cpu ms, one row a tool.
print_table() {
  local width=$1 tool
  shift
  local row="%-${width}s %10s %10s %18s %10s\n"
  # shellcheck disable=SC2059
  printf "$row" tool "median ms" "p90 ms" "ratio to sandbox" "cpu ms"
  for tool; do
    if [[ -n ${SKIP[$tool]:-} || -z ${MEDIAN[$tool]:-} ]]; then
      printf "%-${width}s %10s %10s %18s %10s  (skipped: %s)\n" "$tool" - - - - \
        "${SKIP[$tool]:-?}"
      continue
    fi
    # shellcheck disable=SC2059
    printf "$row" "$tool" "${MEDIAN[$tool]}" "${P90[$tool]}" "$(ratio "$tool" sandbox '%.2fx')" \
      "${CPU[$tool]}"
  done
  echo "(cpu ms: mean user+sys of the command and the children it waited for; wall times on a" \
    "loaded host mostly measure the run queue, cpu ms does not)"
}

# verdict VALUE TARGET OP: "met", "MISSED" or "n/a" (no value).
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {
  if (v == "" || v == "-") { print "n/a"; exit }
  ok = (op == "<=") ? v <= t : (op == ">=") ? v >= t : v < t
  print (ok ? "met" : "MISSED") }'; }
target_line() { printf '  %-40s %-12s %s\n' "$@"; }

# --- small-sample timing (lifecycle) --------------------------------------------------------------
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
median() {
  sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
