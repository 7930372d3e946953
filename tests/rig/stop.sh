#!/bin/bash
# Stops the services tests/rig/start.sh started: only the pids in $RIG_DIR/pids/.
# Keeps the registries' storage and keys; pass --purge to delete $RIG_DIR as well.
set -euo pipefail

RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}

for pidfile in "$RIG_DIR"/pids/*.pid; do
  [[ -e $pidfile ]] || continue
  name=$(basename "$pidfile" .pid)
  pid=$(cat "$pidfile")
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  # Only the rig's own processes (a stale pid file may name a reused pid).
  if [[ $pid =~ ^[0-9]+$ ]] && [[ $cmdline == *"$RIG_DIR/config/"* ||
    $cmdline == *token_server.py* || $cmdline == *fault_proxy.py* ]]; then
    kill "$pid" || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
    echo "rig: stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
done
rm -f "$RIG_DIR/rig.env"

if [[ ${1:-} == --purge ]]; then
  rm -rf "$RIG_DIR"
  echo "rig: removed $RIG_DIR"
fi
