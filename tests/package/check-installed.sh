#!/bin/bash
# Runs as root inside a plain minbase root (tests/package/check.sh): installs the .deb with
# apt, without Recommends, and checks what a user of the package meets.
#   check-installed.sh DEB IMAGE SUBID_RANGE
# IMAGE is pulled from the test rig on the host's 127.0.0.1; SUBID_RANGE ("START-END") is free
# on the host, so the user's containers share ids with nobody there.
set -uo pipefail

DEB=${1:?usage: check-installed.sh DEB IMAGE SUBID_RANGE}
IMAGE=${2:?}
RANGE=${3:?}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
failures=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1
  shift
  if "$@"; then echo "ok - $what"; else echo "not ok - $what"; failures=$((failures + 1)); fi
}
as() {  # as USER COMMAND...: a login-like clean environment, as after su
  local user=$1
  shift
  runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="/home/$user" USER="$user" \
    LANG=C.UTF-8 TERM=dumb "$@"
}
contains() { grep -qE -- "$2" <<<"$1"; }

apt-get install -y -q --no-install-recommends "$DEB" >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; echo "not ok - apt-get install $DEB"; exit 1; }
echo "ok - apt-get install --no-install-recommends $(basename "$DEB")"

# Every library the binary opens with dlopen resolves with Depends alone, except the ones
# `sandbox version` calls optional (they are Recommends).
version=$(sandbox version)
echo "$version" | sed 's/^/    /'
mapfile -t optional < <(awk '/^  / { print $2 }' <<<"$version")
mapfile -t sonames < <(grep -aoE 'lib[a-z0-9_+-]+\.so\.[0-9]+' /usr/bin/sandbox | sort -u)
for soname in "${sonames[@]}"; do
  [[ " ${optional[*]} " == *" $soname "* ]] && continue
  check "$soname (dlopen) is installed by Depends" \
    bash -c 'ldconfig -p | awk "{ print \$1 }" | grep -qxF "$1"' _ "$soname"
done
check "the dlopened libraries were found in the binary (${#sonames[@]})" test "${#sonames[@]}" -ge 6
check "sandbox version names its commit" contains "$version" '^commit: [0-9a-f]{12}'
check "sandbox version: a Release build" contains "$version" '^build type: Release$'
check "--version says the same" test "$(sandbox --version)" = "$version"

# Files where Debian expects them; the binary stripped (its symbols are in -dbgsym).
for file in /usr/share/man/man1/sandbox.1.gz /usr/share/man/man1/sandbox-run.1.gz \
  /usr/share/man/man1/sandbox-system-check.1.gz \
  /usr/share/bash-completion/completions/sandbox /usr/share/zsh/vendor-completions/_sandbox \
  /usr/share/fish/vendor_completions.d/sandbox.fish \
  /usr/share/doc/sandbox/examples/delegate.conf /usr/share/doc/sandbox/examples/usr.bin.sandbox \
  /usr/share/doc/sandbox/copyright; do
  check "$file" test -s "$file"
done
check "/usr/bin/sandbox is stripped" bash -c '! readelf -S /usr/bin/sandbox | grep -q debug_info'

# A user with subordinate ids pulls from the registry and runs a container.
useradd --create-home --shell /bin/bash bob
for file in /etc/subuid /etc/subgid; do sed -i '/^bob:/d' "$file" 2>/dev/null; done
usermod --add-subuids "$RANGE" --add-subgids "$RANGE" bob
check "bob: sandbox pull $IMAGE" as bob sandbox pull -q "$IMAGE"
out=$(as bob sandbox run --rm "$IMAGE" sh -c 'echo hello from $(id -u)' 2>&1)
check "bob: sandbox run prints hello from 0 (got: $out)" test "$out" = "hello from 0"
out=$(as bob sandbox run --rm "$IMAGE" \
  sh -c 'echo x >/tmp/f; chown 1000 /tmp/f; stat -c %u /tmp/f' 2>&1)
check "bob: a container uid beyond his own maps (got: $out)" test "$out" = "1000"
check "bob: sandbox system check passes" as bob sandbox system check

