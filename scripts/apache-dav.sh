#!/usr/bin/env bash
# Apache httpd + mod_dav_fs on loopback, for the integration tests of locks/http.
#   scripts/apache-dav.sh start|stop     env: PORT (18080), STATE (/tmp/le-apache-dav), SERIAL (1), ETAGS (digest)
# start installs Debian's apache2 with apt-get when it is missing, writes a config under $STATE, starts
# httpd, waits until it answers, and prints its URL: files PUT under http://127.0.0.1:$PORT/ are stored.
# stop stops that httpd, waits for it to exit, and removes $STATE.
#
# Facts (see README, "Stores"): Apache's default ETags (MTime Size) are WEAK for about a second after a
# write, and a weak ETag never satisfies If-Match; ETAGS=digest (the default) sets `FileETag Digest`,
# which gives strong content-hash ETags. ETAGS=default keeps Apache's default (the probe refuses it).
# mod_dav_fs checks the precondition and writes in two steps: with the threaded worker 2-3 PUTs win one
# If-Match round; SERIAL=1 (the default) runs ONE prefork worker, so requests never interleave.
set -euo pipefail
PORT=${PORT:-18080}
STATE=${STATE:-/tmp/le-apache-dav}
SERIAL=${SERIAL:-1}
ETAGS=${ETAGS:-digest}
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
case ${1:-start} in
start)
  if [ ! -x /usr/sbin/apache2 ]; then
    $SUDO apt-get update -qq
    $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends apache2 >/dev/null
  fi
  mkdir -p "$STATE"/{dav,lock}
  M=/usr/lib/apache2/modules
  if [ "$SERIAL" = 1 ]; then MPM="LoadModule mpm_prefork_module $M/mod_mpm_prefork.so
StartServers 1
MinSpareServers 1
MaxSpareServers 1
ServerLimit 1
MaxRequestWorkers 1
KeepAlive Off"; else MPM="LoadModule mpm_event_module $M/mod_mpm_event.so"; fi
  RUNAS=; if [ "$(id -u)" = 0 ]; then RUNAS="User www-data
Group www-data"; chown -R www-data:www-data "$STATE"/dav "$STATE"/lock; fi
  FILEETAG="FileETag Digest"; [ "$ETAGS" = digest ] || FILEETAG="# FileETag: Apache's default (weak right after a write)"
  cat >"$STATE/httpd.conf" <<CONF
ServerRoot $STATE
ServerName localhost
Listen 127.0.0.1:$PORT
PidFile $STATE/httpd.pid
ErrorLog $STATE/error.log
$MPM
$RUNAS
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule dav_module $M/mod_dav.so
LoadModule dav_fs_module $M/mod_dav_fs.so
DAVLockDB $STATE/lock/DAVLock
$FILEETAG
DocumentRoot $STATE/dav
<Directory $STATE/dav>
  Dav On
  Require all granted
</Directory>
CONF
  /usr/sbin/apache2 -f "$STATE/httpd.conf" -k start
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && { echo "apache dav ready: http://127.0.0.1:$PORT/ (pid $(cat "$STATE/httpd.pid"))"; exit 0; }
    sleep 0.1
  done
  echo "apache dav did not answer on 127.0.0.1:$PORT; see $STATE/error.log" >&2; exit 1 ;;
stop)
  [ -f "$STATE/httpd.conf" ] && /usr/sbin/apache2 -f "$STATE/httpd.conf" -k stop 2>/dev/null || true
  for _ in $(seq 100); do [ -e "$STATE/httpd.pid" ] || break; sleep 0.1; done
  rm -rf "$STATE" ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
