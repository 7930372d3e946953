#!/bin/bash
# Network benchmark of `sandbox run` (not a test: no timing assertions, it only prints). Run as
# root; every measured command runs as the unprivileged test user.
#
#   sudo tests/bench/net_bench.sh [--runs N] [--seconds S] [--rounds R] [--sandbox PATH]
#                                 [--user USER] [--image REF] [--no-podman] [--throughput-only]
#
# Start latency: median wall time of `sandbox run --rm IMAGE true` with slirp4netns (the
# default) against `--network none`, and with `-p` (a TCP port: a sandbox-portfwd of the
# container's own), N runs each (hyperfine -N);
# and the median time until the container's command runs (its first output), without the exit.
# Throughput: bytes a host client pushes in S seconds through a published port into
# `nc -l -p 7000 | wc -c` in the container (the count is the container's), for sandbox (label
# sandbox-slirp4netns: the default network, its TCP port through sandbox-portfwd) and
# rootless podman (`--runtime runc`, slirp4netns with port_handler=slirp4netns, and podman's
# default rootlessport handler) where podman works; R rounds (default 3) taking turns, and the
# median of each (one transfer swings by +-30% here). The same on a user-defined network:
# sandbox's `-p` (sandbox-portfwd: accepts on the host port, connects from inside the per-user
# namespace, splices) against podman's on a netavark network (rootlessport). Where pasta (Debian's
# passt) is installed, a comparison line: pasta's own port forwarding (`pasta -t`) into a
# namespace of its own where a python3 sink counts the bytes (no container, no image).
# Targets: <= 10 ms extra start latency; throughput >= podman's slirp4netns, and a published
# port's throughput >= podman's rootlessport (issue 18).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECONDS_EACH=5
ROUNDS=3
THROUGHPUT_ONLY=0
parse_args --runs=RUNS --seconds=SECONDS_EACH --rounds=ROUNDS --throughput-only=THROUGHPUT_ONLY:1 \
  "${COMMON_OPTIONS[@]}" -- "$@"

require_root_and_user
((THROUGHPUT_ONLY)) || command -v hyperfine >/dev/null ||
  die "hyperfine is not installed (apt-get install hyperfine)"
default_image
find_sandbox "no sandbox binary: build it or pass --sandbox"

WORK=/var/tmp/sandbox-net-bench-$TEST_USER
# podman's slirp4netns API socket lives under XDG_RUNTIME_DIR: keep it short (sun_path).
XDG=/tmp/sbx-nb-$TEST_USER
install -d -o "$TEST_USER" -m 0700 "$WORK" "$XDG" "$XDG/home"
STORE=$WORK/store
as_user() { runuser -u "$TEST_USER" -- env XDG_RUNTIME_DIR="$XDG" HOME="$WORK" "$@"; }
# podman keeps its first tmp dir in its database: a home of its own with the short one.
as_podman() { runuser -u "$TEST_USER" -- env XDG_RUNTIME_DIR="$XDG" HOME="$XDG/home" podman "$@"; }
SBX=("$SANDBOX" --root "$STORE")
as_user "${SBX[@]}" pull "$IMAGE" >/dev/null
as_user "${SBX[@]}" run --rm "$IMAGE" true || die "a first run failed"

echo "sandbox: $SANDBOX ($("$SANDBOX" --version))"
echo "slirp4netns: $(slirp4netns --version | head -1)"
echo "kernel: $(uname -r), cpus: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
if ((!THROUGHPUT_ONLY)); then
# --- start latency -------------------------------------------------------------------------
json=$WORK/latency.json
PORT=$(free_port)
as_user hyperfine -N --runs "$RUNS" --warmup 3 --export-json "$json" \
  -n none "${SBX[*]} run --rm --network none $IMAGE true" \
  -n slirp4netns "${SBX[*]} run --rm $IMAGE true" \
  -n slirp4netns-p "${SBX[*]} run --rm -p 127.0.0.1:$PORT:80 $IMAGE true" >/dev/null
python3 - "$json" <<'EOF'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = statistics.median(results["none"]["times"]) * 1000
print("start latency, median of %d runs (ms)" % len(results["none"]["times"]))
for name in ("none", "slirp4netns", "slirp4netns-p"):
    m = statistics.median(results[name]["times"]) * 1000
    extra = "" if name == "none" else "  (+%.1f ms over none; target <= 10)" % (m - base)
    print("  %-14s %7.1f%s" % (name, m, extra))
EOF
echo

# Time until the command runs: from spawning `sandbox run` to the first byte the container's
# command prints, without the exit and the teardown the totals above include (slirp4netns's
# exit waits for the kernel to unregister tap0, off-CPU, 15-20 ms here).
as_user python3 - "$RUNS" "$IMAGE" "$PORT" "${SBX[@]}" <<'EOF'
import statistics, subprocess, sys, time
runs, image, port, sbx = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
variants = {"none": ["--network", "none"], "slirp4netns": [],
            "slirp4netns-p": ["-p", "127.0.0.1:%s:80" % port]}
started = {name: [] for name in variants}
for i in range(runs + 3):  # three warm-up rounds
    for name, flags in variants.items():
        t0 = time.perf_counter()
        p = subprocess.Popen(sbx + ["run", "--rm"] + flags + [image, "echo", "x"],
                             stdout=subprocess.PIPE)
        first = p.stdout.read(1)
        t1 = time.perf_counter()
        p.stdout.read()
        if p.wait() != 0 or first != b"x":
            sys.exit("a run of %s failed" % name)
        if i >= 3:
            started[name].append((t1 - t0) * 1000)
