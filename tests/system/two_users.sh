#!/bin/bash
# Two users on one machine: run as root by helpers/test-all.sh after ctest. The first
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

# Without XDG_RUNTIME_DIR the runtime state goes to a /tmp directory whose name the other user
# cannot know in advance: squatting the old fixed name, or a name they saw once (after a tmp
# cleaner removed it), must not keep the first user from running.
runtime_dir_of() {
  as "$1" info --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["runtime_dir"])'
}
uid_a=$(id -u "$USER_A")
squats=("/tmp/sandbox-run-$uid_a")
[[ -e ${squats[0]} ]] || runuser -u "$USER_B" -- mkdir "${squats[0]}"
dir_a=$(dirname "$(runtime_dir_of "$USER_A")")
check "$USER_A's runtime dir is not the squatted fixed name" test "$dir_a" != "${squats[0]}"
check "$USER_A's runtime dir is $USER_A's, mode 0700" \
  test "$(stat -c %U:%a "$dir_a")" = "$USER_A:700"
# A tmp cleaner removes it (its pause processes go with it), and the other user takes the name.
for pidfile in "$dir_a"/sandbox/pause-*.pid; do
  [[ -f $pidfile ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null
done
rm -rf "$dir_a"
runuser -u "$USER_B" -- mkdir "$dir_a"
squats+=("$dir_a")
check "$USER_A still runs a container" as "$USER_A" run --rm --network none "$IMAGE" true
moved=$(dirname "$(runtime_dir_of "$USER_A")")
check "$USER_A moved to another private name" \
  bash -c '[[ $1 != "$2" && $(stat -c %U:%a "$1") == "$3:700" ]]' _ "$moved" "$dir_a" "$USER_A"
for squat in "${squats[@]}"; do
  [[ $(stat -c %U "$squat") == "$USER_B" ]] && rmdir "$squat"
done

# The escape suite's second user: user B goes for user A's running container from the
# host and from a container of B's own. Each attempt is made by A too where A may, so a refusal of
# B's proves the kernel told the users apart, not that the attempt was broken.
# shellcheck disable=SC2317
as_raw() {  # as_raw USER COMMAND...: a plain command as USER, clean environment
  local user=$1
  shift
  runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="/home/$user" LANG=C.UTF-8 "$@"
}
# Exit 0: it worked (a ptrace seize is detached at once); 1: EPERM or EACCES; 2: anything else.
SIGNAL_PY='import os, sys
try:
    os.kill(int(sys.argv[1]), 0)
except PermissionError:
    sys.exit(1)
except OSError:
    sys.exit(2)'
PTRACE_PY='import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
if libc.ptrace(0x4206, pid, None, None) == 0:  # PTRACE_SEIZE: the tracee does not stop
    libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
    sys.exit(0)
sys.exit(1 if ctypes.get_errno() in (1, 13) else 2)'
# shellcheck disable=SC2317  # run through check, as are as_raw and fails
status_is() {  # status_is N COMMAND...: the command exits with status N
  local want=$1
  shift
  "$@" >/dev/null 2>&1
  test $? -eq "$want"
}
# shellcheck disable=SC2317
fails() { ! "$@" >/dev/null 2>&1; }  # fails COMMAND...: the command must fail
attack_container_of_a() {
  local id=$1 pid store=/home/$USER_A/.local/share/sandbox runtime
  pid=$(as "$USER_A" inspect "$id" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
print((doc[0] if isinstance(doc, list) else doc)["State"]["Pid"])')
  runtime=$(dirname "$(runtime_dir_of "$USER_A")")
  check "$USER_A's container has a host pid" test "${pid:-0}" -gt 1
  check "$USER_A may signal it" status_is 0 as_raw "$USER_A" python3 -c "$SIGNAL_PY" "$pid"
  check "$USER_B may not (EPERM)" status_is 1 as_raw "$USER_B" python3 -c "$SIGNAL_PY" "$pid"
  check "$USER_A may ptrace it" status_is 0 as_raw "$USER_A" python3 -c "$PTRACE_PY" "$pid"
  check "$USER_B may not (EPERM)" status_is 1 as_raw "$USER_B" python3 -c "$PTRACE_PY" "$pid"
  check "$USER_A may join its namespaces" \
    status_is 0 as_raw "$USER_A" nsenter -t "$pid" -U -m -p --preserve-credentials true
  check "$USER_B may not" fails as_raw "$USER_B" nsenter -t "$pid" -U -m -p --preserve-credentials true
  check "$USER_A may read its files" status_is 0 as_raw "$USER_A" cat "/proc/$pid/root/etc/hostname"
  check "$USER_B may not" fails as_raw "$USER_B" cat "/proc/$pid/root/etc/hostname"
  check "$USER_B may not read its environment" fails as_raw "$USER_B" cat "/proc/$pid/environ"
  check "$USER_B cannot list $USER_A's runtime dir" fails as_raw "$USER_B" ls "$runtime"
  check "$USER_B cannot list $USER_A's store" fails as_raw "$USER_B" ls "$store"
  check "$USER_B cannot reach its upper layer" fails as_raw "$USER_B" ls "$store/containers/$id"
  check "$USER_A's store is there to be refused" test -d "$store/containers/$id"
  # From inside a container of B's the pid names nothing (another pid namespace).
  check "$USER_B's container can neither see nor signal it" as "$USER_B" run --rm --network none \
    "$IMAGE" sh -c "! test -e /proc/$pid && ! kill -0 $pid 2>/dev/null && test -e /proc/1"
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
attack_container_of_a "$id"
check "$USER_A's container still runs" test "$(as "$USER_A" ps -q --no-trunc)" = "$id"

# User-defined networks: each user's live in a network namespace of their own. B sees none of
# A's, cannot attach to them, cannot enter A's namespace, and B's containers (on a network of
# the same name and subnet) do not reach A's server, which A's own containers do.
net_of_a() {  # prints A's container's address on the network
  as "$USER_A" network inspect "$NAME-net" | python3 -c '
import json, sys
for c in json.load(sys.stdin)[0]["containers"].values():
    print(c["ip"])'
}
if [[ -x /usr/lib/podman/netavark || -x /usr/libexec/podman/netavark ]]; then
  check "$USER_A creates a network" as "$USER_A" network create "$NAME-net" >/dev/null
  subnet_a=$(as "$USER_A" network inspect "$NAME-net" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["subnets"][0]["subnet"])')
  served=$(as "$USER_A" run -d --name "$NAME-srv" --network "$NAME-net" "$IMAGE" \
    sh -c 'while :; do echo secret-of-a | nc -l -p 8080; done')
  check "$USER_A serves on it" test -n "$served"
  ip_a=$(net_of_a)
  check "$USER_A's server has an address" test -n "$ip_a"
  check "$USER_A's own containers reach it" \
    bash -c '"$@" | grep -q secret-of-a' _ runuser -u "$USER_A" -- env -i PATH=/usr/bin:/bin \
    HOME="/home/$USER_A" "$SANDBOX" run --rm --network "$NAME-net" "$IMAGE" nc -w 3 "$ip_a" 8080
  check "$USER_B's network ls shows none of $USER_A's" test -z "$(as "$USER_B" network ls -q)"
  check "$USER_B cannot inspect it" fails as "$USER_B" network inspect "$NAME-net"
  check "$USER_B cannot run on it (no such network)" \
    bash -c '! out=$("$@" 2>&1) && grep -q "no such network" <<<"$out"' _ runuser -u "$USER_B" -- \
    env -i PATH=/usr/bin:/bin HOME="/home/$USER_B" "$SANDBOX" run --rm --network "$NAME-net" \
    "$IMAGE" true
  check "$USER_B makes one of the same name and subnet" \
    as "$USER_B" network create --subnet "$subnet_a" "$NAME-net" >/dev/null
  check "$USER_B's containers do not reach $USER_A's server" \
    bash -c '! "$@" 2>/dev/null | grep -q secret-of-a' _ runuser -u "$USER_B" -- env -i \
    PATH=/usr/bin:/bin HOME="/home/$USER_B" "$SANDBOX" run --rm --network "$NAME-net" "$IMAGE" \
    nc -w 3 "$ip_a" 8080
  holder=$(cat "$(dirname "$(runtime_dir_of "$USER_A")")"/sandbox/netns-*/state 2>/dev/null |
    awk '{print $1}' | head -n 1)
  check "$USER_A's network namespace has a holder" test "${holder:-0}" -gt 1
  check "$USER_B cannot enter $USER_A's network namespace" \
    fails as_raw "$USER_B" nsenter -t "$holder" -U -n --preserve-credentials true
  check "$USER_A can" status_is 0 as_raw "$USER_A" nsenter -t "$holder" -U -n --preserve-credentials true
  as "$USER_A" rm -f "$NAME-srv" >/dev/null
  check "$USER_A removes its network" as "$USER_A" network rm "$NAME-net" >/dev/null
  check "$USER_B removes its network" as "$USER_B" network rm "$NAME-net" >/dev/null
else
  echo "ok - user networks skipped: netavark is not installed"
fi
check "$USER_A removes it" as "$USER_A" rm -f "$id" >/dev/null
check "nothing of $USER_A is left running" test -z "$(as "$USER_A" ps -a -q)"
for user in "$USER_A" "$USER_B"; do  # their default stores hold nothing of ours afterwards
  as "$user" rmi "$IMAGE" >/dev/null 2>&1
done
exit $((failures > 0))
