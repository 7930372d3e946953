#!/bin/bash
# Image archives for the load tests (tests/integration/archive_*_test.cpp), written by tools
# that are not ours: skopeo copies rig images into docker-archive: and oci-archive: files,
# and a small Python step makes corrupt, truncated and hostile archives from them.
#
#   archives.sh [--force]        (run as root after build.sh; build.sh calls it)
#
# Output in $RIG_DIR/archives/ (world-readable), skipped when it is newer than this script:
#   busybox.docker.tar         skopeo docker-archive: of test/busybox:latest, tagged test/busybox:latest
#   busybox.oci.tar            skopeo oci-archive: of test/busybox:latest (ref name "latest")
#   layered.docker.tar         docker-archive: of test/layered:latest (tag test/layered:latest)
#   layered.oci.tar            oci-archive: of test/layered:latest (ref name "latest")
#   layered.docker.tar.gz      layered.docker.tar, gzip-compressed as a whole
#   hostile-dotdot.docker.tar  docker-archive: of test/hostile-dotdot (a layer entry ../sbx-evil-dotdot)
#   hostile-hardlink-abs.oci.tar  oci-archive: of test/hostile-hardlink-abs
#   corrupt-layer.docker.tar   busybox.docker.tar with one byte of its layer changed (diff id mismatch)
#   corrupt-blob.oci.tar       busybox.oci.tar with one byte of a layer blob changed (digest mismatch)
#   truncated.docker.tar       the first half of busybox.docker.tar
#   truncated.oci.tar          busybox.oci.tar cut inside its last blob
#   member-dotdot.tar          a docker-archive whose manifest.json names ../sbx-evil-config.json
#                              and which holds a member ../sbx-evil-member
#   not-an-archive.tar         text, not a tar
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}
FORCE=0
[[ ${1:-} == --force ]] && FORCE=1
if [[ -z ${REGISTRY:-} && -r $RIG_DIR/rig.env ]]; then
  REGISTRY=$(sed -n 's/^REGISTRY=//p' "$RIG_DIR/rig.env")
fi
[[ -n ${REGISTRY:-} ]] || { echo "archives: REGISTRY unset (run tests/rig/start.sh)" >&2; exit 1; }
OUT=$RIG_DIR/archives
STAMP=$OUT/.stamp
if ((!FORCE)) && [[ -f $STAMP && $STAMP -nt $HERE/archives.sh ]]; then
  echo "archives: up to date in $OUT" >&2
  exit 0
fi
command -v skopeo >/dev/null || { echo "archives: skopeo not found" >&2; exit 1; }
TMP=$(mktemp -d "$RIG_DIR/archives.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

copy() {  # copy IMAGE DEST-TRANSPORT:FILE[:REF]
  skopeo copy --quiet --src-tls-verify=false "docker://$REGISTRY/$1" "$2"
}
copy test/busybox:latest "docker-archive:$TMP/busybox.docker.tar:test/busybox:latest"
copy test/busybox:latest "oci-archive:$TMP/busybox.oci.tar:latest"
copy test/layered:latest "docker-archive:$TMP/layered.docker.tar:test/layered:latest"
copy test/layered:latest "oci-archive:$TMP/layered.oci.tar:latest"
gzip -c "$TMP/layered.docker.tar" >"$TMP/layered.docker.tar.gz"
copy test/hostile-dotdot:latest "docker-archive:$TMP/hostile-dotdot.docker.tar:test/hostile-dotdot:latest"
copy test/hostile-hardlink-abs:latest "oci-archive:$TMP/hostile-hardlink-abs.oci.tar:latest"
/usr/bin/python3 - "$TMP" <<'PY'
import io, json, os, sys, tarfile

tmp = sys.argv[1]

def rewrite(src, dst, change):
    """Copies tar src to dst, passing (member, data) of each regular member through change."""
    with tarfile.open(src) as tin, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
        for m in tin.getmembers():
            data = tin.extractfile(m).read() if m.isfile() else None
            data = change(m, data)
            if data is not None:
                m.size = len(data)
                tout.addfile(m, io.BytesIO(data))
            else:
                tout.addfile(m)

def flip_in_largest(src, dst, want):
    with tarfile.open(src) as t:
        target = max((m for m in t.getmembers() if m.isfile() and want(m.name)), key=lambda m: m.size)
    def change(m, data):
        if m.name == target.name:
            b = bytearray(data)
            # Inside the content of a file in the layer (past the first tar header).
            b[len(b) // 2] ^= 0xFF
            return bytes(b)
        return data
    rewrite(src, dst, change)

def is_layer(name):
    return not name.endswith(".json") and name not in ("repositories", "oci-layout")

flip_in_largest(f"{tmp}/busybox.docker.tar", f"{tmp}/corrupt-layer.docker.tar", is_layer)
flip_in_largest(f"{tmp}/busybox.oci.tar", f"{tmp}/corrupt-blob.oci.tar",
                lambda n: n.startswith("blobs/"))

data = open(f"{tmp}/busybox.docker.tar", "rb").read()
open(f"{tmp}/truncated.docker.tar", "wb").write(data[: len(data) // 2])
data = open(f"{tmp}/busybox.oci.tar", "rb").read()
open(f"{tmp}/truncated.oci.tar", "wb").write(data[: len(data) - 4096 - 700])

with tarfile.open(f"{tmp}/member-dotdot.tar", "w") as t:
    def add(name, payload):
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    add("../sbx-evil-member", b"evil\n")
    add("manifest.json", json.dumps([{"Config": "../sbx-evil-config.json",
                                      "RepoTags": ["test/evil:latest"], "Layers": []}]).encode())

open(f"{tmp}/not-an-archive.tar", "w").write("this is not a tar archive\n" * 40)
PY
chmod 0644 "$TMP"/*
mkdir -p "$OUT"
chmod 0755 "$OUT"
mv -f "$TMP"/* "$OUT"/
touch "$STAMP"
echo "archives: written to $OUT" >&2