# sandbox-runtime, the OCI runtime engines call by path, runs a bundle of bob's: the image's
# files as its rootfs, the example config with sh -c as its process.
check "/usr/bin/sandbox-runtime links to sandbox" test "$(readlink /usr/bin/sandbox-runtime)" = sandbox
# shellcheck disable=SC2016  # expanded by bob's shell
out=$(as bob bash -c 'set -e; mkdir -p ~/bundle/rootfs; cd ~/bundle
  sandbox run --name for-bundle "$0" true; sandbox export for-bundle | tar -x -C rootfs
  sandbox-runtime spec --rootless
  sed -i "s|\"sh\"|\"sh\", \"-c\", \"echo bundle ran\"|; s|\"terminal\": true|\"terminal\": false|" config.json
  sandbox-runtime run -b ~/bundle first' "$IMAGE" 2>&1)
check "bob: sandbox-runtime run prints from the bundle (got: $out)" test "$out" = "bundle ran"

# A user without subordinate ids gets the same clear errors as from the build tree.
useradd --create-home --shell /bin/bash carol
for file in /etc/subuid /etc/subgid; do sed -i '/^carol:/d' "$file" 2>/dev/null; done
out=$(as carol sandbox system check 2>&1)
echo "$out" | grep -A1 -E '^(warn|FAIL) +sub[ug]id' | sed 's/^/    /'
check "carol: system check says she has no subuid range" \
  contains "$out" "subuid +no range for carol: only one id can be mapped"
check "carol: and which line to add" \
  contains "$out" "fix: add the line 'carol:[0-9]+:65536' to /etc/subuid"

# The completions, where bash-completion, zsh and fish look for them.
apt-get install -y -q --no-install-recommends bash-completion zsh fish >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; echo "not ok - apt-get install the shells"; exit 1; }
check "completions in bash, zsh and fish (tests/system/completion.sh)" \
  as bob bash "$HERE/completion.sh" /usr/bin/sandbox "$IMAGE" --installed

# Recommends: ISA-L and libsubid are found once installed.
apt-get install -y -q --no-install-recommends libisal2 libsubid4 fuse-overlayfs \
  >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; echo "not ok - apt-get install the Recommends"; exit 1; }
version=$(sandbox version)
check "with Recommends, ISA-L is found" contains "$version" '^  ISA-L +libisal\.so\.2 +found$'
check "with Recommends, libsubid is found" \
  contains "$version" '^  libsubid +libsubid\.so\.4 +found$'

# With fuse-overlayfs (a Recommends) but without /dev/fuse and /dev/net/tun (a /dev with only
# the basic nodes): the same clear fixes.
# shellcheck disable=SC2016  # expanded by the inner bash
out=$(unshare --mount bash -c '
  mkdir /tmp/dev
  for node in null zero full random urandom tty; do
    touch "/tmp/dev/$node"
    mount --bind "/dev/$node" "/tmp/dev/$node"
  done
  mount --bind /tmp/dev /dev
  # A new store: the one bob used remembers what it probed.
  runuser -u bob -- env -i PATH=/usr/bin:/bin HOME=/home/bob \
    bash -c "sandbox --root \$(mktemp -d) system check"' 2>&1)
echo "$out" | grep -A1 -E 'fuse|tun' | sed 's/^/    /'
check "without /dev/fuse: system check says so and how to fix it" \
  contains "$out" "/dev/fuse is missing \\(ask the admin to load the fuse module: modprobe fuse\\)"
check "without /dev/net/tun: system check says so and how to fix it" \
  contains "$out" "modprobe tun"

# With user namespaces off (user.max_user_namespaces=0). The sysctl is the host's, so it is
# set in a user namespace of our own that maps every id to itself: the limit holds for bob's
# processes in it, and the host keeps its own.
as_bob_without_userns() {  # as_bob_without_userns COMMAND...
  local go pid status
  go=$(mktemp -u /tmp/userns-off-XXXXXX)
  mkfifo "$go"
  # shellcheck disable=SC2016  # expanded by the inner bash
  # The sysctl is written by a program started once the maps are there: the shell itself
  # was started before, without an id in the namespace, so without capabilities in it.
  unshare --user -- bash -c 'read -r _ <"$1"; shift
    bash -c "echo 0 >/proc/sys/user/max_user_namespaces"
    exec setpriv --reuid=bob --regid=bob --init-groups env -i PATH=/usr/bin:/bin \
      HOME=/home/bob USER=bob LANG=C.UTF-8 bash -c "XDG_RUNTIME_DIR=\$(mktemp -d) \"\$@\"" _ "$@"' \
    _ "$go" "$@" &
  pid=$!
  until [[ $(readlink "/proc/$pid/ns/user") != "$(readlink /proc/self/ns/user)" ]]; do
    sleep 0.05
  done
  echo "0 0 4294967295" >"/proc/$pid/uid_map"
  echo "0 0 4294967295" >"/proc/$pid/gid_map"
  echo go >"$go"
  wait "$pid"
  status=$?
  rm -f "$go"
  return "$status"
}
out=$(as_bob_without_userns sandbox --root /tmp/bob-no-userns system check 2>&1)
echo "$out" | grep -A1 -E 'user\.max_user_namespaces|user namespace' | sed 's/^/    /'
check "user namespaces off: system check names the sysctl" \
  contains "$out" "FAIL +user\\.max_user_namespaces +0"
check "user namespaces off: and how to turn them on" \
  contains "$out" "fix: sudo sysctl -w user\\.max_user_namespaces="
out=$(as_bob_without_userns sandbox run --rm "$IMAGE" true 2>&1)
echo "$out" | sed 's/^/    /'
check "user namespaces off: sandbox run says so and what to do" \
  contains "$out" "user namespaces are off: sudo sysctl -w user\\.max_user_namespaces="

echo "check-installed: $failures failed"
exit $((failures > 0))
