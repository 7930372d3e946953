#!/bin/bash
# User-defined networks of `sandbox` beside rootless podman with netavark, in one run (not a
# test: no timing assertions, it only prints). Run as root; every measured command runs as the
# unprivileged test user.
#
#   sudo tests/bench/user_network_bench.sh [--runs N] [--megabytes M] [--rounds R]
#                                          [--containers C] [--sandbox PATH] [--user USER]
#                                          [--image REF] [--no-podman]
#
# - Container-to-container TCP throughput on one network: a client container pushes M MiB of
#   zeros (busybox dd | nc, timed by busybox's time in the container) to a server container
#   found by name; R rounds taking turns, the median of each. busybox's nc moves small
#   buffers, so the figures are far below the veth's; both tools run the same programs.
# - `run --rm --network NAME IMAGE true`: median wall time of N runs (hyperfine -N).
# - Memory per running container on a network: the proportional set size (Pss) of each of C
#   `sleep` containers' processes and its monitor (sandbox) or conmon (podman), and for sandbox
#   its share of the user namespace's helpers (holder, slirp4netns, aardvark-dns). podman's
#   shared rootless-netns helpers are not counted: the ratio favours podman.
# podman runs with --runtime runc (crun refuses this hybrid cgroup host).
# Targets (issue 18): throughput >= 0.9x podman's, run time <= 0.5x, <= 1 MiB per container.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MEGABYTES=256
ROUNDS=3
CONTAINERS=5
RUNS=10
parse_args --runs=RUNS --megabytes=MEGABYTES --rounds=ROUNDS --containers=CONTAINERS \
  "${COMMON_OPTIONS[@]}" -- "$@"

require_root_and_user
command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install hyperfine)"
default_image
find_sandbox "no sandbox binary: build it or pass --sandbox"

WORK=/var/tmp/sandbox-usernet-bench-$TEST_USER
XDG=/tmp/sbx-unb-$TEST_USER  # short: podman's and slirp4netns's sockets live there (sun_path)
install -d -o "$TEST_USER" -m 0700 "$WORK" "$XDG" "$XDG/home"
STORE=$WORK/store
NET=benchnet
as_user() { runuser -u "$TEST_USER" -- env XDG_RUNTIME_DIR="$XDG" HOME="$WORK" "$@"; }
as_podman() { runuser -u "$TEST_USER" -- env XDG_RUNTIME_DIR="$XDG" HOME="$XDG/home" podman "$@"; }
SBX=("$SANDBOX" --root "$STORE")

cleanup() {
  as_user "${SBX[@]}" rm -f bench-srv bench-cli >/dev/null 2>&1 || true
  for ((i = 0; i < CONTAINERS; i++)); do
    as_user "${SBX[@]}" rm -f "bench-idle-$i" >/dev/null 2>&1 || true
  done
  as_user "${SBX[@]}" network rm -f "$NET" >/dev/null 2>&1 || true
  if ((PODMAN_OK)); then
    as_podman rm -f -t 0 bench-srv bench-cli >/dev/null 2>&1 || true
    for ((i = 0; i < CONTAINERS; i++)); do
      as_podman rm -f -t 0 "bench-idle-$i" >/dev/null 2>&1 || true
    done
    as_podman network rm -f "$NET" >/dev/null 2>&1 || true
  fi
}
PODMAN_OK=0
trap cleanup EXIT

as_user "${SBX[@]}" pull "$IMAGE" >/dev/null
as_user "${SBX[@]}" network rm -f "$NET" >/dev/null 2>&1 || true
as_user "${SBX[@]}" network create "$NET" >/dev/null
if ((USE_PODMAN)) && command -v podman >/dev/null; then
  if as_podman pull --tls-verify=false "$IMAGE" >/dev/null 2>&1 &&
    { as_podman network rm -f "$NET" >/dev/null 2>&1 || true; } &&
    as_podman network create "$NET" >/dev/null 2>&1; then
    PODMAN_OK=1
  else
    note "podman: cannot pull $IMAGE or create a network as $TEST_USER (skipped)"
  fi
fi
PODMAN=(as_podman --runtime runc)

echo "sandbox: $SANDBOX ($("$SANDBOX" --version | head -n 1))"
((PODMAN_OK)) && echo "podman: $(podman --version), netavark: $(/usr/lib/podman/netavark --version 2>/dev/null || echo ?)"
host_line
echo

