#!/bin/bash
# A power cut in the middle of a pull (tests/vm/README.md): boots the VM on a disk of its own
# (a sparse copy of the cached image, so what the guest wrote survives its end), lets it pull
# from the rig's registry on the host, kills QEMU with SIGKILL (the guest's page cache is lost,
# what reached the virtual disk is kept) a moment after a pull was recorded and while the next
# pull runs, boots the same disk again and runs the checks of vm-powercut.sh there. Exit status:
# that script's (125 if it never reported one).
#   power-cut.sh SANDBOX_BINARY        (as root; needs the rig: tests/rig/start.sh)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT_DIR=${OUT_DIR:-/var/tmp/sandbox-vm}
TIMEOUT=${VM_TIMEOUT:-900}
BINARY=${1:?usage: power-cut.sh SANDBOX_BINARY}
[[ -f $OUT_DIR/rootfs.img ]] || { echo "power-cut: no image; run tests/vm/build-image.sh" >&2; exit 125; }
# shellcheck disable=SC1091  # written by tests/rig/start.sh
source /var/tmp/sandbox-rig/rig.env

WORK=$(mktemp -d /var/tmp/sandbox-vm-powercut.XXXXXX)
QEMU_PID=
cleanup() {
  [[ -n $QEMU_PID ]] && kill -9 "$QEMU_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
SHARE=$WORK/share
mkdir -m 755 "$SHARE"
install -m 755 "$BINARY" "$SHARE/sandbox"
install -m 755 "$(command -v busybox)" "$SHARE/busybox"
install -m 755 "$HERE/vm-entry.sh" "$HERE/vm-powercut.sh" "$SHARE/"
cp "$HERE/lib.sh" "$SHARE/"
echo vm-powercut.sh >"$SHARE/script"
mkdir -m 777 "$SHARE/out"
cp --sparse=always "$OUT_DIR/rootfs.img" "$WORK/disk.img"

# What a container of test/bulk must show: the files the rig generated (same seeds).
"${PYTHON:-python3}" "$HERE/../rig/images/images.py" bulk-files "$WORK/gen" 1 400 8192
"${PYTHON:-python3}" "$HERE/../rig/images/images.py" bulk-files "$WORK/gen" 2 400 8192
"${PYTHON:-python3}" "$HERE/../rig/images/images.py" bulk-files "$WORK/gen" 3 400 8192
(cd "$WORK/gen/bulk" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum) \
  >"$SHARE/bulk-digest"
rm -rf "$WORK/gen"

ACCEL=(-accel tcg,thread=multi)
if [[ ${VM_KVM:-0} == 1 && -w /dev/kvm ]]; then ACCEL=(-accel kvm -cpu host); fi
boot() {
  qemu-system-x86_64 "${ACCEL[@]}" -m 1536 -smp 2 -nographic -no-reboot \
    -kernel "$OUT_DIR/vmlinuz" -initrd "$OUT_DIR/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 quiet loglevel=3 systemd.show_status=0 mitigations=off" \
    -drive "file=$WORK/disk.img,format=raw,if=virtio" \
    -virtfs "local,path=$SHARE,mount_tag=sbx,security_model=none,id=sbx" \
    -nic user,model=virtio-net-pci \
    >>"$WORK/console.log" 2>&1 &
  QEMU_PID=$!
}

start=$(date +%s)
echo 1 >"$SHARE/phase"
boot
for ((i = 0; i < TIMEOUT * 10; i++)); do
  [[ -f $SHARE/out/pulled ]] && break
  kill -0 "$QEMU_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -f $SHARE/out/pulled ]]; then
  echo "power-cut: the first pull never finished; console:" >&2
  tail -30 "$WORK/console.log" >&2
  cat "$SHARE/out/log" 2>/dev/null >&2
  exit 125
fi
# Somewhere in the next pull: a different moment each run.
cut_after=$((500 + RANDOM % 2500))
sleep "$(printf '%d.%03d' $((cut_after / 1000)) $((cut_after % 1000)))"
kill -9 "$QEMU_PID"
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=
echo "power-cut: pulled the plug ${cut_after} ms after test/bulk was recorded ($(($(date +%s) - start)) s in)"
sed 's/^/  phase 1: /' "$SHARE/out/log" 2>/dev/null || true

echo 2 >"$SHARE/phase"
rm -f "$SHARE/out/log" "$SHARE/out/rc"
boot
timeout "$TIMEOUT" tail --pid="$QEMU_PID" -f /dev/null || kill -9 "$QEMU_PID" 2>/dev/null
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=
echo "power-cut: both boots took $(($(date +%s) - start)) s"
cat "$SHARE/out/log" 2>/dev/null || { echo "power-cut: no log; console:" >&2; tail -50 "$WORK/console.log" >&2; }
exit "$(cat "$SHARE/out/rc" 2>/dev/null || echo 125)"
