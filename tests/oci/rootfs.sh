# shellcheck shell=bash
# The root filesystems the conformance suites run containers from, built from Debian's
# busybox-static (/bin/busybox); sourced by conformance.sh, which runs this as root so that
# owners land in the tarballs as written. Nothing is downloaded: runc's tests would fetch
# docker-library's busybox from GitHub and runtime-tools ships a Gentoo-based tarball; these
# stand in for both, with the layout the tests expect of them (below).

OCI_ROOTFS_DATE=2024-01-01T00:00:00Z

# busybox_applets ROOT: /bin/busybox and one symlink per applet, all in /bin.
busybox_applets() {
  local root=$1 applet
  install -d -m 0755 "$root"/bin
  install -m 0755 /bin/busybox "$root"/bin/busybox
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox || -e $root/bin/$applet ]] && continue
    ln -s busybox "$root/bin/$applet"
  done
}

# make_runc_bats_rootfs ROOT: shaped like docker-library's busybox image that runc's tests
# download (tests/integration/get-images.sh): everything in /bin; no /proc, /sys or /run (the
# mask tests replace /proc with a symlink and expect runc to refuse it); no user 1000 (exec.bats
# expects `id` to print "uid=1000 gid=1000" without names); the group `users` (100).
make_runc_bats_rootfs() {
  local root=$1
  busybox_applets "$root"
  install -d -m 0755 "$root"/{dev,etc,home,usr/sbin,var/spool/mail,var/www}
  install -d -m 0700 "$root"/root
  install -d -m 1777 "$root"/tmp
  cat >"$root"/etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
  cat >"$root"/etc/group <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
GROUP
  chmod 0644 "$root"/etc/passwd "$root"/etc/group
  find "$root" -exec touch -h -d "$OCI_ROOTFS_DATE" {} +
}

# make_runtime_tools_rootfs ROOT: what runtime-tools' rootfs-<arch>.tar.gz holds: busybox in
# /bin, empty /dev, /proc and /sys, and /etc/passwd and /etc/group. The tests copy their static
# `runtimetest` into the bundle and run it as the container's process.
make_runtime_tools_rootfs() {
  local root=$1
  busybox_applets "$root"
  install -d -m 0755 "$root"/{dev,proc,sys,etc}
  cat >"$root"/etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/bin/false
daemon:x:2:2:daemon:/sbin:/bin/false
nobody:x:65534:65534:nobody:/var/empty:/bin/false
PASSWD
  cat >"$root"/etc/group <<'GROUP'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
tty:x:5:
wheel:x:10:root
users:x:100:
nobody:x:65534:
GROUP
  chmod 0644 "$root"/etc/passwd "$root"/etc/group
  find "$root" -exec touch -h -d "$OCI_ROOTFS_DATE" {} +
}

# pack_rootfs DIR TARBALL: a reproducible tarball (xz or gzip by TARBALL's name), owners numeric.
pack_rootfs() {
  local dir=$1 out=$2 compress
  case $out in
    *.tar.xz) compress=(xz -T1 -6) ;;
    *.tar.gz) compress=(gzip -n -6) ;;
    *) echo "pack_rootfs: $out: want .tar.xz or .tar.gz" >&2; return 1 ;;
  esac
  tar --sort=name --numeric-owner --owner=0 --group=0 --mtime="$OCI_ROOTFS_DATE" \
    -C "$dir" -cf - . | "${compress[@]}" >"$out.tmp"
  mv "$out.tmp" "$out"
}
