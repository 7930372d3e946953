#!/bin/bash
# Pull benchmark (not a test; no timing assertions): a Debian-sized image from the rig's local
# registry, pulled by `sandbox pull`, compared in the same run with `tar xzf` of the same layer
# blobs and with rootless `podman pull`, all as the unprivileged test user.
#
#   sudo tests/bench/pull_bench.sh [--runs N] [--sandbox PATH] [--baseline PATH]
#
# --baseline: another sandbox binary (e.g. a build without a change) timed in turn with --sandbox,
# run for run, so that a before/after pair meets the same load.
#
# Once (cached in $BENCH_DIR, default /var/tmp/sandbox-bench): `debootstrap --variant=minbase
# bookworm` from the Debian mirror (~200 MB unpacked), split into 4 layers with umoci (usr/lib,
# the rest of usr, var, everything else), pushed with skopeo as $REGISTRY/bench/debian:latest.
# Needs the rig (tests/rig/start.sh) and the test user (helpers/setup-test-host.sh).
# Target from the issue: sandbox within 1.3x of tar xzf, at least 2x faster than podman.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_DIR=${BENCH_DIR:-/var/tmp/sandbox-bench}
RUNS=3
BASELINE=
parse_args --runs=RUNS --sandbox=SANDBOX --baseline=BASELINE -- "$@"

((EUID == 0)) || die "run as root (debootstrap, then the pulls run as $TEST_USER)"
source_rig
require_user
find_sandbox
require_user_can_run_sandbox
command -v debootstrap >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null

IMAGE=$REGISTRY/bench/debian:latest
OCI=$BENCH_DIR/oci
mkdir -p "$BENCH_DIR"

# --- the image, built once ---------------------------------------------------------------
make_rootfs() {
  [[ -d $BENCH_DIR/rootfs ]] && return
  local mirror
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
    true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "pull_bench: debootstrap --variant=minbase bookworm from $mirror (a few minutes, once)"
  rm -rf "$BENCH_DIR/rootfs.tmp"
  debootstrap --variant=minbase bookworm "$BENCH_DIR/rootfs.tmp" "$mirror" \
    >"$BENCH_DIR/debootstrap.log" 2>&1 || die "debootstrap failed: see $BENCH_DIR/debootstrap.log"
  # Device nodes cannot be made unprivileged (tar as the test user); containers get /dev anyway.
  find "$BENCH_DIR/rootfs.tmp/dev" -mindepth 1 -delete
  mv "$BENCH_DIR/rootfs.tmp" "$BENCH_DIR/rootfs"
}

# Four layers, each one `umoci repack` of what was added to the bundle since the last.
make_layout() {
  [[ -f $BENCH_DIR/layout.stamp ]] && return
  local src=$BENCH_DIR/rootfs bundle=$BENCH_DIR/bundle
  rm -rf "$OCI" "$bundle"
  umoci init --layout "$OCI"
  umoci new --image "$OCI:bench"
  umoci unpack --image "$OCI:bench" "$bundle" >/dev/null
  local rootfs=$bundle/rootfs
  mkdir -p "$rootfs/usr"
  cp -a "$src/usr/lib" "$rootfs/usr/"
  umoci repack --refresh-bundle --image "$OCI:bench" "$bundle"
  cp -a "$src/usr/." "$rootfs/usr/"
  umoci repack --refresh-bundle --image "$OCI:bench" "$bundle"
  cp -a "$src/var" "$rootfs/"
  umoci repack --refresh-bundle --image "$OCI:bench" "$bundle"
  cp -a "$src/." "$rootfs/"
  umoci repack --refresh-bundle --image "$OCI:bench" "$bundle"
  umoci config --image "$OCI:bench" --config.cmd /bin/bash --os linux --architecture amd64
  rm -rf "$bundle"
  touch "$BENCH_DIR/layout.stamp"
}

# Always pushed: skopeo skips the blobs the registry has, and a rebuilt layout replaces the tag.
push_image() {
  skopeo copy --quiet --dest-tls-verify=false "oci:$OCI:bench" "docker://$IMAGE"
}

make_rootfs
make_layout
push_image

# The layer blobs (gzip tars) in order, from the OCI layout.
mapfile -t LAYERS < <(/usr/bin/python3 - "$OCI" <<'EOF'
import json, sys
oci = sys.argv[1]
blob = lambda d: "%s/blobs/%s" % (oci, d.replace(":", "/"))
index = json.load(open(oci + "/index.json"))
manifest = next(m for m in index["manifests"]
                if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "bench")
for layer in json.load(open(blob(manifest["digest"])))["layers"]:
    print(blob(layer["digest"]))
EOF
)
COMPRESSED=$(du -cb "${LAYERS[@]}" | tail -1 | cut -f1)
UNPACKED=$(du -sb "$BENCH_DIR/rootfs" | cut -f1)
chmod 0755 "$BENCH_DIR" "$OCI" "$OCI/blobs" "$OCI/blobs/sha256"
chmod 0644 "${LAYERS[@]}"

# --- timing ------------------------------------------------------------------------------
as_user() { runuser -u "$TEST_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
  HOME="/home/$TEST_USER" USER="$TEST_USER" LANG=C.UTF-8 "$@"; }
