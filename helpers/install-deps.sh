#!/bin/bash
# Installs the Debian 12 packages sandbox needs (root, or through sudo). Idempotent and fast:
# apt runs only when a package is missing.
#   install-deps.sh            everything: build, package, run, and the tests (CI, test-all.sh)
#   install-deps.sh --build    what quickstart.sh needs to build, package, install and run
#                              sandbox (no test rig, no QEMU, no podman)
#   install-deps.sh --list [--build]   print the package names and exit
# tests/package/ builds in a minimal Debian root that has only what --build installs, so a
# package missing here fails CI.
set -euo pipefail

BUILD_PACKAGES=(
  # compile: dpkg-checkbuilddeps wants build-essential itself, not just g++ and make
  build-essential cmake pkgconf
  libcurl4-openssl-dev nlohmann-json3-dev libarchive-dev libseccomp-dev libsystemd-dev
  libsubid-dev nettle-dev libcli11-dev zlib1g-dev libzstd-dev
  libtoml11-dev  # registries.conf (header-only)
  musl-tools  # the init and the monitor: ~40 KiB static programs instead of ~800 KiB with glibc
  libisal-dev  # ISA-L inflate for gzip layers (optional at run time: zlib otherwise)
  scdoc        # the man pages
  # the Debian package (helpers/build-deb.sh)
  debhelper dpkg-dev
  # run: id mapping, overlay, network
  uidmap fuse-overlayfs slirp4netns
  # user-defined networks (sandbox network create): bridges, names, NAT in the user's namespace
  netavark aardvark-dns iptables
  # the quickstart's busybox image
  busybox-static
)
TEST_PACKAGES=(
  clang-format libgtest-dev libgmock-dev iproute2
  # the test images
  umoci skopeo zstd
  # the test rig (tests/rig/)
  docker-registry python3 python3-jwt python3-cryptography apache2-utils openssl curl
  # the QEMU VM the cgroup tests run in (tests/vm/), and the minimal roots of tests/package/
  mmdebstrap qemu-system-x86
  # the package checks and the completion tests (tests/package/, tests/system/completion.sh)
  lintian bash-completion zsh fish
  # the sanitizer and fuzz build (tests/fuzz/run.sh)
  clang-19 libclang-rt-19-dev libfuzzer-19-dev
  # side-by-side comparisons in tests and benchmarks (buildah: tests/bench/build_bench.sh)
  bubblewrap podman runc buildah
  # pasta's port forwarding as a comparison line in tests/bench/net_bench.sh
  passt
  # the OCI runtime conformance suites and podman scenarios (tests/oci/): runc's bats files want
  # bats, jq and gawk; runtime-tools builds with Go; xz for the archives
  golang-go bats jq gawk make xz-utils
  # sandbox-runtime under other engines (tests/oci/containerd.sh, tests/oci/slurm.sh); the
  # scripts start private daemons, and Debian's invoke-rc.d does not start these without systemd
  containerd rootlesskit slurm-wlm slurm-wlm-doc munge
)

build_only=0
list_only=0
for arg in "$@"; do
  case $arg in
    --build) build_only=1 ;;
    --list) list_only=1 ;;
    *) echo "install-deps: unknown argument $arg (use --build and/or --list)" >&2; exit 2 ;;
  esac
done
PACKAGES=("${BUILD_PACKAGES[@]}")
((build_only)) || PACKAGES+=("${TEST_PACKAGES[@]}")
if ((list_only)); then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

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
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}"
# Debian's docker-registry package starts a system registry on :5000 (the rig's port); the rig
# runs its own, so keep the packaged one stopped.
if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null &&
  [[ -d /run/systemd/system ]]; then
  "${SUDO[@]}" systemctl disable --now docker-registry.service 2>/dev/null || true
fi
