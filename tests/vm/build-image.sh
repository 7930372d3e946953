#!/bin/bash
# Builds the Debian 12 VM the cgroup tests run in (tests/vm/README.md): a root
# filesystem from the Debian mirror (mmdebstrap), systemd as PID 1, a lingering
# user `tester` (uid 1000) with subordinate ids, the 9p test share in fstab and
# a unit that runs the share's entry script once and powers off. Output in
# OUT_DIR (default /var/tmp/sandbox-vm): rootfs.img (ext4), vmlinuz, initrd.img.
# Root only (mmdebstrap in root mode, mkfs.ext4 -d). Idempotent: rebuilds only
# when this script changed since the last build (a stamp holds its hash).
set -euo pipefail

OUT_DIR=${OUT_DIR:-/var/tmp/sandbox-vm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
HERE=$(cd "$(dirname "$0")" && pwd)
STAMP="$OUT_DIR/stamp"
HASH=$(sha256sum "$HERE/build-image.sh" | cut -c1-16)

if [[ -f $STAMP && $(cat "$STAMP") == "$HASH" && -f $OUT_DIR/rootfs.img ]]; then
  echo "build-image: cached image in $OUT_DIR"
  exit 0
fi
((EUID == 0)) || { echo "build-image: run as root" >&2; exit 1; }
for tool in mmdebstrap mkfs.ext4; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool missing (helpers/install-deps.sh)" >&2; exit 1; }
done

# systemd and the user session; what sandbox needs at run time; the kernel.
PACKAGES=(
  systemd systemd-sysv dbus dbus-user-session libpam-systemd udev kmod
  uidmap slirp4netns fuse-overlayfs procps
  libcurl4 libarchive13 libseccomp2 libsubid4 libssl3 libstdc++6 libsystemd0
  linux-image-amd64 initramfs-tools
)

mkdir -p "$OUT_DIR"
WORK=$(mktemp -d "$OUT_DIR/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"

# The VM's own setup, run in the chroot after the packages are in.
cat >"$WORK/setup.sh" <<'SETUP_EOF'
set -e
echo sandbox-vm >/etc/hostname
echo 'root:x' | chpasswd -e
useradd -m -u 1000 -s /bin/bash tester
echo 'tester:100000:65536' >/etc/subuid
echo 'tester:100000:65536' >/etc/subgid
mkdir -p /var/lib/systemd/linger && touch /var/lib/systemd/linger/tester
mkdir -p /mnt/sbx
echo 'sbx /mnt/sbx 9p trans=virtio,version=9p2000.L,msize=262144,nofail 0 0' >>/etc/fstab
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >>/etc/fstab
cat >/etc/systemd/system/sbx-vmtest.service <<'UNIT'
[Unit]
Description=sandbox VM tests from the 9p share
After=multi-user.target user@1000.service mnt-sbx.mount
Wants=user@1000.service
[Service]
Type=oneshot
StandardOutput=journal+console
StandardError=journal+console
ExecStart=/bin/sh -c 'if [ -x /mnt/sbx/vm-entry.sh ]; then /mnt/sbx/vm-entry.sh; else echo "no /mnt/sbx/vm-entry.sh"; fi'
ExecStopPost=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable sbx-vmtest.service
# Quicker boots: nothing waits for a network or a getty.
systemctl mask systemd-networkd-wait-online.service getty@tty1.service serial-getty@ttyS0.service \
  apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer 2>/dev/null || true
SETUP_EOF

echo "build-image: mmdebstrap $SUITE (${#PACKAGES[@]} packages)"
mmdebstrap --variant=minbase --mode=root --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  --customize-hook="copy-in $WORK/setup.sh /tmp" \
  --customize-hook='chroot "$1" /bin/sh /tmp/setup.sh' \
  "$SUITE" "$ROOT" "$MIRROR"

cp "$ROOT"/boot/vmlinuz-* "$WORK/vmlinuz"
cp "$ROOT"/boot/initrd.img-* "$WORK/initrd.img"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
mkfs.ext4 -q -F -L sbxroot -d "$ROOT" "$WORK/rootfs.img" 2G
mv "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/rootfs.img" "$OUT_DIR/"
echo "$HASH" >"$STAMP"
echo "build-image: $OUT_DIR/rootfs.img ready"
