#!/bin/bash
# sandbox-runtime against runc (and crun where it runs), as engines use them (not a test: no
# timing assertions, it only prints). Run as root; every measured command runs as the
# unprivileged test user.
#
#   sudo tests/bench/oci_bench.sh [--runs N] [--warmup N] [--sandbox PATH] [--user USER]
#                                 [--image REF] [--no-podman]
#
# 1. `RUNTIME run -b BUNDLE ID` of a rootless bundle whose process exits at once (the static test
#    payload's `exit 0`): create + start + wait + delete in one call, median of N (default 20).
#    The bundle's config.json is `runc spec --rootless` (ours where runc is missing).
# 2. `podman --runtime RUNTIME run --rm IMAGE true` for sandbox-runtime and runc (the runtime's
#    calls are a part of podman's run; podman's own work is the same in both).
# Targets: (1) <= 0.5x runc and faster than crun; (2) <= 0.9x podman with runc.
# Needs the rig (tests/rig/start.sh) for the image of (2) and the test user.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WARMUP=3
parse_args "${TIMING_OPTIONS[@]}" "${COMMON_OPTIONS[@]}" -- "$@"

prepare_timed_bench oci-bench
RUNTIME=$(dirname "$SANDBOX")/sandbox-runtime
[[ -x $RUNTIME ]] || die "no $RUNTIME beside $SANDBOX (the build makes the link)"
PAYLOAD=$(dirname "$SANDBOX")/../../helpers/payload/payload
[[ -x $PAYLOAD ]] || die "no test payload at $PAYLOAD: build the helpers"
trap 'rm -rf "$TMP"' EXIT

# The bundle: the payload as the rootfs's only file, writable by the user.
BUNDLE=$TMP/bundle
as_user mkdir -p "$BUNDLE/rootfs/bin"
as_user cp "$PAYLOAD" "$BUNDLE/rootfs/bin/payload"
if command -v runc >/dev/null; then
  (cd "$BUNDLE" && as_user runc spec --rootless)
else
  (cd "$BUNDLE" && as_user "$RUNTIME" spec --rootless)
fi
# shellcheck disable=SC2016  # jq's program, expanded by the inner bash
as_user bash -c 'jq ".process.terminal = false | .process.args = [\"/bin/payload\", \"exit\", \"0\"]" \
  "$1/config.json" >"$1/config.new" && mv "$1/config.new" "$1/config.json"' bench "$BUNDLE"

echo "== OCI runtime: run of a bundle that exits at once ($(date -u +%FT%TZ))"
host_line
echo "runtime: $RUNTIME, runs: $RUNS after $WARMUP warm-ups, timer: $(timer_name)"
TOOLS=(sandbox)
measure sandbox "$RUNTIME" --root "$TMP/state-sandbox" run -b "$BUNDLE" bench
for other in runc crun; do
  command -v "$other" >/dev/null || { SKIP[$other]="not installed"; TOOLS+=("$other"); continue; }
  TOOLS+=("$other")
  measure "$other" "$(command -v "$other")" --root "$TMP/state-$other" run -b "$BUNDLE" bench
done
print_table 8 "${TOOLS[@]}"
VS_RUNC=$(ratio sandbox runc)
echo
echo "targets:"
target_line "<= 0.5x runc" "${VS_RUNC}x" "$(verdict "$VS_RUNC" 0.5 '<=')"
if [[ -n ${MEDIAN[crun]:-} ]]; then
  target_line "faster than crun" "$(ratio sandbox crun)x" "$(verdict "$(ratio sandbox crun)" 1 '<')"
else
  target_line "faster than crun" "-" "n/a (${SKIP[crun]:-})"
fi

((USE_PODMAN)) || exit 0
command -v podman >/dev/null || { note "podman: not installed"; exit 0; }
echo
echo "== podman run --rm $IMAGE true, by runtime"
PODMAN=(env HOME="$USER_HOME" podman --cgroup-manager cgroupfs --events-backend file)
as_user "${PODMAN[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null ||
  { note "podman pull $IMAGE failed: skipped"; exit 0; }
RUNS=$((RUNS < 10 ? RUNS : 10))
measure podman-sandbox "${PODMAN[@]}" --runtime "$RUNTIME" run --rm "$IMAGE" true
measure podman-runc "${PODMAN[@]}" --runtime "$(command -v runc || echo runc)" run --rm "$IMAGE" true
printf '%-16s %10s %10s\n' runtime "median ms" "cpu ms"
for tool in podman-sandbox podman-runc; do
  printf '%-16s %10s %10s %s\n' "$tool" "${MEDIAN[$tool]:--}" "${CPU[$tool]:--}" \
    "${SKIP[$tool]:+(skipped: ${SKIP[$tool]})}"
done
VS=$(ratio podman-sandbox podman-runc)
target_line "<= 0.9x podman with runc" "${VS}x" "$(verdict "$VS" 0.9 '<=')"
