#!/bin/bash
# The README's set-up on a fresh machine, and the Debian package, proven in minimal Debian 12
# roots (tests/package/lib.sh; run as root by helpers/test-all.sh, or by hand):
#  build:   a minbase root with sudo and git plus what `install-deps.sh --build` installs
#           (cached); an unprivileged user with sudo runs `bash helpers/quickstart.sh` in a
#           fresh copy of this checkout: it builds the .deb there (Release, nothing cached),
#           installs it with apt and must print `hello` from `sandbox run`; then lintian on
#           the package it built: no errors, no warnings;
#  install: a plain minbase root gets that .deb through apt without Recommends, and
#           tests/package/check-installed.sh checks it there (libraries, files, pull from the
#           rig's registry and run as a user, a user without subordinate ids, completions).
#   check.sh [build|install|all] [OUT_DIR]   the .deb files and logs go to OUT_DIR
#                                            (default build/package); default: all
# The install step needs the test rig (tests/rig/start.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/package/lib.sh
source "$HERE/lib.sh"
PHASE=${1:-all}
OUT=$(realpath -m "${2:-$REPO/build/package}")
if [[ ! $PHASE =~ ^(build|install|all)$ ]]; then
  echo "usage: check.sh [build|install|all] [OUT_DIR]" >&2
  exit 2
fi
((EUID == 0)) || { echo "package-check: run as root (mmdebstrap, unshare)" >&2; exit 1; }

step() { printf '\n==> package-check: %s (%ss)\n' "$*" "$SECONDS"; }
WORK=$(mktemp -d /var/tmp/sbx-package-XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

build_phase() {
  step "base root"
  local base clone deb
  base=$(base_root build)

  step "quickstart.sh as a user with sudo in a fresh root (builds the .deb)"
  clone=$WORK/quickstart/home/alice/sandbox
  bash "$REPO/helpers/copy-source.sh" "$clone"
  # shellcheck disable=SC2016  # expanded inside the root
  in_root "$base" "$WORK/quickstart" bash -euo pipefail -c '
    useradd --no-create-home --home-dir /home/alice --shell /bin/bash alice
    chown -R alice: /home/alice
    echo "alice ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/alice
    touch /etc/subuid /etc/subgid
    sed -i "/^alice:/d" /etc/subuid /etc/subgid
    usermod --add-subuids "$1" --add-subgids "$1" alice
    runuser -u alice -- env HOME=/home/alice USER=alice PATH=/usr/bin:/bin \
      bash -c "cd ~/sandbox && bash helpers/quickstart.sh"' _ "$(free_subid_range)" \
    2>&1 | tee "$OUT/quickstart.log"
  if ! grep -qx "hello" "$OUT/quickstart.log"; then
    echo "package-check: quickstart.sh did not print hello (log: $OUT/quickstart.log)" >&2
    return 1
  fi
  if find "$clone" ! -user "$(stat -c %u "$clone")" -print -quit | grep -q .; then
    echo "package-check: quickstart.sh left files in the clone that its user does not own" >&2
    return 1
  fi
  cp "$clone"/build/deb/*.deb "$clone"/build/deb/*.changes "$clone"/build/deb/*.buildinfo "$OUT/"
  deb=$(ls "$OUT"/sandbox_*.deb)
  echo "package-check: $(basename "$deb") $(du -k "$deb" | cut -f1) KiB," \
    "installed $(dpkg-deb -f "$deb" Installed-Size) KiB;" \
    "dbgsym $(du -k "$OUT"/sandbox-dbgsym_*.deb | cut -f1) KiB"

  step "lintian"
  lintian --fail-on error,warning "$OUT"/*.changes | tee "$OUT/lintian.log"
}

install_phase() {
  local base deb
  # shellcheck disable=SC1091  # written by tests/rig/start.sh
  source /var/tmp/sandbox-rig/rig.env || { echo "package-check: no test rig" >&2; return 1; }
  if ! deb=$(ls "$OUT"/sandbox_*.deb 2>/dev/null); then
    echo "package-check: no .deb in $OUT (run the build step first)" >&2
    return 1
  fi
  base=$(base_root plain)

  step "the package in a fresh minimal root, with apt and without Recommends"
  mkdir -p "$WORK/install/upper/check"
  cp "$deb" "$HERE/check-installed.sh" "$REPO/tests/system/completion.sh" \
    "$WORK/install/upper/check/"
  in_root "$base" "$WORK/install" bash /check/check-installed.sh "/check/$(basename "$deb")" \
    "$REGISTRY/test/busybox:latest" "$(free_subid_range)" 2>&1 | tee "$OUT/installed.log"
}

if [[ $PHASE != install ]]; then
  rm -rf "$OUT"
  mkdir -p "$OUT"
  build_phase
fi
if [[ $PHASE != build ]]; then
  install_phase
fi
step "passed ($PHASE)"
