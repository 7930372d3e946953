#!/bin/bash
# Prepares this host for the integration tests (run as root; idempotent):
#  - the unprivileged test user `sbxtest` and a second one, `sbxtest2` (the two-user isolation
#    check), each with 65536 subordinate uids and gids that overlap no other line of /etc/subuid
#    and /etc/subgid (a range that already does not is kept; the ranges used are printed);
#  - /dev/fuse and /dev/net/tun usable by unprivileged users (mode 0666, which is what standard
#    distributions ship; minimal container images often leave them 0600);
#  - the test rig (tests/rig/start.sh) and its images (tests/rig/images/build.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TEST_USER=${SBX_TEST_USER:-sbxtest}
# shellcheck source=helpers/subid-ranges.sh
source "$HERE/subid-ranges.sh"

((EUID == 0)) || { echo "setup-test-host: run as root" >&2; exit 1; }

# The test users and their subordinate ids: one 65536-id range each, the same in both files,
# overlapping no other user's range. A range it already has that way is kept.
add_test_user() {
  local user=$1 start="" file others
  if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --home-dir "/home/$user" --shell /bin/bash "$user"
    echo "setup-test-host: created user $user"
  fi
  touch /etc/subuid /etc/subgid
  local lines
  lines=$(grep -h "^$user:" /etc/subuid /etc/subgid | sort -u || true)
  if [[ $(wc -l <<<"$lines") == 1 && $lines =~ ^$user:([0-9]+):65536$ ]] &&
    [[ $(grep -c "^$user:" /etc/subuid) == 1 && $(grep -c "^$user:" /etc/subgid) == 1 ]] &&
    subid_range_is_free "${BASH_REMATCH[1]}" 65536 "$user"; then
    start=${BASH_REMATCH[1]}
  else
    start=$(free_subid_start "$user")
    for file in /etc/subuid /etc/subgid; do
      # Rewritten in place: the file keeps its inode, owner and mode.
      others=$(grep -v "^$user:" "$file" || true)
      printf '%s%s:%s:65536\n' "${others:+$others$'\n'}" "$user" "$start" >"$file"
    done
  fi
  echo "setup-test-host: $user has subordinate uids and gids $start-$((start + 65535))"
}
add_test_user "$TEST_USER"
add_test_user "${SBX_TEST_USER2:-sbxtest2}"

# Unprivileged fuse-overlayfs and slirp4netns need these (0666 on standard distributions).
for dev in /dev/fuse /dev/net/tun; do
  [[ -e $dev ]] && chmod 0666 "$dev"
done

# Unprivileged user namespaces must be allowed.
if [[ -r /proc/sys/kernel/unprivileged_userns_clone ]] &&
  [[ $(cat /proc/sys/kernel/unprivileged_userns_clone) == 0 ]]; then
  sysctl -qw kernel.unprivileged_userns_clone=1
fi
if [[ -r /proc/sys/user/max_user_namespaces ]] &&
  [[ $(cat /proc/sys/user/max_user_namespaces) == 0 ]]; then
  sysctl -qw user.max_user_namespaces=15000
fi

# Debian's docker-registry package may run a registry on the rig's port.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]] &&
  systemctl is-active --quiet docker-registry.service 2>/dev/null; then
  systemctl disable --now docker-registry.service
fi

bash "$REPO/tests/rig/start.sh"
# The test images; the payload binary of this build is used when the caller says where it is.
payload=${SBX_BUILD_DIR:+$SBX_BUILD_DIR/helpers/payload/payload}
if [[ -f $REPO/tests/rig/images/build.sh ]]; then
  if [[ -n $payload && -x $payload ]]; then
    bash "$REPO/tests/rig/images/build.sh" "$payload"
  else
    bash "$REPO/tests/rig/images/build.sh"
  fi
else
  echo "setup-test-host: tests/rig/images/build.sh not present; no test images built" >&2
fi
RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}
echo "setup-test-host: ready (user $TEST_USER, rig in $RIG_DIR)"
