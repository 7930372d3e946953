#!/bin/bash
# Minimal Debian roots for tests/package/check.sh (sourced; root only).
#   base_root build|plain   prints the directory of a cached base root, making it first when
#                           needed: `plain` is mmdebstrap's minbase; `build` is minbase with
#                           sudo and git (all the README assumes) plus what
#                           `helpers/install-deps.sh --build` installs, run inside it.
#   in_root BASE WORK CMD...  runs CMD as root in a writable overlay of BASE (its changes in
#                           WORK/upper, kept between calls), with WORK/home as /home.
# A chroot cannot create user namespaces, so in_root enters the root the way a container
# runtime does: new mount and pid namespaces, then pivot_root. It keeps the host's network
# namespace (the test rig on 127.0.0.1 and the Debian mirror stay reachable) and its /dev
# and /sys. The pid namespace ends every process left behind (containers, pause processes).
# A cached root is keyed on what went into it and rebuilt when that changes; builds are never
# cached.

FRESH_ROOT_CACHE=${FRESH_ROOT_CACHE:-/var/tmp/sandbox-fresh-root}
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LIB_DIR/../.." && pwd)
# shellcheck source=helpers/subid-ranges.sh
source "$REPO/helpers/subid-ranges.sh"  # free_subid_range: the users made in the roots

# The host's active apt sources, which mmdebstrap reads like apt does.
apt_sources() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
    [[ -s $file ]] && echo "$file"
  done
  return 0
}

base_root() {
  local kind=$1 sources key dir
  mapfile -t sources < <(apt_sources)
  ((${#sources[@]})) || { echo "fresh-root: no apt sources on this host" >&2; return 1; }
  key=$({
    echo "v1 $kind $(dpkg-query -W -f='${Version}' mmdebstrap)"
    cat "${sources[@]}"
    [[ $kind == build ]] && bash "$REPO/helpers/install-deps.sh" --list --build
  } | sha256sum | cut -c1-16)
  dir=$FRESH_ROOT_CACHE/$kind-$key
  if [[ -f $dir.ready ]]; then
    echo "fresh-root: cached $kind root $dir" >&2
    echo "$dir"
    return 0
  fi
  mkdir -p "$FRESH_ROOT_CACHE"
  rm -rf "$FRESH_ROOT_CACHE/$kind"-*  # older keys
  local include=() started=$SECONDS
  # shellcheck disable=SC2054  # one option with a comma-separated value
  [[ $kind == build ]] && include=(--include=sudo,git)
  echo "fresh-root: mmdebstrap --variant=minbase bookworm ($kind) from ${sources[*]}" >&2
  mmdebstrap --quiet --variant=minbase --mode=root "${include[@]}" \
    --skip=cleanup/apt/lists bookworm "$dir" "${sources[@]}" >&2 || return 1
  if [[ $kind == build ]]; then
    # Exactly what the README's first step installs, by the script itself.
    cp "$REPO/helpers/install-deps.sh" "$dir/var/tmp/"  # (the root's /tmp is a tmpfs)
    enter_plain_root "$dir" bash /var/tmp/install-deps.sh --build >&2 || return 1
    rm -f "$dir/var/tmp/install-deps.sh"
    enter_plain_root "$dir" apt-get clean >&2
  fi
  touch "$dir.ready"
  echo "fresh-root: made the $kind root in $((SECONDS - started))s" >&2
  echo "$dir"
}

# Runs inside the new namespaces: mounts the root's /proc, /dev, /sys, /tmp and /run, moves
# into it with pivot_root and runs the command with a clean environment.
_enter() {
  local root=$1
  shift
  mount --rbind "$root" "$root"  # pivot_root wants a mount point (with the submounts)
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount --rbind /sys "$root/sys"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  cp /etc/resolv.conf /etc/hosts "$root/etc/"  # the mirror, and sudo's look-up of the host name
  cd "$root" || return 1
  mkdir -p .host
  pivot_root . .host
  cd /
  umount -l /.host
  rmdir /.host
  exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}

_in_namespaces() {
  # --kill-child: ending unshare ends the namespace's init, and with it every process in it.
  unshare --mount --pid --fork --kill-child --propagation private -- "$@"
}

# The root itself, writable (used while a base root is made).
enter_plain_root() {
  local root=$1
  shift
  _in_namespaces bash -c "set -euo pipefail; $(declare -f _enter); _enter \"\$@\"" _ "$root" "$@"
}

in_root() {
  local base=$1 work=$2
  shift 2
  mkdir -p "$work/upper" "$work/overlay-work" "$work/root" "$work/home"
  # shellcheck disable=SC2016  # expanded by the inner bash
  _in_namespaces bash -c "set -euo pipefail; $(declare -f _enter)"'
    base=$1 work=$2
    shift 2
    mount -t overlay overlay \
      -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/overlay-work" "$work/root"
    mount --bind "$work/home" "$work/root/home"  # a real file system for the stores
    _enter "$work/root" "$@"' _ "$base" "$work" "$@"
}
