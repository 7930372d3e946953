#!/bin/bash
# Builds the test images and pushes them to the rig's registries (tests/rig/images/
# EXPECTATIONS.md says what each must look like after a pull). Run as root after
# tests/rig/start.sh: helpers/setup-test-host.sh does both.
#
#   build.sh [--force] [--no-verify] [PAYLOAD_BIN]
#
# Tools, all from Debian packages and none of them ours: umoci builds the OCI layouts,
# skopeo pushes them (converting to Docker schema 2 or recompressing on the way), Python's
# tarfile writes the layers umoci cannot (hostile ones, an opaque whiteout), busybox-static is
# the root filesystem. The static test payload comes from PAYLOAD_BIN (argument or env) or is
# built with cmake from this checkout.
#
# Idempotent: an image is rebuilt only when the registry lacks it or its inputs (these scripts,
# busybox, the payload) changed since it was pushed; a second run takes a few seconds.
# Environment (defaults from $RIG_DIR/rig.env): RIG_DIR, REGISTRY, REGISTRY_TOKEN,
# REGISTRY_BASIC, RIG_USER, RIG_PASSWORD, REGISTRY_STORAGE (the registries' shared
# filesystem storage, default $RIG_DIR/data).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PYTHON=/usr/bin/python3  # Debian's; a pyenv one in PATH may lack nothing, but be predictable
FORCE=0
VERIFY=1
PAYLOAD_BIN=${PAYLOAD_BIN:-}
while (($#)); do
  case $1 in
    --force) FORCE=1 ;;
    --no-verify) VERIFY=0 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) PAYLOAD_BIN=$1 ;;
  esac
  shift
done

die() { echo "images: $*" >&2; exit 1; }
note() { echo "images: $*" >&2; }

