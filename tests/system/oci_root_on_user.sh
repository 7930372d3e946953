#!/bin/bash
# sandbox-runtime as Slurm drives it: the job's user runs the container, root then runs state,
# kill -a and delete --force on that user's state dir (with `--root=DIR`, the = form Slurm
# passes). Root must reach the real container and nothing else: a pid the user forged into
# state.json is "not running" (its process lives on), and hooks the user wrote into the
# config are not run as root. Run as root by helpers/test-all.sh.
#   oci_root_on_user.sh BUILD_DIR [USER]
set -uo pipefail

BUILD=${1:?usage: oci_root_on_user.sh BUILD_DIR [USER]}
USER_A=${2:-sbxtest}
RUNTIME=$BUILD/src/cli/sandbox-runtime
failures=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1
  shift
  if "$@"; then echo "ok - $what"; else echo "not ok - $what"; failures=$((failures + 1)); fi
}
as_user() { runuser -u "$USER_A" -- env -i PATH=/usr/bin:/bin HOME="/home/$USER_A" "$@"; }

WORK=$(runuser -u "$USER_A" -- mktemp -d /var/tmp/oci-root-on-user.XXXXXX)
STATE=$WORK/state
VICTIM=
# shellcheck disable=SC2317  # run by the trap
cleanup() {
  [[ -n $VICTIM ]] && kill "$VICTIM" 2>/dev/null
  as_user "$RUNTIME" --root="$STATE" delete --force forged >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

as_user mkdir -p "$WORK/bundle/rootfs/bin"
as_user cp "$BUILD/helpers/payload/payload" "$WORK/bundle/rootfs/bin/payload"
(cd "$WORK/bundle" && as_user "$RUNTIME" spec --rootless) || exit 1
# The user's config asks for a poststop hook that leaves a mark.
as_user python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
path = work + "/bundle/config.json"
c = json.load(open(path))
c["process"].update(terminal=False, args=["/bin/payload", "sleep", "300"])
c["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "id -u > " + work + "/hook-ran"]}]}
json.dump(c, open(path, "w"))
PY

check "$USER_A runs a detached container" \
  as_user "$RUNTIME" --root="$STATE" run -d -b "$WORK/bundle" job
# shellcheck disable=SC2016  # expanded by the inner bash
check "root sees it running" \
  bash -c '"$1" --root="$2" state job | grep -q "\"status\": \"running\""' _ "$RUNTIME" "$STATE"
check "root kill -a ends it" "$RUNTIME" --root="$STATE" kill -a job KILL
sleep 0.5
# shellcheck disable=SC2016  # expanded by the inner bash
check "root sees it stopped" \
  bash -c '"$1" --root="$2" state job | grep -q "\"status\": \"stopped\""' _ "$RUNTIME" "$STATE"
check "root delete --force removes it" "$RUNTIME" --root="$STATE" delete --force job
check "root did not run $USER_A's poststop hook" test ! -e "$WORK/hook-ran"
check "its state is gone" test ! -e "$STATE/job"
# The hook is real: the user's own delete runs it, as the user.
as_user "$RUNTIME" --root="$STATE" run -d -b "$WORK/bundle" own >/dev/null
as_user "$RUNTIME" --root="$STATE" delete --force own
check "$USER_A's own delete ran the hook as $USER_A" \
  test "$(cat "$WORK/hook-ran" 2>/dev/null)" = "$(id -u "$USER_A")"

# A forged pid: the user points state.json at a process of root's.
sleep 300 &
VICTIM=$!
as_user "$RUNTIME" --root="$STATE" run -d -b "$WORK/bundle" forged
real=$(as_user "$RUNTIME" --root="$STATE" state forged | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
as_user python3 - "$STATE/forged/state.json" "$VICTIM" <<'PY'
import json, sys
path, pid = sys.argv[1], int(sys.argv[2])
s = json.load(open(path))
s["pid"] = pid
s["pidStartTime"] = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19])
json.dump(s, open(path, "w"))
PY
"$RUNTIME" --root="$STATE" kill -a forged KILL >/dev/null 2>&1
"$RUNTIME" --root="$STATE" delete --force forged >/dev/null 2>&1
sleep 0.3
check "root's kill -a and delete --force spared the forged pid's process" kill -0 "$VICTIM"
kill "$real" 2>/dev/null  # the user's real container, out of the state's sight now
exit $((failures > 0))