now() { date +%s.%N; }
# Every run unpacks into its own dir under $SCRATCH, all deleted at the end only: this ext4 has
# no journal, and then it skips inodes freed in the last 60 s (360 s while their inode table
# block is dirty) when it allocates, checking each one at every create; right after an `rm -rf`
# of a previous run's 7000 files a create cost ~1 ms instead of ~20 us, and whichever tool ran
# after a delete paid for it. A real pull does not follow such a delete.
SCRATCH=$(as_user mktemp -d /var/tmp/sbx-bench-XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
scratch() { as_user mktemp -d "$SCRATCH/run-XXXXXX"; }
drop() { :; }  # see SCRATCH
# The same start for every run: what earlier runs wrote is on disk and out of the page cache,
# then the layer blobs are read back into it, on both sides: the registry's storage and the OCI
# layout that tar reads.
REGISTRY_BLOBS=$RIG_DIR/data/docker/registry/v2/blobs/sha256
settle() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
  local layer hex
  for layer in "${LAYERS[@]}"; do
    hex=$(basename "$layer")
    cat "$layer" "$REGISTRY_BLOBS/${hex:0:2}/$hex/data" >/dev/null 2>&1 || true
  done
}

time_sandbox() {  # [BINARY]
  local dir start end binary=${1:-$SANDBOX}
  dir=$(scratch)
  settle
  start=$(now)
  as_user TMPDIR="$dir" "$binary" --root "$dir/root" pull -q "$IMAGE" >"$dir.log" 2>&1 ||
    { echo "pull_bench: sandbox pull failed:" >&2; tail -3 "$dir.log" >&2; drop "$dir"; return 1; }
  end=$(now)
  drop "$dir"; rm -f "$dir.log"
  echo "$end - $start" | bc
}

time_tar() {
  local dir start end
  dir=$(scratch)
  settle
  start=$(now)
  # shellcheck disable=SC2016  # expanded by the inner bash
  as_user bash -c 'dir=$1; shift; for layer; do tar -xzf "$layer" -C "$dir"; done' \
    tar "$dir" "${LAYERS[@]}"
  end=$(now)
  drop "$dir"
  echo "$end - $start" | bc
}

PODMAN_DRIVER=
time_podman() {
  local dir start end
  dir=$(scratch)
  settle
  local podman=(podman --root "$dir/storage" --runroot "$dir/run" --cgroup-manager=cgroupfs
    --events-backend=file ${PODMAN_DRIVER:+--storage-driver "$PODMAN_DRIVER"})
  start=$(now)
  as_user XDG_RUNTIME_DIR="$dir" "${podman[@]}" pull -q --tls-verify=false "$IMAGE" \
    >"$dir.log" 2>&1 || { drop "$dir"; rm -f "$dir.log"; return 1; }
  end=$(now)
  drop "$dir"; rm -f "$dir.log"
  echo "$end - $start" | bc
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Median of the runs of one timer; "n/a" when it fails.
median_of_runs() {
  local times=() t
  for _ in $(seq 1 "$RUNS"); do
    t=$("$@") || { echo n/a; return; }
    times+=("$t")
  done
  median "${times[@]}"
}

command -v bc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q bc >/dev/null
echo "pull_bench: $IMAGE: ${#LAYERS[@]} layers, $((COMPRESSED / 1000000)) MB compressed," \
  "$((UNPACKED / 1000000)) MB unpacked; median of $RUNS runs each, as $TEST_USER"
echo "pull_bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
T_BASELINE=n/a
if [[ -n $BASELINE ]]; then
  mine=() theirs=()
  for _ in $(seq 1 "$RUNS"); do
    mine+=("$(time_sandbox "$SANDBOX")") || die "sandbox pull failed"
    theirs+=("$(time_sandbox "$BASELINE")") || die "the baseline's pull failed"
  done
  T_SANDBOX=$(median "${mine[@]}")
  T_BASELINE=$(median "${theirs[@]}")
else
  T_SANDBOX=$(median_of_runs time_sandbox)
fi
T_TAR=$(median_of_runs time_tar)
T_PODMAN=n/a
if command -v podman >/dev/null; then
  for driver in overlay ""; do
    PODMAN_DRIVER=$driver
    T_PODMAN=$(median_of_runs time_podman)
    [[ $T_PODMAN != n/a ]] && break
  done
fi

row() {  # name seconds note
  local mbps ratio
  if [[ $2 == n/a ]]; then
    printf '%-28s %10s %10s %12s  %s\n' "$1" n/a - - "$3"
    return
  fi
  mbps=$(echo "scale=1; $UNPACKED / 1000000 / $2" | bc)
  ratio=$([[ $T_SANDBOX != n/a ]] && echo "scale=2; $2 / $T_SANDBOX" | bc || echo -)
  printf '%-28s %10.2f %10s %12s  %s\n' "$1" "$2" "$mbps" "$ratio" "$3"
}
echo
printf '%-28s %10s %10s %12s  %s\n' "" "seconds" "MB/s" "x sandbox" ""
row "sandbox pull" "$T_SANDBOX" "download, verify, unpack in userns"
[[ -z $BASELINE ]] || row "sandbox pull (baseline)" "$T_BASELINE" "$BASELINE"
row "tar xzf (local blobs)" "$T_TAR" "no download, no verification"
row "podman pull (rootless)" "$T_PODMAN" "storage driver: ${PODMAN_DRIVER:-default}"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $T_SANDBOX != n/a && $T_TAR != n/a ]]; then
  echo "sandbox / tar xzf = $(echo "scale=2; $T_SANDBOX / $T_TAR" | bc) (target <= 1.3)"
fi
if [[ $T_SANDBOX != n/a && $T_PODMAN != n/a ]]; then
  echo "podman / sandbox  = $(echo "scale=2; $T_PODMAN / $T_SANDBOX" | bc) (target >= 2)"
fi
