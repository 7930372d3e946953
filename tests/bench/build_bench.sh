#!/bin/bash
# `sandbox build` benchmark (not a test: no timing assertions, it only prints), side by side with
# rootless buildah in the same run, every build as the unprivileged test user.
#
#   sudo tests/bench/build_bench.sh [--runs N] [--sandbox PATH] [--user USER] [--image REF]
#
# The Dockerfile: FROM the rig's busybox image, three RUN steps and a COPY of a directory of 500
# small files. Cold: `build --no-cache` with the base image already stored (both tools pull it
# once before timing). Cached: the same build again, every step from the cache (buildah --layers).
# Targets from the issue: cold <= 0.7x buildah, cached <= 0.3x buildah (tests/bench/README.md).
# BUILDAH_DRIVER=vfs compares with buildah's rootless default instead of overlay.
# Needs the rig (tests/rig/start.sh), the test user and buildah (apt-get install buildah).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS=5 WARMUP=1
parse_args --runs=RUNS "${COMMON_OPTIONS[@]}" -- "$@"
prepare_timed_bench build-bench
trap 'rm -rf "$TMP"' EXIT

echo "== sandbox build ($(date -u +%FT%TZ))"
host_line
echo "image: $IMAGE, user: $TEST_USER, runs: $RUNS after $WARMUP warm-up, timer: $(timer_name)"

CTX=$TMP/context
as_user mkdir -p "$CTX/files"
# shellcheck disable=SC2016
as_user bash -c 'for i in $(seq 1 500); do echo "file $i" > "$1/files/f$i.txt"; done' bench "$CTX"
as_user tee "$CTX/Dockerfile" >/dev/null <<DOCKERFILE
FROM $IMAGE
RUN echo one > /one
RUN mkdir -p /srv && echo two > /srv/two
COPY files /srv/files
RUN ls /srv/files | wc -l > /srv/count
CMD ["cat", "/srv/count"]
DOCKERFILE

as_user "${SBX[@]}" pull -q "$IMAGE" >/dev/null || die "sandbox pull $IMAGE failed"
as_user "${SBX[@]}" build -q --network none "$CTX" >/dev/null || die "sandbox build failed"
measure sandbox-cold "${SBX[@]}" build -q --no-cache --network none "$CTX"
measure sandbox-cached "${SBX[@]}" build -q --network none "$CTX"

if command -v buildah >/dev/null; then
  # overlay (kernel rootless overlay), as sandbox uses; buildah's rootless default would be vfs.
  BUILDAH=(buildah --root "$WORK/buildah-overlay" --runroot "$TMP/buildah-run"
    --storage-driver "${BUILDAH_DRIVER:-overlay}")
  BUD=("${BUILDAH[@]}" bud --tls-verify=false --network none -q --layers)
  if as_user env HOME="$USER_HOME" "${BUD[@]}" "$CTX" >"$TMP/buildah.out" 2>&1; then
    echo "buildah $(buildah --version | cut -d' ' -f3), storage driver ${BUILDAH_DRIVER:-overlay}"
    measure buildah-cold "${BUD[@]}" --no-cache "$CTX"
    measure buildah-cached "${BUD[@]}" "$CTX"
  else
    SKIP[buildah-cold]="buildah bud failed: $(last_lines 2 <"$TMP/buildah.out")"
    SKIP[buildah-cached]=${SKIP[buildah-cold]}
  fi
else
  SKIP[buildah-cold]="buildah is not installed" SKIP[buildah-cached]="buildah is not installed"
fi

printf "%-16s %10s %10s\n" build "median ms" "p90 ms"
for name in sandbox-cold buildah-cold sandbox-cached buildah-cached; do
  if [[ -n ${SKIP[$name]:-} ]]; then
    printf "%-16s %10s %10s  (skipped: %s)\n" "$name" - - "${SKIP[$name]}"
  else
    printf "%-16s %10s %10s\n" "$name" "${MEDIAN[$name]}" "${P90[$name]}"
  fi
done
echo "cold:   sandbox / buildah = $(ratio sandbox-cold buildah-cold '%.2fx') (target <= 0.7x)"
echo "cached: sandbox / buildah = $(ratio sandbox-cached buildah-cached '%.2fx') (target <= 0.3x)"