# --- container to container throughput ------------------------------------------------------
# throughput TOOL: MiB/s from busybox dd's report in the client (the server discards).
throughput() {
  local tool=$1 cmd
  if [[ $tool == sandbox ]]; then cmd=(as_user "${SBX[@]}"); else cmd=("${PODMAN[@]}"); fi
  # One connection: busybox's nc -l ends its connection at the end of its stdin (kept open).
  "${cmd[@]}" run -d --name bench-srv --network "$NET" "$IMAGE" \
    sh -c 'tail -f /dev/null | nc -l -p 7000 >/dev/null' >/dev/null
  "${cmd[@]}" run -d --name bench-cli --network "$NET" "$IMAGE" sleep 600 >/dev/null
  sleep 1
  local report
  report=$("${cmd[@]}" exec bench-cli sh -c \
    "time sh -c 'dd if=/dev/zero bs=1048576 count=$MEGABYTES 2>/dev/null | nc bench-srv 7000'" \
    2>&1 || true)
  if [[ $tool == podman ]]; then
    as_podman rm -f -t 0 bench-srv bench-cli >/dev/null 2>&1 || true
  else
    "${cmd[@]}" rm -f bench-srv bench-cli >/dev/null 2>&1 || true
  fi
  # busybox's time: "real	0m 1.23s"; a failed transfer (a message, no time) is "-"
  python3 - "$report" "$MEGABYTES" <<'EOF'
import re, sys
m = re.search(r"real\s+(\d+)m\s*([0-9.]+)s", sys.argv[1])
seconds = int(m.group(1)) * 60 + float(m.group(2)) if m else 0
failed = "can't" in sys.argv[1] or "non-zero" in sys.argv[1]
print("%.1f" % (int(sys.argv[2]) / seconds) if seconds > 0 and not failed else "-")
EOF
}

declare -A RATES
echo "container -> container TCP on one network ($MEGABYTES MiB, $ROUNDS rounds)"
for ((round = 1; round <= ROUNDS; round++)); do
  for tool in sandbox podman; do
    [[ $tool == podman ]] && ((!PODMAN_OK)) && continue
    rate=$(throughput "$tool")
    printf '  round %d %-8s %8s MiB/s\n' "$round" "$tool" "$rate"
    [[ $rate == - ]] || RATES[$tool]+="$rate "
  done
done
rate_of() { tr ' ' '\n' <<<"${RATES[$1]:-}" | sed '/^$/d' | median; }
SBX_RATE=$(rate_of sandbox)
POD_RATE=$( ((PODMAN_OK)) && rate_of podman || echo -)
echo

# --- run --rm --network NAME IMAGE true ---------------------------------------------------------
TMP=$WORK/tmp
install -d -o "$TEST_USER" -m 0700 "$TMP"
USER_HOME=$WORK
WARMUP=2
time_runs() {  # lib.sh's, with this script's environment for the user
  local name=$1
  shift
  as_user hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$TMP/$name.json" -- "$*" >/dev/null 2>"$TMP/$name.err" || return 1
  jq -r '.results[0].times[] * 1000' "$TMP/$name.json"
  jq -r '"cpu \((.results[0].user + .results[0].system) * 1000)"' "$TMP/$name.json"
}
# A container kept on the network: the namespace and its helpers stay, as for a user with a
# service running (the first container's set-up is not what each run pays).
as_user "${SBX[@]}" run -d --name bench-idle-0 --network "$NET" "$IMAGE" sleep 600 >/dev/null
measure sandbox "${SBX[*]} run --rm --network $NET $IMAGE true"
if ((PODMAN_OK)); then
  as_podman --runtime runc run -d --name bench-idle-0 --network "$NET" "$IMAGE" sleep 600 >/dev/null
  measure podman "env XDG_RUNTIME_DIR=$XDG HOME=$XDG/home podman --runtime runc run --rm --network $NET $IMAGE true"
fi
echo "run --rm --network $NET IMAGE true ($RUNS runs, one other container on the network)"
print_table 8 sandbox podman
echo

