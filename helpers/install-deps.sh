#!/bin/bash
# Installs the Debian 12 packages needed to build sandbox and run its tests (root, or via sudo).
# Idempotent and fast: apt is called only when a package is missing.
set -euo pipefail

PACKAGES=(
  # build
  cmake g++ make pkg-config clang-format
  libcurl4-openssl-dev nlohmann-json3-dev libarchive-dev libseccomp-dev libsystemd-dev
  libsubid-dev libssl-dev nettle-dev libcli11-dev libgtest-dev libgmock-dev
  musl-tools  # the init and the monitor: ~40 KiB static programs instead of ~800 KiB with glibc
  libisal-dev  # ISA-L inflate for gzip layers (optional at run time: zlib otherwise)
  # the sanitizer and fuzz build (tests/fuzz/run.sh)
  clang-19 libclang-rt-19-dev libfuzzer-19-dev
  # run: id mapping, overlay, network
  uidmap fuse-overlayfs slirp4netns iproute2
  # the embedded busybox image and the test images
  busybox-static umoci skopeo zstd
  # the test rig (tests/rig/)
  docker-registry python3 python3-jwt python3-cryptography apache2-utils openssl curl
  # the QEMU VM the cgroup tests run in (tests/vm/)
  mmdebstrap qemu-system-x86
  # side-by-side comparisons in tests and benchmarks
  bubblewrap podman runc
)

installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null |
  awk '$2 == "installed" { print $1 }' || true)
missing=()
for pkg in "${PACKAGES[@]}"; do
  grep -qx "$pkg" <<<"$installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages installed"
  exit 0
fi

SUDO=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}"
# Debian's docker-registry package starts a system registry on :5000 (the rig's port); the rig
# runs its own, so keep the packaged one stopped.
if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null &&
  [[ -d /run/systemd/system ]]; then
  "${SUDO[@]}" systemctl disable --now docker-registry.service 2>/dev/null || true
fi