# rig.env supplies defaults; variables already in the environment win (tests of this script
# point it at a scratch registry that way).
RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}
if [[ -r $RIG_DIR/rig.env ]]; then
  while IFS='=' read -r key value; do
    [[ $key =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    [[ -n ${!key:-} ]] || printf -v "$key" '%s' "$value"
  done <"$RIG_DIR/rig.env"
fi
[[ -n ${REGISTRY:-} ]] || die "REGISTRY unset and no $RIG_DIR/rig.env (run tests/rig/start.sh)"
RIG_USER=${RIG_USER:-tester}
RIG_PASSWORD=${RIG_PASSWORD:-testpass}
REGISTRY_STORAGE=${REGISTRY_STORAGE:-$RIG_DIR/data}
WORK=$RIG_DIR/images
for tool in umoci skopeo "$PYTHON" /bin/busybox sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (run helpers/install-deps.sh)"
done
mkdir -p "$WORK/stamps"
exec 9>"$WORK/lock"
flock 9  # one build at a time: the build dir and stamps are shared

# shellcheck source=rootfs.sh
source "$HERE/rootfs.sh"
# shellcheck source=registry.sh
source "$HERE/registry.sh"

# --- inputs and stamps -----------------------------------------------------------------------

INPUTS=$(cd "$HERE" && cat build.sh rootfs.sh registry.sh images.py ocilayout.py hostile.py \
  composed.py /bin/busybox | sha256sum | cut -c1-64)
if [[ -n $PAYLOAD_BIN ]]; then
  PAYLOAD_INPUTS=$(sha256sum <"$PAYLOAD_BIN" | cut -c1-64) || die "cannot read $PAYLOAD_BIN"
else
  PAYLOAD_INPUTS=$(cat "$REPO"/helpers/payload/* | sha256sum | cut -c1-64)
fi

# stamp_of KEY: what the image KEY is built from.
stamp_of() {
  if [[ $1 == payload* ]]; then echo "$INPUTS $PAYLOAD_INPUTS"; else echo "$INPUTS"; fi
}
stamp_file() { echo "$WORK/stamps/$(echo "$1" | tr '/:' '__')"; }

# wanted KEY REF [CREDS]: true when REF must be (re)built and pushed.
wanted() {
  local file
  file=$(stamp_file "$2")
  ((FORCE)) && return 0
  [[ -f $file && $(cat "$file") == "$(stamp_of "$1")" ]] || return 0
  ! registry_has "$2" "${3:-}"
}
pushed() { stamp_of "$1" >"$(stamp_file "$2")"; }

# Builds the payload with cmake in a build dir of our own; sets PAYLOAD_BIN.
build_payload() {
  local dir=$WORK/payload-build log=$WORK/payload-build.log
  note "building the test payload with cmake in $dir"
  if cmake -S "$REPO" -B "$dir" -DSANDBOX_TESTS=OFF >"$log" 2>&1 &&
    cmake --build "$dir" --target payload -j2 >>"$log" 2>&1; then
    PAYLOAD_BIN=$dir/helpers/payload/payload
    return
  fi
  # The rest of the tree may be mid-change; the payload needs nothing from it.
  note "cmake failed (see $log); compiling the payload directly"
  mkdir -p "$dir"
  g++ -std=c++23 -O2 -D_GNU_SOURCE -fno-exceptions -fno-rtti -static \
    -o "$dir/payload-direct" "$REPO"/helpers/payload/*.cpp >>"$log" 2>&1 ||
    die "cannot build the payload (see $log)"
  PAYLOAD_BIN=$dir/payload-direct
}

# --- what to do ------------------------------------------------------------------------------

CREDS=$RIG_USER:$RIG_PASSWORD
HOSTILE_CASES=$("$PYTHON" -c "import sys; sys.path.insert(0, '$HERE'); import hostile
print(' '.join(list(hostile.CASES) + ['huge']))")
# Rows of "KEY REF CREDS": KEY names the layout tag / build step.
plan() {
  local r=$REGISTRY c
  echo "busybox $r/test/busybox:latest -"
  echo "busybox-v2s2 $r/test/busybox:v2s2 -"
  if [[ -n ${REGISTRY_TOKEN:-} ]]; then
    echo "busybox $REGISTRY_TOKEN/test/busybox:latest $CREDS"
    echo "busybox $REGISTRY_TOKEN/public/busybox:latest $CREDS"
  fi
  [[ -z ${REGISTRY_BASIC:-} ]] || echo "busybox $REGISTRY_BASIC/test/busybox:latest $CREDS"
  echo "layered $r/test/layered:latest -"
  echo "layered-zstd $r/test/layered:zstd -"
  echo "layered-plain $r/test/layered:plain -"
  echo "multiarch $r/test/multiarch:latest -"
  echo "multiarch-v2s2 $r/test/multiarch:v2s2 -"
  echo "payload $r/test/payload:latest -"
  echo "payload-config $r/test/payload:config -"
  echo "payload-bulk $r/test/bulk:latest -"
  echo "baduid $r/test/baduid:latest -"
  echo "corrupt $r/test/corrupt:latest -"
  for c in $HOSTILE_CASES; do echo "hostile-$c $r/test/hostile-$c:latest -"; done
}

TODO=()
while read -r key ref creds; do
  [[ $creds == - ]] && creds=
  if wanted "$key" "$ref" "$creds"; then TODO+=("$key $ref ${creds:--}"); fi
done < <(plan)

CORRUPT_REF=$REGISTRY/test/corrupt:latest
if ((${#TODO[@]} == 0)); then
  # Still make sure the corruption is in place (a registry restart keeps storage, but a
  # re-push of the good blob by hand would undo it).
  if is_corrupted "$(top_layer_digest "$CORRUPT_REF")"; then
    note "all images present and current in $REGISTRY"
    exit 0
  fi
  TODO+=("corrupt $CORRUPT_REF -")
fi
((EUID == 0)) || die "building needs root (umoci records owners as found on disk)"
note "to build: $(printf '%s\n' "${TODO[@]}" | cut -d' ' -f2 | tr '\n' ' ')"

# --- layouts ---------------------------------------------------------------------------------

BUILD=$WORK/build
rm -rf "$BUILD"
mkdir -p "$BUILD"
LAYOUT=$BUILD/oci
needs() { printf '%s\n' "${TODO[@]}" | grep -q "^$1 "; }
needs_prefix() { printf '%s\n' "${TODO[@]}" | grep -q "^$1"; }

# umoci_image TAG FROM_TAG STEP...: a new tag from FROM_TAG plus one layer per STEP, each STEP a
# function that edits the unpacked rootfs.
umoci_image() {
  local tag=$1 from=$2 bundle=$BUILD/bundle-$1 step
  shift 2
  umoci tag --image "$LAYOUT:$from" "$tag"
  umoci unpack --image "$LAYOUT:$tag" "$bundle" >/dev/null
  for step in "$@"; do
    "$step" "$bundle/rootfs"
    umoci repack --refresh-bundle --history.created_by "tests/rig/images $step" \
      --history.created "$FIXED_DATE" --image "$LAYOUT:$tag" "$bundle"
  done
}

build_base() {
  umoci init --layout "$LAYOUT"
  umoci new --image "$LAYOUT:empty"
  umoci_image busybox empty make_busybox_rootfs
  umoci config --image "$LAYOUT:busybox" --no-history --created "$FIXED_DATE" \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.cmd sh
}

build_layered() {
  umoci_image layered busybox layered_layer2 layered_layer3
  "$PYTHON" "$HERE/images.py" opaque-layer "$BUILD/opaque.tar"
  umoci raw add-layer --history.created_by "tests/rig/images opaque_layer_tar (python)" \
    --history.created "$FIXED_DATE" --image "$LAYOUT:layered" "$BUILD/opaque.tar"
  umoci config --image "$LAYOUT:layered" --no-history --config.workingdir /data
}

install_payload() { install -D -m 0755 "$PAYLOAD_BIN" "$1/usr/bin/payload"; fix_times "$1"; }
build_payload_image() {
  [[ -n $PAYLOAD_BIN ]] || build_payload
  umoci_image payload busybox install_payload
  umoci config --image "$LAYOUT:payload" --no-history \
    --config.cmd /usr/bin/payload --config.cmd id
  # Every config field a run must apply (EXPECTATIONS.md, test/payload:config).
  umoci tag --image "$LAYOUT:payload" payload-config
  umoci config --image "$LAYOUT:payload-config" --no-history \
    --config.entrypoint /usr/bin/payload --clear config.cmd --config.cmd id \
    --config.user tester --config.workingdir /home/tester \
    --config.env SBX_FROM_IMAGE=image --config.env "SBX_SPACED=a b  c" \
    --config.label org.sandbox.test=config --config.stopsignal SIGUSR1 \
    --config.exposedports 8080/tcp
}

# test/bulk: the payload image plus three layers of 400 incompressible 8 KiB files each
# (~10 MB), so that a pull, load or rmi lasts long enough to be killed at many moments.
bulk_layer() { "$PYTHON" "$HERE/images.py" bulk-files "$1" "$2" 400 8192; fix_times "$1"; }
bulk_layer1() { bulk_layer "$1" 1; }
bulk_layer2() { bulk_layer "$1" 2; }
bulk_layer3() { bulk_layer "$1" 3; }

add_baduid_file() {
  install -d -m 0755 "$1/data"
  printf 'owned by 200000\n' >"$1/data/baduid-file"
  chown 200000:200000 "$1/data/baduid-file"
  fix_times "$1"
}

build_base
needs_prefix layered && build_layered
needs_prefix payload && build_payload_image
needs payload-bulk && umoci_image payload-bulk payload bulk_layer1 bulk_layer2 bulk_layer3
needs baduid && umoci_image baduid busybox add_baduid_file
needs_prefix multiarch && "$PYTHON" "$HERE/images.py" multiarch "$LAYOUT" busybox >/dev/null
needs_prefix hostile && "$PYTHON" "$HERE/images.py" hostile "$LAYOUT" busybox >/dev/null
if needs corrupt; then
  CORRUPT_DIGEST=$("$PYTHON" "$HERE/images.py" corrupt "$LAYOUT" busybox "$BUILD/corrupt-bad.blob")
fi

# --- pushes ----------------------------------------------------------------------------------

for row in "${TODO[@]}"; do
  read -r key ref creds <<<"$row"
  [[ $creds == - ]] && creds=
  case $key in
    busybox-v2s2) push "oci:$LAYOUT:busybox" "$ref" "" --format v2s2 ;;
    layered-zstd) push_recompressed "oci:$LAYOUT:layered" "$ref" zstd ;;
    layered-plain) push_recompressed "oci:$LAYOUT:layered" "$ref" plain ;;
    multiarch) push "oci:$LAYOUT:multiarch" "$ref" "" --all ;;
    multiarch-v2s2) push "oci:$LAYOUT:multiarch" "$ref" "" --all --format v2s2 ;;
    corrupt)
      push "oci:$LAYOUT:corrupt" "$ref" ""
      corrupt_in_storage "$CORRUPT_DIGEST" "$BUILD/corrupt-bad.blob"
      is_corrupted "$(top_layer_digest "$ref")" || die "test/corrupt is not corrupted"
      ;;
    *) push "oci:$LAYOUT:$key" "$ref" "$creds" ;;
  esac
  pushed "$key" "$ref"
  note "pushed $ref"
done

if ((VERIFY)); then
  export REGISTRY REGISTRY_TOKEN REGISTRY_BASIC RIG_USER RIG_PASSWORD
  "$PYTHON" "$HERE/verify.py" || die "verification failed (tests/rig/images/verify.py)"
fi
# Archives written by skopeo (and broken ones) for the load tests.
REGISTRY=$REGISTRY RIG_DIR=$RIG_DIR "$HERE/archives.sh"
rm -rf "$BUILD"
note "done"
