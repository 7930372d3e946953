#!/bin/bash
# Runs inside `podman unshare` as the test user (uid 0 in a user namespace with the user's
# subordinate ids mapped: where conmon runs an OCI runtime for rootless podman), started by
# conformance.sh, which prepares everything this needs. Writes one line per test file or
# validation to RESULTS:  PASS|FAIL NAME SECONDS DETAIL
#   run-suites.sh RUNTIME RESULTS LOGDIR runc-bats RUNC_INTEGRATION_DIR FILE...
#   run-suites.sh RUNTIME RESULTS LOGDIR runtime-tools RUNTIME_TOOLS_DIR VALIDATION...
set -euo pipefail

runtime=$1 results=$2 logdir=$3 suite=$4 dir=$5
shift 5
# Per file: a hung runtime must not eat the CI budget. SBX_OCI_RETRIES: extra attempts (1).
per_file_timeout=${SBX_OCI_FILE_TIMEOUT:-120}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# tap_counts FILE: "ok/total, N skipped" over the top-level TAP lines of FILE.
tap_counts() {
  awk '/^ok /{ok++; if (/# (skip|SKIP)/) sk++} /^not ok /{nok++}
       END { printf "%d/%d ok, %d skipped", ok, ok + nok, sk }' "$1"
}
record() { printf '%s %-46s %6ss %s\n' "$@" >>"$results"; }

# run_one KIND NAME LOG COMMAND...: runs COMMAND (output in LOG), once more when it fails (the
# line then says so: flaky, not hidden), and records the result.
retries=${SBX_OCI_RETRIES:-1}
run_one() {
  local kind=$1 name=$2 log=$3 attempt status t detail start
  shift 3
  for ((attempt = 1; attempt <= retries + 1; attempt++)); do
    start=$(now)
    status=0
    # --foreground: the command stays in the terminal's foreground process group (runc's tests
    # that use the controlling terminal would otherwise be stopped with SIGTTOU).
    timeout --foreground "$per_file_timeout" "$@" >"$log" 2>&1 || status=$?
    t=$(elapsed "$start")
    detail="$(tap_counts "$log")"
    ((status == 0)) || detail+=", exit status $status"
    ((status != 124)) || detail+=" (timed out after ${per_file_timeout}s)"
    if ((status == 0)) && grep -q '^ok ' "$log" && ! grep -q '^not ok ' "$log"; then
      ((attempt == 1)) || detail+="; passed on attempt $attempt, failed before (flaky)"
      record PASS "$kind/$name" "$t" "($detail)"
      return 0
    fi
    ((status != 124)) || break  # a hang is not a race: no second wait
    ((attempt > retries)) || cp "$log" "$log.attempt$attempt"
  done
  record FAIL "$kind/$name" "$t" "($detail; log $log)"
}

cd "$dir"
case $suite in
  runc-bats)
    export RUNC=$runtime
    for file in "$@"; do
      run_one runc-bats "$file" "$logdir/runc-bats-${file%.bats}.tap" bats --tap "$file"
    done
    ;;
  runtime-tools)
    export RUNTIME=$runtime
    for name in "$@"; do
      run_one runtime-tools "$name" "$logdir/runtime-tools-$name.tap" "validation/$name/$name.t"
    done
    ;;
  *)
    echo "run-suites: unknown suite $suite" >&2
    exit 2
    ;;
esac
