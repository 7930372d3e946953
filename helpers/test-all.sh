#!/bin/bash
# Runs every test on a fresh Debian 12 host (as root): installs the packages, builds with
# -Werror, prepares the host (test user sbxtest, test rig, test images), then runs ctest (unit
# and integration tests) as the unprivileged user sbxtest. Exits non-zero when anything fails.
#   SBX_BUILD_DIR   build directory (default: <repo>/build)
#   SBX_CTEST_ARGS  extra ctest arguments, e.g. "-L unit" or "-R Pull"
#   SBX_SKIP_VM=1   skip the cgroup tests in the QEMU VM (tests/vm/)
#   SBX_SKIP_PACKAGE=1  skip the quickstart and .deb checks in minimal roots (tests/package/)
# Run with sudo from your own clone, build/ and build-fuzz/ are given back to you at the end.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${SBX_BUILD_DIR:-$REPO/build}
TEST_USER=${SBX_TEST_USER:-sbxtest}
JOBS=$(nproc)
cd "$REPO"

step() { printf '\n==> %s (%ss)\n' "$*" "$SECONDS"; }
((EUID == 0)) || { echo "test-all: run as root (it creates the test user and the rig)" >&2; exit 1; }

FUZZ_BUILD_DIR=${SBX_FUZZ_BUILD_DIR:-$REPO/build-fuzz}
# Files root (or the test user) writes into a clone that belongs to someone else go back to
# that owner, so a later `cmake --build build` or `rm -rf build-fuzz` as that user does not
# meet "Permission denied".
give_back_build_dir() {
  local owner dir
  owner=$(stat -c %u:%g "$REPO")
  [[ $owner == 0:0 ]] && return 0
  for dir in "$BUILD_DIR" "$FUZZ_BUILD_DIR"; do
    [[ -d $dir ]] && chown -R "$owner" "$dir"
  done
  return 0
}
# The package and sanitizer builds still running in the background (test-all stopped early)
# end with it.
on_exit() {
  local pid
  for pid in "${package_build_pid:-}" "${fuzz_build_pid:-}"; do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && kill -- -"$pid" 2>/dev/null
  done
  give_back_build_dir
}
trap on_exit EXIT

step "install dependencies"
bash helpers/install-deps.sh

# The VM image (tests/vm/) builds from the Debian mirror while we compile and test.
VM_LOG=/var/tmp/sandbox-vm-build.log
if [[ ${SBX_SKIP_VM:-0} != 1 ]]; then
  bash tests/vm/build-image.sh >"$VM_LOG" 2>&1 &
  vm_build_pid=$!
fi

step "build ($BUILD_DIR)"
mkdir -p "$BUILD_DIR"
# -g1 (line tables and functions: enough for a backtrace) instead of -g: ~30% less compile
# time for our template-heavy code, which the 40-minute CI budget needs.
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANDBOX_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSANDBOX_TESTS=ON >"$BUILD_DIR/configure.log" 2>&1 || {
  cat "$BUILD_DIR/configure.log"
  echo "test-all: cmake configure failed" >&2
  exit 1
}
set +e
cmake --build "$BUILD_DIR" -j"$JOBS" 2>&1 | grep -vE '^\[ *[0-9]+%\] (Building|Linking|Built)'
build_status=${PIPESTATUS[0]}
set -e
((build_status == 0)) || { echo "test-all: build failed" >&2; exit 1; }

# The quickstart and the .deb build in a minimal root (tests/package/) run meanwhile, and
# after it the sanitizer build (tests/fuzz/run.sh --build-only): most of their time is
# compiling, which the test host set-up, ctest and the engine tests leave room for.
PACKAGE_DIR=$BUILD_DIR/package
if [[ ${SBX_SKIP_PACKAGE:-0} != 1 ]]; then
  mkdir -p "$PACKAGE_DIR"
  package_started=$SECONDS
  # Its own process group, which the exit trap ends if test-all stops before waiting for it.
  setsid bash tests/package/check.sh build "$PACKAGE_DIR" >"$BUILD_DIR/package-build.log" 2>&1 &
  package_build_pid=$!
fi
# As the test user, as the unpacker runs in production (no device nodes, no root-only xattrs).
fuzz_as_test_user() {
  runuser -u "$TEST_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="/home/$TEST_USER" \
    LANG=C.UTF-8 SBX_FUZZ_BUILD_DIR="$FUZZ_BUILD_DIR" bash tests/fuzz/run.sh "$@"
}
mkdir -p "$FUZZ_BUILD_DIR"
chown -R "$TEST_USER:" "$FUZZ_BUILD_DIR"
# Its failure shows again in the foreground run below, which builds what is left.
export -f fuzz_as_test_user
export TEST_USER FUZZ_BUILD_DIR
setsid bash -c 'while [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; do sleep 2; done
  fuzz_as_test_user --build-only' _ "${package_build_pid:-}" >"$BUILD_DIR/fuzz-build.log" 2>&1 &
fuzz_build_pid=$!

