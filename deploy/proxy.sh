#!/usr/bin/env bash
# A real reverse proxy (Debian's nginx) in front of several instances of each app, on loopback:
# round robin, X-Forwarded-For/-Proto/-Host set, a dead instance taken out of the rotation, and
# with KEYPORTAL_PROXY_SHOW_UPSTREAM=1 the serving instance named in the response header
# X-Upstream (a demo and test aid; it tells anyone the instances' addresses, so it is off unless
# asked for). Started as root, its workers run as nobody. Installs nginx when it is missing.
#   deploy/proxy.sh start DIR 5000=5010,5011 5001=5020,5021 ...   # front port = instance ports
#   deploy/proxy.sh stop DIR
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_installed() {
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then return; fi
  echo "Installing the reverse proxy (Debian package nginx-light)..." >&2
  # The package starts a system nginx on port 80 unless told otherwise; ours runs on its own.
  local policy=/usr/sbin/policy-rc.d own=false log
  if [ ! -e "$policy" ]; then as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"; own=true; fi
  log="$(mktemp)"
  local status=0
  { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light; } >"$log" 2>&1 || status=$?
  if [ "$own" = true ]; then as_root rm -f "$policy"; fi
  if [ "$status" -ne 0 ]; then cat "$log" >&2; echo "Could not install nginx." >&2; exit "$status"; fi
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

# As root, nginx reads DIR's configuration (and signals DIR's pid) with root's rights: DIR must be
# given as its real path (no link in it anywhere), and DIR and every folder above it must belong to
# root and be writable by no one else (a sticky folder above DIR, such as /tmp, excepted).
require_own_directory() {
  [ "$(id -u)" = 0 ] || return 0
  local path; path="$(cd "$1" && pwd -P)"
  if [ "$path" != "$1" ]; then
    echo "nginx runs as root only from a directory given by its real path: $1 is $path (a link or a relative path); give $path, or another directory." >&2
    exit 1
  fi
  local first=true
  while :; do
    local owner mode; owner="$(stat -c %u "$path")"; mode="$(stat -c %a "$path")"
    if [ "$owner" != 0 ] || { [ $((8#$mode & 8#022)) -ne 0 ] && { [ "$first" = true ] || [ $((8#$mode & 8#1000)) -eq 0 ]; }; }; then
      echo "nginx runs as root only from a directory no one else can change: $path is not (owner $(stat -c %U "$path"), mode $mode). Use another directory, or remove $1 and start again." >&2
      exit 1
    fi
    [ "$path" = / ] && break
    path="$(dirname "$path")"; first=false
  done
}

start() {
  local dir="$1"; shift
  ensure_installed
  mkdir -p "$dir"
  # A directory made under a permissive umask is closed before stop checks it.
  if [ "$(id -u)" = 0 ] && [ ! -L "$dir" ]; then chmod go-w "$dir"; fi
  stop "$dir"
  local conf="$dir/nginx.conf"
  if [ "$(id -u)" = 0 ]; then
    # The workers' temporary files (none are expected: see the buffers below) go where no one else may write.
    rm -rf "$dir/tmp"; mkdir -m 0700 "$dir/tmp"; chown -h nobody:nogroup "$dir/tmp"
  else
    mkdir -p "$dir/tmp"
  fi
  {
    if [ "$(id -u)" = 0 ]; then echo "user nobody nogroup;"; fi
    echo "worker_processes 1;"
    echo "pid $dir/nginx.pid;"
    # Request lines carry emailed link tokens (/activate/<token>, /reset/<token>): no access log,
    # and errors only from crit up (nginx quotes the request line in upstream errors).
    echo "error_log $dir/error.log crit;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log off;"
    for temp in client_body proxy fastcgi uwsgi scgi; do echo "  ${temp}_temp_path $dir/tmp/$temp;"; done
    for mapping in "$@"; do
      local front="${mapping%%=*}" backs="${mapping#*=}"
      echo "  upstream app_$front {"
      for back in ${backs//,/ }; do echo "    server 127.0.0.1:$back max_fails=1 fail_timeout=3s;"; done
      echo "    keepalive 64;"
      echo "  }"
      echo "  server {"
      echo "    listen 127.0.0.1:$front;"
      # Bodies and responses stay in memory, so workers never need a path they may not reach.
      echo "    client_max_body_size 10m;"
      echo "    client_body_buffer_size 10m;"
      echo "    location / {"
      echo "      proxy_pass http://app_$front;"
      echo "      proxy_http_version 1.1;"
      echo "      proxy_set_header Connection \"\";"
      echo "      proxy_set_header Host \$http_host;"
      # Appends the peer's address: the apps take the last entry, so a client cannot choose it.
      echo "      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
      echo "      proxy_set_header X-Forwarded-Proto \$scheme;"
      echo "      proxy_set_header X-Forwarded-Host \$http_host;"
      # A request that could not reach an instance goes to the next (nginx never resends a POST it already sent).
      echo "      proxy_next_upstream error timeout;"
      echo "      proxy_connect_timeout 2s;"
      echo "      proxy_buffer_size 32k;"
      echo "      proxy_buffers 8 32k;"
      echo "      proxy_max_temp_file_size 0;"
      if [ "${KEYPORTAL_PROXY_SHOW_UPSTREAM:-0}" = 1 ]; then echo "      add_header X-Upstream \$upstream_addr always;"; fi
      echo "    }"
      echo "  }"
    done
    echo "}"
  } > "$conf"
  "$(nginx_bin)" -t -q -c "$conf" -p "$dir" 2>&1 | grep -v "could not open error log file" >&2 || true
  "$(nginx_bin)" -c "$conf" -p "$dir"
}

stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  require_own_directory "$dir"
  if [ -f "$dir/nginx.pid" ]; then
    "$(nginx_bin)" -c "$dir/nginx.conf" -p "$dir" -s stop 2>/dev/null || kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do [ -f "$dir/nginx.pid" ] || break; sleep 0.1; done
  fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$1" ;;
  *) echo "usage: $0 start DIR FRONT=BACK[,BACK...]... | stop DIR" >&2; exit 2 ;;
esac
