#!/usr/bin/env bash
# etcd (Debian's etcd-server package, 3.4) on loopback, for the integration
# tests of examples/etcd.
#   scripts/etcd.sh start|stop        env: PORT (default 12379), STATE (default /tmp/le-etcd)
# start installs etcd-server with apt-get when etcd is missing, starts it with
# its data under $STATE, waits until /health answers, and prints its URL.
# stop kills the etcd it started, waits for it to exit, and removes $STATE.
set -euo pipefail
PORT=${PORT:-12379}
STATE=${STATE:-/tmp/le-etcd}
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
case ${1:-start} in
start)
  if ! command -v etcd >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
  fi
  mkdir -p "$STATE"
  etcd --name le --data-dir "$STATE/data" \
    --listen-client-urls "http://127.0.0.1:$PORT" --advertise-client-urls "http://127.0.0.1:$PORT" \
    --listen-peer-urls "http://127.0.0.1:$((PORT+1))" --initial-advertise-peer-urls "http://127.0.0.1:$((PORT+1))" \
    --initial-cluster "le=http://127.0.0.1:$((PORT+1))" >"$STATE/server.log" 2>&1 &
  echo $! >"$STATE/pid"
  for _ in $(seq 100); do
    if curl -s "http://127.0.0.1:$PORT/health" | grep -q '"health":"true"'; then
      echo "etcd ready: http://127.0.0.1:$PORT (pid $(cat "$STATE/pid"))"
      exit 0
    fi
    kill -0 "$(cat "$STATE/pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "etcd did not become ready on port $PORT; its log:" >&2
  cat "$STATE/server.log" >&2
  exit 1 ;;
stop)
  if [ -f "$STATE/pid" ]; then
    pid=$(cat "$STATE/pid")
    kill "$pid" 2>/dev/null || true
    # Wait until it has exited (a zombie left unreaped counts as exited),
    # so that the ports are free for the next start.
    for _ in $(seq 100); do
      ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z || break
      sleep 0.1
    done
  fi
  rm -rf "$STATE" ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2 ;;
esac
