#!/bin/bash
# Starts the test rig on 127.0.0.1 (see tests/rig/README.md) and writes $RIG_DIR/rig.env:
#   :5000 anonymous docker-registry       :5001 docker-registry demanding a Bearer token
#   :5002 docker-registry with htpasswd   :5003 the token service for :5001
#   :5004 fault proxy in front of :5000
# The three registries share one storage directory, so an image pushed to :5000 is served by
# all of them. Idempotent: services whose pid file names a live process are reused.
# Run as root (or any user who can write $RIG_DIR); stop with tests/rig/stop.sh.
set -euo pipefail

RIG_DIR=${RIG_DIR:-/var/tmp/sandbox-rig}
RIG_HOST=127.0.0.1
RIG_USER=${RIG_USER:-tester}
RIG_PASSWORD=${RIG_PASSWORD:-testpass}
RIG_TOKEN_ALG=${RIG_TOKEN_ALG:-RS256}  # or ES256
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=/usr/bin/python3  # Debian's, which has python3-jwt (not a pyenv one in PATH)

die() { echo "rig: $*" >&2; exit 1; }
for tool in docker-registry htpasswd openssl curl "$PYTHON"; do
  command -v "$tool" >/dev/null || die "$tool not found (run helpers/install-deps.sh)"
done

mkdir -p "$RIG_DIR"/{pids,logs,data,config,token,auth}
chmod 0755 "$RIG_DIR"

# Keys and credentials, made once.
if [[ ! -s $RIG_DIR/token/cert.pem ]]; then
  if [[ $RIG_TOKEN_ALG == ES256 ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$RIG_DIR/token/key.pem" 2>/dev/null
  else
    openssl genrsa -out "$RIG_DIR/token/key.pem" 2048 2>/dev/null
  fi
  openssl req -new -x509 -key "$RIG_DIR/token/key.pem" -out "$RIG_DIR/token/cert.pem" \
    -days 3650 -subj "/CN=sandbox-rig-token-server" 2>/dev/null
fi
if [[ ! -s $RIG_DIR/auth/htpasswd ]]; then
  htpasswd -Bbn "$RIG_USER" "$RIG_PASSWORD" >"$RIG_DIR/auth/htpasswd"
fi
[[ -s $RIG_DIR/config/http-secret ]] || openssl rand -hex 16 >"$RIG_DIR/config/http-secret"
SECRET=$(cat "$RIG_DIR/config/http-secret")

# registry_config NAME PORT AUTH_YAML
registry_config() {
  cat >"$RIG_DIR/config/$1.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $RIG_DIR/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $RIG_HOST:$2
  secret: $SECRET
$3
EOF
}
registry_config registry-anon 5000 ""
registry_config registry-token 5001 "auth:
  token:
    realm: http://$RIG_HOST:5003/token
    service: sandbox-rig
    issuer: sandbox-rig-token-server
    rootcertbundle: $RIG_DIR/token/cert.pem"
registry_config registry-basic 5002 "auth:
  htpasswd:
    realm: sandbox-rig-basic
    path: $RIG_DIR/auth/htpasswd"

# alive NAME: the pid file names a running process.
alive() {
  local pidfile=$RIG_DIR/pids/$1.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(cat "$pidfile")
  [[ -d /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null &&
    ours "$pid"
}

# ours PID: the process is one of the rig's (guards against a reused pid).
ours() {
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$RIG_DIR/config/"* || $cmdline == *token_server.py* ||
    $cmdline == *fault_proxy.py* ]]
}

# launch NAME COMMAND...: starts it detached unless already running.
launch() {
  local name=$1
  shift
  if alive "$name"; then
    echo "rig: $name already running (pid $(cat "$RIG_DIR/pids/$name.pid"))"
    return
  fi
  setsid "$@" >>"$RIG_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RIG_DIR/pids/$name.pid"
  echo "rig: started $name (pid $!)"
}

# wait_http NAME URL: polls until the URL answers with any HTTP status.
wait_http() {
  local name=$1 url=$2 code
  for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [[ $code != 000 ]] && return 0
    alive "$name" || break
    sleep 0.1
  done
  echo "rig: $name did not answer at $url; last log lines:" >&2
  tail -n 20 "$RIG_DIR/logs/$name.log" >&2 || true
  exit 1
}

launch registry-anon docker-registry serve "$RIG_DIR/config/registry-anon.yml"
launch registry-token docker-registry serve "$RIG_DIR/config/registry-token.yml"
launch registry-basic docker-registry serve "$RIG_DIR/config/registry-basic.yml"
launch token-server "$PYTHON" "$HERE/token_server.py" --listen "$RIG_HOST:5003" \
  --key "$RIG_DIR/token/key.pem" --cert "$RIG_DIR/token/cert.pem" \
  --service sandbox-rig --issuer sandbox-rig-token-server \
  --user "$RIG_USER" --password "$RIG_PASSWORD"
launch fault-proxy "$PYTHON" "$HERE/fault_proxy.py" --listen "$RIG_HOST:5004" \
  --upstream "$RIG_HOST:5000"

wait_http registry-anon "http://$RIG_HOST:5000/v2/"
wait_http registry-token "http://$RIG_HOST:5001/v2/"
wait_http registry-basic "http://$RIG_HOST:5002/v2/"
wait_http token-server "http://$RIG_HOST:5003/token"
wait_http fault-proxy "http://$RIG_HOST:5004/_rig/health"

# A port taken by someone else (e.g. Debian's own docker-registry.service on :5000) answers the
# polls above while ours exits: check that ours are still running.
sleep 0.3
for name in registry-anon registry-token registry-basic token-server fault-proxy; do
  if ! alive "$name"; then
    echo "rig: $name exited; last log lines:" >&2
    tail -n 5 "$RIG_DIR/logs/$name.log" >&2 || true
    die "$name is not running (is its port in use? systemctl stop docker-registry)"
  fi
done

cat >"$RIG_DIR/rig.env.tmp" <<EOF
# Written by tests/rig/start.sh; read by the integration tests (tests/integration/harness.cpp).
RIG_DIR=$RIG_DIR
REGISTRY=$RIG_HOST:5000
REGISTRY_TOKEN=$RIG_HOST:5001
TOKEN_SERVER=$RIG_HOST:5003
REGISTRY_BASIC=$RIG_HOST:5002
FAULT_PROXY=$RIG_HOST:5004
RIG_USER=$RIG_USER
RIG_PASSWORD=$RIG_PASSWORD
TOKEN_SERVICE=sandbox-rig
TOKEN_REALM=http://$RIG_HOST:5003/token
EOF
chmod 0644 "$RIG_DIR/rig.env.tmp"
mv "$RIG_DIR/rig.env.tmp" "$RIG_DIR/rig.env"
echo "rig: ready ($RIG_DIR/rig.env)"
