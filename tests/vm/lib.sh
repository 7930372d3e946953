# Shared by the in-VM scripts (sourced, POSIX sh): the user, the binary, and
# TAP-style results.
SBX_USER=tester
SBX_UID=1000
SBX_BIN=/mnt/sbx/sandbox
FAILED=0
N=0

# Runs a command as the lingering user, as a login session would.
as_user() {
  runuser -u "$SBX_USER" -- env HOME=/home/$SBX_USER XDG_RUNTIME_DIR=/run/user/$SBX_UID \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$SBX_UID/bus PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
sbx() { as_user "$SBX_BIN" "$@"; }

ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
check() {  # check "name" CONDITION...
  name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# A busybox image `bb` in the user's store (no registry in the VM).
make_busybox_image() {
  d=/home/$SBX_USER/bbroot
  as_user sh -c "mkdir -p $d/bin $d/tmp $d/etc && cp /mnt/sbx/busybox $d/bin/busybox &&
    for a in \$(/mnt/sbx/busybox --list); do [ -e $d/bin/\$a ] || ln -s busybox $d/bin/\$a; done &&
    echo 'root:x:0:0:root:/root:/bin/sh' >$d/etc/passwd && echo 'root:x:0:' >$d/etc/group"
  sbx import $d bb:latest >/dev/null
}

# The container cgroup of the only running sandbox scope.
scope_cgroup() {
  ls -d /sys/fs/cgroup/user.slice/user-$SBX_UID.slice/user@$SBX_UID.service/app.slice/sandbox-*.scope/container 2>/dev/null | head -1
}
# Scopes of finished containers linger a moment; tests that look for "the"
# scope start when none is left.
wait_no_scope() {
  i=0
  while [ -n "$(scope_cgroup)" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}
wait_for_scope() {
  i=0
  while [ -z "$(scope_cgroup)" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  scope_cgroup
}
cpu_usage() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }
