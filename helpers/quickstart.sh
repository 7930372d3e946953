#!/bin/bash
# The README's first command, on a fresh Debian 12 machine with sudo and git: installs the build
# packages (helpers/install-deps.sh --build, through sudo), builds the Debian package
# (helpers/build-deb.sh: Release, stripped), installs it with apt (so its Depends come along),
# makes a `busybox` image from Debian's busybox-static with `sandbox import` (no network) and
# runs `sandbox run --rm busybox echo hello`. Run it as yourself; it asks sudo for the two
# installs. tests/package/check.sh runs it in a minimal Debian root on every CI run.
#   SBX_DEB_DIR   where the package is built (default: build/deb)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEB_DIR=${SBX_DEB_DIR:-$REPO/build/deb}
cd "$REPO"
say() { printf '==> %s (%ss)\n' "$*" "$SECONDS"; }

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "quickstart: install sudo, or run as root" >&2; exit 1; }
  SUDO=(sudo)
elif [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
  # The build and the image belong to you, not root: run as yourself.
  echo "quickstart: run it as $SUDO_USER without sudo (it calls sudo itself)" >&2
  exit 1
fi

say "installing the build packages (helpers/install-deps.sh --build)"
bash helpers/install-deps.sh --build

say "building the Debian package in $DEB_DIR (a few minutes)"
deb=$(bash helpers/build-deb.sh "$DEB_DIR" | tail -n 1)

say "installing $(basename "$deb") with apt"
# apt reads the file as the _apt user when it can; a copy in /tmp spares it a private home.
tmp_deb=$(mktemp -d /tmp/sandbox-deb-XXXXXX)
trap 'rm -rf "$tmp_deb"' EXIT
cp "$deb" "$tmp_deb/"
chmod 0755 "$tmp_deb"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall \
  "$tmp_deb/$(basename "$deb")"
if ! command -v sandbox >/dev/null; then
  echo "quickstart: sandbox is not on PATH after apt" >&2
  exit 1
fi

user=$(id -un)
if ! grep -q "^$user:" /etc/subuid 2>/dev/null || ! grep -q "^$user:" /etc/subgid 2>/dev/null; then
  echo "quickstart: $user has no subordinate ids in /etc/subuid and /etc/subgid;" \
    "\`sandbox system check\` prints the lines to add (a range no other user has):" >&2
  sandbox system check | grep -A1 -E '^(warn|FAIL) +sub[ug]id' >&2 || true
  exit 1
fi

say "making the busybox image from /bin/busybox (busybox-static)"
rootfs=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-busybox-XXXXXX")
trap 'rm -rf "$tmp_deb" "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp,proc,sys,dev,run,home}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list-full); do
  [[ -e $rootfs/$applet ]] || ln -s /bin/busybox "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
  >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 0700 "$rootfs/root"
sandbox import "$rootfs" busybox

say "sandbox run --rm busybox echo hello"
sandbox run --rm busybox echo hello
say "done: $(command -v sandbox) ($(sandbox --version | head -n 1)); try: man sandbox"
