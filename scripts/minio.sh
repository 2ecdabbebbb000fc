#!/usr/bin/env bash
# MinIO (S3 API) on loopback, for the integration tests of locks/http and examples/s3.
#   scripts/minio.sh start|stop     env: PORT (19000), STATE (/tmp/le-minio), MINIO_VERSION (pinned below)
# start installs MinIO with `go install` at a pinned version when $(go env GOPATH)/bin/minio is missing
# (about 7 minutes cold), starts it on 127.0.0.1:$PORT with its data under $STATE (root user
# minioadmin/minioadmin), waits for /minio/health/ready, and makes two buckets:
#   locks   anonymous read/write (bucket policy), so plain unsigned HTTP works at
#           http://127.0.0.1:$PORT/locks/<key>
#   signed  private: every request must be signed with SigV4 (examples/s3 does so)
# stop kills that MinIO, waits for it to exit, and removes $STATE.
#
# Facts (see README, "Stores"): If-Match on a missing key answers 404 (as S3 does), not 412; DELETE
# ignores If-Match (deletes anyway); ETags are MD5 hashes of the content.
set -euo pipefail
PORT=${PORT:-19000}
STATE=${STATE:-/tmp/le-minio}
MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}   # what @latest resolved to on 2026-11-25
BIN=$(go env GOPATH)/bin/minio
case ${1:-start} in
start)
  [ -x "$BIN" ] || { echo "installing MinIO $MINIO_VERSION with go install (several minutes)..."; go install "github.com/minio/minio@$MINIO_VERSION"; }
  mkdir -p "$STATE/data"
  MINIO_ROOT_USER=minioadmin MINIO_ROOT_PASSWORD=minioadmin MINIO_BROWSER=off MINIO_UPDATE=off \
    "$BIN" server --quiet --address "127.0.0.1:$PORT" --console-address "127.0.0.1:$((PORT+1))" "$STATE/data" \
    >"$STATE/server.log" 2>&1 &
  echo $! >"$STATE/pid"
  ready=
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/minio/health/ready")" = 200 ] && { ready=1; break; }
    sleep 0.2
  done
  [ -n "$ready" ] || { echo "minio did not get ready on 127.0.0.1:$PORT; see $STATE/server.log" >&2; exit 1; }
  S=(--aws-sigv4 aws:amz:us-east-1:s3 --user minioadmin:minioadmin -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
  for b in locks signed; do
    curl -s -o /dev/null -X PUT "${S[@]}" "http://127.0.0.1:$PORT/$b"   # 409 if it already exists
  done
  curl -sf -X PUT "${S[@]}" "http://127.0.0.1:$PORT/locks?policy=" --data-binary \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::locks/*"]}]}'
  echo "minio ready: http://127.0.0.1:$PORT/locks/ (anonymous), http://127.0.0.1:$PORT/signed/ (SigV4, minioadmin/minioadmin) (pid $(cat "$STATE/pid"))" ;;
stop)
  if [ -f "$STATE/pid" ]; then
    pid=$(cat "$STATE/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$STATE" ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
