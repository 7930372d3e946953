#!/bin/bash
# The README's first command, on a fresh Debian 12 machine: installs the packages (with sudo
# when not root), builds sandbox, makes a `busybox` image from Debian's busybox-static inside the
# store (no network), lists it and, once `run` exists, runs `echo hello` in it.
# The image belongs to the invoking user ($SUDO_USER when run through sudo).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${SBX_BUILD_DIR:-$REPO/build}
cd "$REPO"
say() { printf '==> %s\n' "$*"; }

say "installing packages"
bash helpers/install-deps.sh

say "building in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target sandbox
SANDBOX=$BUILD_DIR/src/cli/sandbox

# Run the rest as the user who asked (not root when called through sudo).
RUN_AS=()
TARGET_USER=$(id -un)
if ((EUID == 0)) && [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
  TARGET_USER=$SUDO_USER
  RUN_AS=(runuser -u "$SUDO_USER" --)
fi
as_user() { "${RUN_AS[@]}" "$@"; }
if ! as_user test -x "$SANDBOX"; then
  echo "quickstart: $TARGET_USER cannot reach $SANDBOX; clone the repository where that user" \
    "can read it" >&2
  exit 1
fi
if ! grep -q "^$TARGET_USER:" /etc/subuid 2>/dev/null || ! grep -q "^$TARGET_USER:" /etc/subgid; then
  echo "quickstart: $TARGET_USER has no subordinate ids; add them, e.g.:" >&2
  echo "  sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $TARGET_USER" >&2
  exit 1
fi

if ! as_user "$SANDBOX" import --help >/dev/null 2>&1; then
  say "built; \`sandbox import\` is not there yet, so no busybox image"
  exit 0
fi

say "making the busybox image from /bin/busybox (busybox-static)"
ROOTFS=$(as_user mktemp -d "${TMPDIR:-/tmp}/sandbox-busybox-XXXXXX")
trap 'rm -rf "$ROOTFS"' EXIT
as_user bash -eu -c '
  root=$1
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp,proc,sys,dev,run,home}
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list-full); do
    [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
  done
  printf "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" \
    >"$root/etc/passwd"
  printf "root:x:0:\nnogroup:x:65534:\n" >"$root/etc/group"
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 0700 "$root/root"
' quickstart "$ROOTFS"
as_user "$SANDBOX" import "$ROOTFS" busybox

say "sandbox images"
as_user "$SANDBOX" images

if as_user "$SANDBOX" run --help >/dev/null 2>&1; then
  say "sandbox run --rm busybox echo hello"
  as_user "$SANDBOX" run --rm busybox echo hello
fi
say "done: $SANDBOX (try: $SANDBOX --help)"
