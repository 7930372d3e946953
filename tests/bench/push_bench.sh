#!/bin/bash
# Push benchmark (not a test; no timing assertions): the Debian-sized image pull_bench.sh builds
# ($REGISTRY/bench/debian:latest, 4 layers), pushed to a fresh repository by `sandbox push` and
# by `skopeo copy` of the same image, side by side from one run, as the unprivileged test user.
#
#   sudo tests/bench/push_bench.sh [--runs N] [--sandbox PATH]
#
# sandbox pushes from its store (pulled once, before timing); skopeo copies from the OCI layout
# pull_bench.sh left in $BENCH_DIR/oci (run pull_bench.sh once first). Both push to
# localhost:<port>, a name of the registry under which no repository holds the image, so every
# blob is uploaded (no cross-repository mount) into a repository of its own per run.
# Target from the issue: sandbox push <= 1.0x skopeo copy.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_DIR=${BENCH_DIR:-/var/tmp/sandbox-bench}
RUNS=1
parse_args --runs=RUNS --sandbox=SANDBOX -- "$@"

require_root_and_user
source_rig
find_sandbox
require_user_can_run_sandbox
command -v skopeo >/dev/null || die "skopeo is not installed"
command -v bc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q bc >/dev/null
OCI=$BENCH_DIR/oci
[[ -f $BENCH_DIR/layout.stamp ]] || die "no $OCI: run tests/bench/pull_bench.sh once first"

IMAGE=$REGISTRY/bench/debian:latest
DEST=localhost:${REGISTRY##*:}  # the same registry by another name: nothing to mount from
as_user() { runuser -u "$TEST_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
  HOME="/home/$TEST_USER" USER="$TEST_USER" LANG=C.UTF-8 "$@"; }
now() { date +%s.%N; }
WORK=$(as_user mktemp -d /var/tmp/sbx-push-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
chmod -R o+rX "$OCI"

as_user "$SANDBOX" --root "$WORK/root" pull -q "$IMAGE" >/dev/null ||
  die "sandbox pull $IMAGE failed"
# The bytes of the image's blobs (layers and config), from the OCI layout's manifest.
COMPRESSED=$(/usr/bin/python3 - "$OCI" <<'PY'
import json, sys
oci = sys.argv[1]
blob = lambda d: "%s/blobs/%s" % (oci, d.replace(":", "/"))
index = json.load(open(oci + "/index.json"))
entry = next(m for m in index["manifests"]
             if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "bench")
manifest = json.load(open(blob(entry["digest"])))
print(sum(d["size"] for d in manifest["layers"] + [manifest["config"]]))
PY
)

time_sandbox() {
  local repo start end
  repo=$DEST/bench-push/sandbox-$RANDOM$RANDOM:latest
  start=$(now)
  as_user "$SANDBOX" --root "$WORK/root" push -q "$IMAGE" "$repo" >"$WORK/push.log" 2>&1 ||
    { echo "push_bench: sandbox push failed:" >&2; tail -3 "$WORK/push.log" >&2; return 1; }
  end=$(now)
  echo "$end - $start" | bc
}

# skopeo remembers which repositories of a registry hold a blob (its blob info cache under
# $HOME) and then mounts instead of uploading: a fresh HOME per run keeps the comparison to uploads.
time_skopeo() {
  local repo start end home
  repo=$DEST/bench-push/skopeo-$RANDOM$RANDOM:latest
  home=$(as_user mktemp -d "$WORK/skopeo-home-XXXXXX")
  start=$(now)
  as_user env HOME="$home" skopeo copy --quiet --dest-tls-verify=false "oci:$OCI:bench" \
    "docker://$repo" \
    >"$WORK/skopeo.log" 2>&1 ||
    { echo "push_bench: skopeo copy failed:" >&2; tail -3 "$WORK/skopeo.log" >&2; return 1; }
  end=$(now)
  echo "$end - $start" | bc
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mine=() theirs=()
for _ in $(seq 1 "$RUNS"); do  # alternated, so both meet the same load
  mine+=("$(time_sandbox)") || die "sandbox push failed"
  theirs+=("$(time_skopeo)") || die "skopeo copy failed"
done
T_SANDBOX=$(median "${mine[@]}")
T_SKOPEO=$(median "${theirs[@]}")

echo "push_bench: $IMAGE -> $DEST/bench-push/*: $((COMPRESSED / 1000000)) MB of blobs;" \
  "median of $RUNS run(s) each, as $TEST_USER"
host_line
printf '%-24s %10s %10s\n' "" seconds "MB/s"
for row in "sandbox push:$T_SANDBOX" "skopeo copy:$T_SKOPEO"; do
  printf '%-24s %10.2f %10.1f\n' "${row%%:*}" "${row#*:}" \
    "$(echo "scale=1; $COMPRESSED / 1000000 / ${row#*:}" | bc)"
done
echo "sandbox push / skopeo copy = $(echo "scale=2; $T_SANDBOX / $T_SKOPEO" | bc) (target <= 1.0)"
