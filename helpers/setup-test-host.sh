#!/bin/bash
# Prepares this host for the integration tests (run as root; idempotent):
#  - the unprivileged test user `sbxtest` with subordinate ids sbxtest:100000:65536, and a
#    second one, `sbxtest2` (200000:65536), for the two-user isolation check;
#  - /dev/fuse and /dev/net/tun usable by unprivileged users (mode 0666, which is what standard
#    distributions ship; minimal container images often leave them 0600);
#  - the test rig (tests/rig/start.sh) and its images (tests/rig/images/build.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TEST_USER=${SBX_TEST_USER:-sbxtest}
SUBID_RANGE="100000:65536"

((EUID == 0)) || { echo "setup-test-host: run as root" >&2; exit 1; }

# The test users and their subordinate ids (each gets exactly its own range).
add_test_user() {
  local user=$1 range=$2 file
  if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --home-dir "/home/$user" --shell /bin/bash "$user"
    echo "setup-test-host: created user $user"
  fi
  for file in /etc/subuid /etc/subgid; do
    touch "$file"
    if ! grep -qx "$user:$range" "$file"; then
      sed -i "/^$user:/d" "$file"
      echo "$user:$range" >>"$file"
    fi
  done
}
add_test_user "$TEST_USER" "$SUBID_RANGE"
add_test_user "${SBX_TEST_USER2:-sbxtest2}" "200000:65536"

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
