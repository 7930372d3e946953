#!/bin/sh
# Runs in the VM as root (sbx-vmtest.service, tests/vm/build-image.sh): waits
# for the lingering user's systemd manager, runs the test script named in
# /mnt/sbx/script, leaves its output and exit code in /mnt/sbx/out.
cd /mnt/sbx
i=0
until [ -S /run/user/1000/systemd/private ] || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
script=$(cat /mnt/sbx/script)
{
  echo "# booted in $(cut -d" " -f1 /proc/uptime) s"
  timeout -s KILL "${VM_TEST_TIMEOUT:-1500}" sh "/mnt/sbx/$script"
} >/mnt/sbx/out/log 2>&1
echo $? >/mnt/sbx/out/rc
sync
