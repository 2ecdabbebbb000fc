#!/usr/bin/env bash
# Integration tests of locks/http against real third-party stores on loopback:
#   - core/locktest against Apache httpd + mod_dav (FileETag Digest, one prefork worker) and MinIO
#   - the probe refusing Apache with its default, weak ETags
#   - the watch falling back to polling on stores that do not long-poll; S3's 404 on If-Match
#   - examples/s3 against MinIO's private bucket, every request signed with SigV4
# Installs what is missing (apt-get install apache2; go install MinIO, ~7 min the first time), starts
# the servers with scripts/apache-dav.sh and scripts/minio.sh, runs the tests, and stops the servers.
#   scripts/integration-http.sh [go test flags...]
#   env: DAV_PORT (18080), DAV_WEAK_PORT (18081), MINIO_PORT (19000)
set -euo pipefail
cd "$(dirname "$0")/.."
DAV_PORT=${DAV_PORT:-18080}
DAV_WEAK_PORT=${DAV_WEAK_PORT:-18081}
MINIO_PORT=${MINIO_PORT:-19000}
dav()      { PORT=$DAV_PORT      STATE=/tmp/le-it-dav      scripts/apache-dav.sh "$1"; }
dav_weak() { PORT=$DAV_WEAK_PORT STATE=/tmp/le-it-dav-weak ETAGS=default scripts/apache-dav.sh "$1"; }
minio()    { PORT=$MINIO_PORT    STATE=/tmp/le-it-minio    scripts/minio.sh "$1"; }
stop_all() { dav stop || true; dav_weak stop || true; minio stop || true; }
trap stop_all EXIT
dav start
dav_weak start
minio start

export LE_DAV_URL="http://127.0.0.1:$DAV_PORT/"
export LE_DAV_WEAK_URL="http://127.0.0.1:$DAV_WEAK_PORT/"
export LE_S3_URL="http://127.0.0.1:$MINIO_PORT/locks/"
export LE_S3_SIGNED_URL="http://127.0.0.1:$MINIO_PORT/signed/"
export AWS_ACCESS_KEY_ID=minioadmin AWS_SECRET_ACCESS_KEY=minioadmin AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

echo "== go test ./locks/http/ -run Integration"
go test -count=1 -run Integration -v "$@" ./locks/http/ 2>&1 | grep -vE '^=== (RUN|PAUSE|CONT)'
echo "== examples/s3 (SigV4 through the request hook) against MinIO's private bucket"
(cd examples/s3 && go test -count=1 -v "$@" . && go run . -url "${LE_S3_SIGNED_URL}example" -id ci -hold 1s)