base = statistics.median(started["none"])
print("time until the command runs, median of %d runs (ms)" % runs)
for name in variants:
    m = statistics.median(started[name])
    extra = "" if name == "none" else "  (+%.1f ms over none; target <= 10)" % (m - base)
    print("  %-14s %7.1f%s" % (name, m, extra))
EOF
echo
fi

# --- throughput ----------------------------------------------------------------------------
# Pushes zeros to 127.0.0.1:PORT for SECONDS_EACH seconds, then closes.
push() {
  python3 - "$1" "$SECONDS_EACH" <<'EOF'
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
deadline = time.time() + 10
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        if time.time() > deadline: raise
        time.sleep(0.05)
chunk = b"\0" * (1 << 20)
end = time.time() + seconds
while time.time() < end:
    s.sendall(chunk)
s.close()
EOF
}

# measure_throughput NAME COMMAND...: COMMAND runs a container printing the byte count it
# received on 7000.
measure_throughput() {
  local name=$1 port out
  shift
  port=$(free_port)
  out=$WORK/$name.out
  if [[ $1 == as_podman ]]; then
    "${@//PORT/$port}" >"$out" 2>"$WORK/$name.err" &
  else
    as_user "${@//PORT/$port}" >"$out" 2>"$WORK/$name.err" &
  fi
  local pid=$!
  sleep 2  # the container's nc must listen before the first connection
  if ! push "$port" 2>>"$WORK/$name.err"; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf '  %-34s failed (%s)\n' "$name" "$(tail -1 "$WORK/$name.err")"
    return
  fi
  wait "$pid" || true
  local bytes
  bytes=$(tr -dc '0-9' <"$out")
  python3 -c "import sys; b=int(sys.argv[1] or 0); print('  %-34s %8.1f MiB/s  (%d bytes in %s s)' % (sys.argv[2], b/float(sys.argv[3])/2**20, b, sys.argv[3]))" \
    "$bytes" "$name" "$SECONDS_EACH"
  echo "$name ${bytes:-0}" >>"$WORK/throughput.txt"
}

SINK=(sh -c 'nc -l -p 7000 | wc -c')
# The sink on the host side of pasta (no image there): counts one connection's bytes on 7000.
PY_SINK='import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(1); c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    n += len(b)
print(n)'
echo "bulk TCP throughput host -> container through a published port ($SECONDS_EACH s each, $ROUNDS rounds)"
: >"$WORK/throughput.txt"
PODMAN_OK=0
if ((USE_PODMAN)) && command -v podman >/dev/null; then
  if as_podman pull --tls-verify=false "$IMAGE" >/dev/null 2>&1; then
    PODMAN_OK=1
    PODMAN=(as_podman --runtime runc run --rm)
  else
    echo "  podman: cannot pull $IMAGE as $TEST_USER (skipped)"
  fi
else
  echo "  podman: not installed or --no-podman (skipped)"
fi
NET=sbx-net-bench
as_user "${SBX[@]}" network rm -f "$NET" >/dev/null 2>&1 || true
as_user "${SBX[@]}" network create "$NET" >/dev/null
if ((PODMAN_OK)); then
  as_podman network rm -f "$NET" >/dev/null 2>&1 || true
  as_podman network create "$NET" >/dev/null || PODMAN_OK=0
fi
for ((round = 1; round <= ROUNDS; round++)); do
  measure_throughput sandbox-slirp4netns "${SBX[@]}" run --rm -p 127.0.0.1:PORT:7000 "$IMAGE" "${SINK[@]}"
  measure_throughput sandbox-user-network "${SBX[@]}" run --rm --network "$NET" \
    -p 127.0.0.1:PORT:7000 "$IMAGE" "${SINK[@]}"
  if ((PODMAN_OK)); then
    measure_throughput podman-slirp4netns "${PODMAN[@]}" --network slirp4netns:port_handler=slirp4netns \
      -p 127.0.0.1:PORT:7000 "$IMAGE" "${SINK[@]}"
    measure_throughput podman-rootlessport "${PODMAN[@]}" -p 127.0.0.1:PORT:7000 "$IMAGE" "${SINK[@]}"
    measure_throughput podman-network-rootlessport "${PODMAN[@]}" --network "$NET" \
      -p 127.0.0.1:PORT:7000 "$IMAGE" "${SINK[@]}"
  fi
  if command -v pasta >/dev/null; then
    measure_throughput pasta pasta --config-net -t 127.0.0.1/PORT:7000 -- python3 -c "$PY_SINK"
  fi
done
as_user "${SBX[@]}" network rm -f "$NET" >/dev/null || true
if ((PODMAN_OK)); then as_podman network rm -f "$NET" >/dev/null || true; fi
python3 - "$WORK/throughput.txt" "$SECONDS_EACH" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, count = line.split()
    runs.setdefault(name, []).append(int(count) / float(sys.argv[2]) / 2**20)
print("median of the rounds (MiB/s)")
for name, rates in runs.items():
    print("  %-34s %8.1f" % (name, statistics.median(rates)))
if "podman-slirp4netns" in runs:
    ours = statistics.median(runs["sandbox-slirp4netns"])
    theirs = statistics.median(runs["podman-slirp4netns"])
    print("  sandbox / podman-slirp4netns: %.2fx (target >= 1.00x)" % (ours / theirs))
for ours, theirs in (("sandbox-slirp4netns", "podman-rootlessport"),
                     ("sandbox-user-network", "podman-network-rootlessport"),
                     ("sandbox-user-network", "pasta")):
    if ours in runs and theirs in runs:
        target = "" if theirs == "pasta" else " (target >= 1.00x)"
        print("  %s / %s: %.2fx%s" % (ours, theirs,
              statistics.median(runs[ours]) / statistics.median(runs[theirs]), target))
EOF
