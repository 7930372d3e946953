#!/bin/bash
# The sanitizer build (tests/fuzz/README.md): clang-19 with AddressSanitizer and
# UndefinedBehaviorSanitizer for the module libraries, the unit tests and the libFuzzer targets.
#   tests/fuzz/run.sh                    CI: build, unit tests, then every target over its seeds
#                                        and for SBX_FUZZ_SECONDS (15) seconds, seeded
#   tests/fuzz/run.sh --long 3600 unpack a developer's campaign: no unit tests, a random seed,
#                                        the grown corpus kept for the next run
#   tests/fuzz/run.sh --no-unit NAME...  only fuzz the named targets (CI time)
#   tests/fuzz/run.sh --build-only       only configure and build (test-all.sh does that in
#                                        the background, while the integration tests run)
# Exits non-zero on a failed unit test or any fuzz finding (crash, leak, timeout, UB, broken
# invariant); the input is kept as <work>/crashes/<name>/. One summary line per target.
#   SBX_FUZZ_BUILD_DIR  build tree (default <repo>/build-fuzz)
#   SBX_FUZZ_WORK       corpora, crashes and logs (default <build>/fuzz-work)
#   SBX_FUZZ_JOBS       build and ctest jobs, fuzz targets at a time (default: nproc)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${SBX_FUZZ_BUILD_DIR:-$REPO/build-fuzz}
WORK=${SBX_FUZZ_WORK:-$BUILD_DIR/fuzz-work}
JOBS=${SBX_FUZZ_JOBS:-$(nproc)}
SECONDS_EACH=${SBX_FUZZ_SECONDS:-15}
SEED=1
LONG=0
UNIT=1
BUILD_ONLY=0
TARGETS=()

while (($#)); do
  case $1 in
    --long) LONG=1 UNIT=0 SEED=0 SECONDS_EACH=${2:?--long needs seconds}; shift 2 ;;
    --no-unit) UNIT=0; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if ((${#TARGETS[@]} == 0)); then
  mapfile -t TARGETS < <(cd "$REPO/tests/fuzz" && ls -- *_fuzz.cpp | sed 's/_fuzz\.cpp$//')
fi
for name in "${TARGETS[@]}"; do
  [[ -f $REPO/tests/fuzz/${name}_fuzz.cpp ]] || { echo "run.sh: no target '$name'" >&2; exit 2; }
done
if ((EUID == 0)); then
  echo "run.sh: running as root: the unpacker makes device nodes and root-only xattrs it" \
    "cannot make in a user namespace; CI runs this as the test user" >&2
fi

step() { printf '\n==> %s (%ss)\n' "$*" "$SECONDS"; }

step "configure and build $BUILD_DIR (clang-19, address + undefined sanitizers, libFuzzer)"
if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  # -O1 with line tables only: a faster build, symbolized stacks, assertions kept.
  cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DSANDBOX_WERROR=ON -DSANDBOX_FUZZ=ON -DSANDBOX_SANITIZE=address,undefined >/dev/null
fi
build_targets=()
((UNIT)) && build_targets+=(sbx_unit_tests)
for name in "${TARGETS[@]}"; do build_targets+=("fuzz_$name"); done
set +e
cmake --build "$BUILD_DIR" -j"$JOBS" --target "${build_targets[@]}" 2>&1 |
  grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built)'
build_status=${PIPESTATUS[0]}
set -e
((build_status == 0)) || { echo "run.sh: build failed" >&2; exit 1; }
((BUILD_ONLY)) && { echo "run.sh: built, ${SECONDS}s"; exit 0; }

# Sanitizer findings are fatal; leaks count. An older llvm-symbolizer cannot read clang-19's
# debug info, so stacks are symbolized with llvm-symbolizer-19 or else addr2line.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-19 || command -v addr2line || true)}
export ASAN_SYMBOLIZER_PATH UBSAN_SYMBOLIZER_PATH=$ASAN_SYMBOLIZER_PATH

status=0
if ((UNIT)); then
  step "unit tests under the sanitizers"
  (cd "$BUILD_DIR" && ctest -L unit --output-on-failure -j"$JOBS" --timeout 300) || status=1
fi

# Scratch files of the targets (unpacked layers, staging dirs): tmpfs when there is one.
fuzz_tmp=$(mktemp -d "$( [[ -w /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/sbx-fuzz.XXXXXX")
# A crashed input may leave directories it made unreadable (mode 0000).
trap 'chmod -R u+rwx "$fuzz_tmp" 2>/dev/null; rm -rf "$fuzz_tmp"' EXIT

# The last value libFuzzer printed for "stat::NAME:" (-print_final_stats) or "NAME: N".
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
last_value() { grep -oE "$1: [0-9]+" "$2" | tail -1 | cut -d' ' -f2; }
# "fuzz_unpack: ok, 3031 execs in 21 s (144/s), cov 1339, ft 2652, corpus 31, 133 MB"
summarize() {
  local name=$1 log=$2 result=$3 secs
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  printf 'fuzz_%s: %s, %s execs in %s s (%s/s), cov %s, ft %s, corpus %s, %s MB\n' "$name" \
    "$result" "$(final_stat number_of_executed_units "$log")" "${secs:-?}" \
    "$(final_stat average_exec_per_sec "$log")" "$(last_value cov "$log")" \
    "$(last_value ft "$log")" "$(last_value corp "$log")" "$(final_stat peak_rss_mb "$log")"
}

# One target's campaign; its exit status goes to <logs>/<name>.rc for the summary.
fuzz_target() {
  local name=$1 corpus=$WORK/corpus/$1 crashes=$WORK/crashes/$1 log=$WORK/logs/$1.log rc
  # CI starts from the seeds every time; a long campaign keeps growing its corpus.
  ((LONG)) || rm -rf "$corpus"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  rm -f "$WORK/logs/$name.rc"
  rc=0
  TMPDIR=$fuzz_tmp "$BUILD_DIR/tests/fuzz/fuzz_$name" -seed="$SEED" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" "$REPO/tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
  echo "$rc" >"$WORK/logs/$name.rc"
}

# Each target is one process on one core: run $JOBS of them at a time.
step "fuzz ${#TARGETS[@]} targets, ${SECONDS_EACH}s each, $JOBS at a time (seed $SEED; $WORK)"
running=0
for name in "${TARGETS[@]}"; do
  if ((running >= JOBS)); then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_target "$name" &
  running=$((running + 1))
done
wait || true

summary=()
for name in "${TARGETS[@]}"; do
  log=$WORK/logs/$name.log
  rc=$(cat "$WORK/logs/$name.rc" 2>/dev/null || echo 1)
  if ((rc == 0)); then
    summary+=("$(summarize "$name" "$log" ok)")
  else
    status=1
    summary+=("$(summarize "$name" "$log" "FAILED (exit $rc, input in $WORK/crashes/$name)")")
    echo "--- fuzz_$name found a problem (full log: $log):"
    grep -E -A40 '^==[0-9]+==|runtime error:|invariant failed|ERROR: libFuzzer' "$log" | head -80 || true
  fi
done

step "summary"
printf '%s\n' "${summary[@]}"
echo "run.sh: $( ((status == 0)) && echo "no findings" || echo "FAILED"), ${SECONDS}s"
exit "$status"
