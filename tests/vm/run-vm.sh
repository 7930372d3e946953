#!/bin/bash
# Boots the cached VM (tests/vm/build-image.sh) once and runs an in-VM test
# script as root there, with the given sandbox binary: the binary, busybox and
# the scripts go in through a 9p share, the log and exit code come back the
# same way, then the VM powers off. The disk is opened with snapshot=on, so the
# image stays clean. Exit status: the test script's (125 if the VM never
# reported one).
#   [VM_BENCH=1] run-vm.sh [-s SCRIPT] SANDBOX_BINARY   (VM_BENCH=1: also the scope bench)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT_DIR=${OUT_DIR:-/var/tmp/sandbox-vm}
SCRIPT=$HERE/vm-tests.sh
TIMEOUT=${VM_TIMEOUT:-900}
if [[ ${1:-} == -s ]]; then SCRIPT=$2; shift 2; fi
BINARY=${1:?usage: run-vm.sh [-s SCRIPT] SANDBOX_BINARY}
[[ -f $OUT_DIR/rootfs.img ]] || { echo "run-vm: no image; run tests/vm/build-image.sh" >&2; exit 125; }

SHARE=$(mktemp -d /var/tmp/sandbox-vm-share.XXXXXX)
trap 'rm -rf "$SHARE"' EXIT
chmod 755 "$SHARE"
install -m 755 "$BINARY" "$SHARE/sandbox"
install -m 755 "$(command -v busybox)" "$SHARE/busybox"
install -m 755 "$HERE/vm-entry.sh" "$SCRIPT" "$SHARE/"
cp "$HERE/lib.sh" "$HERE/../../packaging/systemd/delegate.conf" "$SHARE/"
# The scope bench (tests/bench/cgroup_bench.sh) only with VM_BENCH=1: CI runs the tests alone.
if [[ ${VM_BENCH:-0} == 1 ]]; then install -m 755 "$HERE/../bench/cgroup_bench.sh" "$SHARE/"; fi
echo "$(basename "$SCRIPT")" >"$SHARE/script"
mkdir -m 777 "$SHARE/out"

ACCEL=(-accel tcg,thread=multi)
# KVM only when it really boots a stock kernel (a PVM /dev/kvm does not).
if [[ ${VM_KVM:-0} == 1 && -w /dev/kvm ]]; then ACCEL=(-accel kvm -cpu host); fi
start=$(date +%s)
timeout "$TIMEOUT" qemu-system-x86_64 "${ACCEL[@]}" -m 1536 -smp 2 -nographic -no-reboot \
  -kernel "$OUT_DIR/vmlinuz" -initrd "$OUT_DIR/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 quiet loglevel=3 systemd.show_status=0 mitigations=off" \
  -drive "file=$OUT_DIR/rootfs.img,format=raw,if=virtio,snapshot=on" \
  -virtfs "local,path=$SHARE,mount_tag=sbx,security_model=none,id=sbx" \
  -nic none \
  >"$SHARE/console.log" 2>&1 || echo "run-vm: qemu ended with status $?" >&2
echo "run-vm: VM round trip $(($(date +%s) - start)) s"
cat "$SHARE/out/log" 2>/dev/null || { echo "run-vm: no log; console:" >&2; tail -50 "$SHARE/console.log" >&2; }
[[ -n ${VM_CONSOLE:-} ]] && cp "$SHARE/console.log" "$VM_CONSOLE"
rc=$(cat "$SHARE/out/rc" 2>/dev/null || echo 125)
exit "$rc"
