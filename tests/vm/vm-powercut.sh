#!/bin/sh
# The power cut, seen from inside the VM (tests/vm/power-cut.sh), as root; every sandbox
# command runs as the lingering user `tester`, pulling from the rig's registry on the host
# (10.0.2.2 is the host's loopback under QEMU's user networking).
#   phase 1: pull test/bulk (then mark it), then pull test/layered until the host pulls the
#            plug, a moment after the mark: test/bulk's layers were recorded seconds before,
#            well within the kernel's write-back delay.
#   phase 2 (after a fresh boot): the store must be sound, test/bulk must show the files it
#            was pulled with, and the cut pull must complete when repeated. TAP-style output.
. /mnt/sbx/lib.sh
set -u
REG=10.0.2.2:5000
PULL="pull -q --tls-verify=false"
BULK_DIGEST="find . -type f | sort | xargs sha256sum | sha256sum"

# QEMU's user network: its DHCP needs a client the minimal image lacks; the address is fixed.
dev=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
/mnt/sbx/busybox ip link set "$dev" up
/mnt/sbx/busybox ip addr add 10.0.2.15/24 dev "$dev"
/mnt/sbx/busybox ip route add default via 10.0.2.2

if [ "$(cat /mnt/sbx/phase)" = 1 ]; then
  sbx $PULL $REG/test/bulk:latest && touch /mnt/sbx/out/pulled
  echo "# pulled test/bulk at $(cut -d" " -f1 /proc/uptime) s"
  while :; do
    sbx $PULL $REG/test/layered:latest >/dev/null
    sbx rmi $REG/test/layered:latest >/dev/null
  done
fi

echo "# booted again after the cut"
sbx system check >/tmp/check.out 2>&1; rc=$?
sed 's/^/# /' /tmp/check.out
check "system check finds the store sound after the cut (rc $rc)" [ "$rc" = 0 ]
sbx image inspect $REG/test/bulk:latest >/dev/null 2>&1; rc=$?
check "test/bulk is still listed by its name (rc $rc)" [ "$rc" = 0 ]
seen=$(sbx run --rm --network none $REG/test/bulk:latest sh -c "cd /bulk && $BULK_DIGEST")
check "test/bulk shows the files it was pulled with" [ "$seen" = "$(cat /mnt/sbx/bulk-digest)" ]
check "the cut pull completes when repeated" sbx $PULL $REG/test/layered:latest
out=$(sbx run --rm --network none $REG/test/layered:latest echo layered 2>&1)
check "test/layered runs ($out)" [ "$out" = layered ]
sbx system check --full >/tmp/full.out 2>&1; rc=$?
sed 's/^/# /' /tmp/full.out | grep -v verifying
check "system check --full finds the store sound (rc $rc)" [ "$rc" = 0 ]
echo "1..$N"
[ "$FAILED" = 0 ]
