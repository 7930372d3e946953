# shellcheck shell=bash
# Root filesystem contents for the umoci-built images; sourced by build.sh (runs as root, so
# owners and modes land on disk as written and umoci records them in the layers).
# Everything gets one fixed mtime so that rebuilding gives the same layer digests.

FIXED_DATE=2024-01-01T00:00:00Z

fix_times() { find "$1" -exec touch -h -d "$FIXED_DATE" {} +; }

# make_busybox_rootfs DIR: Debian's busybox-static with a symlink per applet, the usual top-level
# dirs, and users root (0), tester (1000, also in wheel and audio) and nobody (65534).
make_busybox_rootfs() {
  local root=$1 applet
  install -d -m 0755 "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,dev,proc,sys,var,run}
  install -d -m 0755 "$root"/home
  install -d -m 1777 "$root"/tmp "$root"/var/tmp
  install -d -m 0700 "$root"/root
  install -d -m 0755 -o 1000 -g 1000 "$root"/home/tester
  install -m 0755 /bin/busybox "$root"/bin/busybox
  for applet in $(/bin/busybox --list-full); do
    [[ $applet == bin/busybox ]] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sfn /bin/busybox "$root/$applet"
  done
  cat >"$root"/etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
tester:x:1000:1000:tester:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
  cat >"$root"/etc/group <<'GROUP'
root:x:0:
daemon:x:1:
wheel:x:10:tester
audio:x:29:tester
tester:x:1000:
nogroup:x:65534:
GROUP
  chmod 0644 "$root"/etc/passwd "$root"/etc/group
  fix_times "$root"
}

# layered_layer2 ROOT: everything the later layers delete, replace or keep (EXPECTATIONS.md).
layered_layer2() {
  local d=$1/data
  install -d -m 0755 "$d" "$d"/deleted-dir/sub "$d"/replaced/old-sub "$d"/dir-to-file
  printf 'keep\n' >"$d"/keep.txt
  printf 'deleted\n' >"$d"/deleted.txt
  printf 'whiteout in layer 4\n' >"$d"/whiteout-in-4.txt
  printf 'a\n' >"$d"/deleted-dir/a.txt
  printf 'b\n' >"$d"/deleted-dir/sub/b.txt
  printf 'old 1\n' >"$d"/replaced/old-1.txt
  printf 'old 2\n' >"$d"/replaced/old-sub/old-2.txt
  printf 'v1\n' >"$d"/modified.txt
  printf 'file\n' >"$d"/file-to-dir
  printf 'x\n' >"$d"/dir-to-file/x.txt
  printf 'hardlinked\n' >"$d"/hardlink-a
  ln "$d"/hardlink-a "$d"/hardlink-b
  ln -s keep.txt "$d"/symlink-rel
  ln -s /data/keep.txt "$d"/symlink-abs
  ln -s replaced "$d"/symlink-dir
  ln -s /nonexistent/target "$d"/symlink-dangling
  printf '#!/bin/sh\necho setuid\n' >"$d"/setuid && chmod 4755 "$d"/setuid
  printf '#!/bin/sh\necho setgid\n' >"$d"/setgid && chmod 2755 "$d"/setgid
  install -d -m 1777 "$d"/sticky
  mkfifo -m 0644 "$d"/fifo
  printf 'owner 0\n' >"$d"/owner-0
  printf 'owner 1000\n' >"$d"/owner-1000 && chown 1000:1000 "$d"/owner-1000 && chmod 0640 "$d"/owner-1000
  printf 'owner 65534\n' >"$d"/owner-65534 && chown 65534:65534 "$d"/owner-65534 && chmod 0600 "$d"/owner-65534
  printf 'owner mixed\n' >"$d"/owner-mixed && chown 1000:65534 "$d"/owner-mixed
  install -d -m 0750 -o 1000 -g 1000 "$d"/dir-1000
  printf 'in dir 1000\n' >"$d"/dir-1000/file && chown 1000:1000 "$d"/dir-1000/file
  printf 'mode 0000\n' >"$d"/mode-0000 && chmod 0000 "$d"/mode-0000
  printf 'chown me\n' >"$d"/chown-me
  printf 'chmod me\n' >"$d"/chmod-me
  fix_times "$1"
}

# layered_layer3 ROOT: deletions (umoci writes .wh. whiteouts), a content change, type changes
# and metadata-only changes.
layered_layer3() {
  local d=$1/data
  rm -f "$d"/deleted.txt
  rm -rf "$d"/deleted-dir
  printf 'v2\n' >"$d"/modified.txt
  rm -f "$d"/file-to-dir && install -d -m 0755 "$d"/file-to-dir
  printf 'inner\n' >"$d"/file-to-dir/inner.txt
  rm -rf "$d"/dir-to-file && printf 'now a file\n' >"$d"/dir-to-file
  chown 1000:1000 "$d"/chown-me
  chmod 0600 "$d"/chmod-me
  printf 'layer 3\n' >"$d"/layer3.txt
  fix_times "$1"
}
