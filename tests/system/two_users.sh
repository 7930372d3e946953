#!/bin/bash
# Two users on one machine (issue 4): run as root by helpers/test-all.sh after ctest. The first
# test user starts a detached container in its default store; the second user must see none of
# it, reach none of it by name or id, and be refused the first user's store. Each step runs
# as the unprivileged user itself, with a clean environment (no XDG_RUNTIME_DIR, as after su).
#   two_users.sh SANDBOX_BINARY [USER_A] [USER_B]
set -uo pipefail

SANDBOX=${1:?usage: two_users.sh SANDBOX_BINARY [USER_A] [USER_B]}
USER_A=${2:-sbxtest}
USER_B=${3:-sbxtest2}
# shellcheck disable=SC1091  # written by tests/rig/start.sh
source /var/tmp/sandbox-rig/rig.env
IMAGE=$REGISTRY/test/busybox:latest
NAME=two-users-$$
failures=0

as() {
  local user=$1
  shift
  runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="/home/$user" USER="$user" LANG=C.UTF-8 \
    "$SANDBOX" "$@"
}
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1
  shift
  if "$@"; then echo "ok - $what"; else echo "not ok - $what"; failures=$((failures + 1)); fi
}

id=$(as "$USER_A" run -d --network none --name "$NAME" "$IMAGE" sleep 120) || {
  echo "not ok - $USER_A could not start a detached container"
  exit 1
}
check "$USER_A sees its container" test "$(as "$USER_A" ps -q --no-trunc)" = "$id"
check "$USER_B's ps -a lists nothing of $USER_A" test -z "$(as "$USER_B" ps -a -q)"
# shellcheck disable=SC2016  # "$@" is expanded by the inner bash
check "$USER_B cannot inspect it by name" \
  bash -c '! out=$("$@" 2>&1) && grep -q "no such" <<<"$out"' _ \
  runuser -u "$USER_B" -- env -i PATH=/usr/bin:/bin HOME="/home/$USER_B" "$SANDBOX" inspect "$NAME"
check "$USER_B cannot stop it by id" \
  bash -c '! "$@" >/dev/null 2>&1' _ runuser -u "$USER_B" -- env -i PATH=/usr/bin:/bin \
  HOME="/home/$USER_B" "$SANDBOX" stop -t 0 "$id"
check "$USER_B is refused $USER_A's store" \
  bash -c '! "$@" >/dev/null 2>&1' _ runuser -u "$USER_B" -- env -i PATH=/usr/bin:/bin \
  HOME="/home/$USER_B" "$SANDBOX" --root "/home/$USER_A/.local/share/sandbox" ps -a
check "$USER_A's container still runs" test "$(as "$USER_A" ps -q --no-trunc)" = "$id"
check "$USER_A removes it" as "$USER_A" rm -f "$id" >/dev/null
check "nothing of $USER_A is left running" test -z "$(as "$USER_A" ps -a -q)"
as "$USER_A" rmi "$IMAGE" >/dev/null 2>&1  # its default store holds nothing of ours afterwards
exit $((failures > 0))