step "format check (clang-format, report only)"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c' 2>/dev/null || true)
if ((${#sources[@]})) && ! clang-format --dry-run --Werror "${sources[@]}" >/dev/null 2>&1; then
  echo "test-all: not clang-formatted:"
  for f in "${sources[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "  $f"
  done
fi

step "prepare the test host"
export SBX_BUILD_DIR=$BUILD_DIR  # tests/rig/images/build.sh takes the test payload from here
bash helpers/setup-test-host.sh
# Leftovers of earlier runs (store roots hold files owned by subordinate ids).
rm -rf /var/tmp/sbx-it-* /tmp/sbx-evil-* /var/tmp/sbx-evil-* 2>/dev/null || true

# The test user must reach the binaries and write ctest's Testing/ directory.
mkdir -p "$BUILD_DIR/Testing"
chown -R "$TEST_USER:" "$BUILD_DIR/Testing"
if ! runuser -u "$TEST_USER" -- test -x "$BUILD_DIR/src/cli/sandbox"; then
  echo "test-all: $TEST_USER cannot reach $BUILD_DIR (a parent directory is not searchable);" \
    "clone the repository under /tmp or /var/tmp, or set SBX_BUILD_DIR" >&2
  exit 1
fi

step "ctest as $TEST_USER"
LOG=$BUILD_DIR/Testing/test-all.log
set +e
# shellcheck disable=SC2086
(cd "$BUILD_DIR" && runuser -u "$TEST_USER" -- env -i \
  PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="/home/$TEST_USER" \
  USER="$TEST_USER" LOGNAME="$TEST_USER" LANG=C.UTF-8 TERM=dumb \
  ctest --output-on-failure --timeout 600 -j"$JOBS" ${SBX_CTEST_ARGS:-}) 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

step "two users on one machine (tests/system/two_users.sh)"
users_status=0
bash tests/system/two_users.sh "$BUILD_DIR/src/cli/sandbox" "$TEST_USER" "${SBX_TEST_USER2:-sbxtest2}" ||
  users_status=$?
step "sandbox-runtime: root on a user's containers, as Slurm (tests/system/oci_root_on_user.sh)"
bash tests/system/oci_root_on_user.sh "$BUILD_DIR" "$TEST_USER" || users_status=1

# sandbox-runtime as engines drive it (tests/oci/README.md, README-engines.md), and the part of
# the OCI conformance suites it passes (tests/oci/sandbox-runtime-passing.txt).
oci_status=0
oci_started=$SECONDS
OCI_RUNTIME=$BUILD_DIR/src/cli/sandbox-runtime
for engine in podman containerd slurm; do
  step "sandbox-runtime under $engine (tests/oci/$engine.sh)"
  bash "tests/oci/$engine.sh" "$OCI_RUNTIME" || oci_status=1
done
step "sandbox-runtime: OCI conformance, what it passes (tests/oci/conformance.sh)"
mapfile -t oci_passing < <(grep -v '^#' tests/oci/sandbox-runtime-passing.txt | grep .)
# Two retries: runtime-tools' killsig signals its shell before the shell may have set its trap
# (tests/oci/README.md); under the load of the background builds one retry was not enough.
SBX_OCI_RETRIES=${SBX_OCI_RETRIES:-2} \
  bash tests/oci/conformance.sh "$OCI_RUNTIME" "${oci_passing[@]/#/--only=}" || oci_status=1
echo "test-all: tests/oci took $((SECONDS - oci_started))s"

package_status=0
if [[ ${SBX_SKIP_PACKAGE:-0} != 1 ]]; then
  step "quickstart and the .deb in minimal Debian roots (tests/package/)"
  wait "$package_build_pid" || package_status=$?
  package_build_pid=
  sed -n '/^==> package-check\|^package-check:\|^==> /p' "$BUILD_DIR/package-build.log"
  if ((package_status == 0)); then
    bash tests/package/check.sh install "$PACKAGE_DIR" || package_status=$?
  else
    tail -n 40 "$BUILD_DIR/package-build.log"
    echo "test-all: the quickstart in a minimal root failed (log: $BUILD_DIR/package-build.log)"
  fi
  echo "test-all: the package checks took $((SECONDS - package_started))s since the build"
fi

step "unit tests under ASan and UBSan, fuzz targets (tests/fuzz/run.sh)"
fuzz_status=0
fuzz_start=$SECONDS
wait "$fuzz_build_pid" || true
fuzz_build_pid=
tail -n 1 "$BUILD_DIR/fuzz-build.log"
fuzz_as_test_user || fuzz_status=$?
echo "test-all: tests/fuzz/run.sh took $((SECONDS - fuzz_start))s after the build"

vm_status=0
if [[ ${SBX_SKIP_VM:-0} != 1 ]]; then
  step "cgroup tests in a QEMU VM (tests/vm/)"
  if wait "$vm_build_pid"; then
    bash tests/vm/run-vm.sh "$BUILD_DIR/src/cli/sandbox" || vm_status=$?
    step "a power cut in the middle of a pull, in the VM (tests/vm/power-cut.sh)"
    bash tests/vm/power-cut.sh "$BUILD_DIR/src/cli/sandbox" || vm_status=$?
  else
    cat "$VM_LOG"
    echo "test-all: building the VM image failed" >&2
    vm_status=1
  fi
fi

step "summary"
# ctest's own summary: the pass line and the lists of failed and skipped tests.
sed -n '/tests passed,/,$p' "$LOG"
echo "test-all: ctest exited with $status, the two-user and root-on-user checks with $users_status," \
  "the OCI engine and conformance checks with $oci_status," \
  "the package checks with $package_status, the sanitizer and fuzz run with $fuzz_status," \
  "the VM tests with $vm_status, after ${SECONDS}s"
((status != 0)) && exit "$status"
((users_status != 0)) && exit "$users_status"
((oci_status != 0)) && exit "$oci_status"
((package_status != 0)) && exit "$package_status"
((fuzz_status != 0)) && exit "$fuzz_status"
exit "$vm_status"