# --- memory per container -----------------------------------------------------------------------
# The test user's other processes (other test runs) come and go: only the containers' own
# processes are summed, found by their pids. pss_kib PID...: the Pss of each PID and its
# descendants.
pss_kib() {
  python3 - "$@" <<'EOF'
import os, sys
children = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open("/proc/%s/stat" % pid) as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(pid))
    except (OSError, ValueError, IndexError):
        pass
seen, todo, total = set(), [int(p) for p in sys.argv[1:] if p.isdigit() and int(p) > 0], 0
while todo:
    pid = todo.pop()
    if pid in seen:
        continue
    seen.add(pid)
    todo += children.get(pid, [])
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            total += sum(int(l.split()[1]) for l in f if l.startswith("Pss:"))
    except OSError:
        pass
print(total)
EOF
}
# per_container TOOL: KiB of Pss per running container on the network (C of them): its
# processes, its monitor (sandbox) or conmon (podman); for sandbox also its share of the
# namespace's helpers (holder, slirp4netns, aardvark-dns), shared by C + 1 containers.
per_container() {
  local tool=$1 cmd pids=() monitor=MonitorPid own helpers=0 state aardvark
  if [[ $tool == sandbox ]]; then cmd=(as_user "${SBX[@]}"); else cmd=("${PODMAN[@]}"); fi
  [[ $tool == podman ]] && monitor=ConmonPid
  for ((i = 1; i <= CONTAINERS; i++)); do
    "${cmd[@]}" run -d --name "bench-idle-$i" --network "$NET" "$IMAGE" sleep 600 >/dev/null
  done
  sleep 2
  for ((i = 1; i <= CONTAINERS; i++)); do
    read -ra more < <("${cmd[@]}" inspect --format "{{.State.Pid}} {{.State.$monitor}}" "bench-idle-$i")
    pids+=("${more[@]}")
  done
  own=$(pss_kib "${pids[@]}")
  if [[ $tool == sandbox ]]; then
    state=$(cat "$XDG"/sandbox/netns-*/state 2>/dev/null | head -n 1)
    aardvark=$(cat "$XDG"/sandbox/netns-*/netavark/aardvark-dns/aardvark.pid 2>/dev/null | head -n 1)
    # shellcheck disable=SC2046,SC2086  # state is "holder start slirp start": two pids
    helpers=$(pss_kib $(awk '{ print $1, $3 }' <<<"$state") $aardvark)
    helpers=$((helpers / (CONTAINERS + 1)))
  fi
  for ((i = 1; i <= CONTAINERS; i++)); do
    if [[ $tool == podman ]]; then
      as_podman rm -f -t 0 "bench-idle-$i" >/dev/null 2>&1 || true
    else
      "${cmd[@]}" rm -f "bench-idle-$i" >/dev/null 2>&1 || true
    fi
  done
  echo $((own / CONTAINERS + helpers))
}
SBX_KIB=$(per_container sandbox)
as_user "${SBX[@]}" rm -f bench-idle-0 >/dev/null
POD_KIB=-
if ((PODMAN_OK)); then
  POD_KIB=$(per_container podman)
  as_podman rm -f -t 0 bench-idle-0 >/dev/null 2>&1 || true
fi

echo "memory per running container on a network ($CONTAINERS containers, KiB of Pss)"
printf '  %-8s %8s\n  %-8s %8s\n' sandbox "$SBX_KIB" podman "$POD_KIB"
echo

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
echo "ratios sandbox / podman (issue 18's targets)"
T_RATIO=$(div "$SBX_RATE" "$POD_RATE")
R_RATIO=$(ratio sandbox podman)
M_RATIO=$(div "$SBX_KIB" "$POD_KIB")
target_line "container-to-container TCP: $SBX_RATE / $POD_RATE MiB/s" "${T_RATIO}x" \
  "$(verdict "$T_RATIO" 0.9 '>=') (>= 0.9x)"
target_line "run --rm --network: ${MEDIAN[sandbox]:-} / ${MEDIAN[podman]:--} ms" "${R_RATIO}x" \
  "$(verdict "$R_RATIO" 0.5 '<=') (<= 0.5x)"
target_line "memory per container: $SBX_KIB / $POD_KIB KiB" "${M_RATIO}x" \
  "$(verdict "$SBX_KIB" 1024 '<=') (<= 1024 KiB)"
