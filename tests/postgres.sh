#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the tests (installing Debian's
# postgresql package when it is missing) and prints its admin connection string.
#   tests/postgres.sh start   # idempotent: reuses a running cluster
#   tests/postgres.sh stop
# KEYPORTAL_PG_PORT and KEYPORTAL_PG_DIR choose another cluster; KEYPORTAL_PG_KEEP=1 keeps its data
# from one start to the next, with durable settings (./run.sh --postgres).
set -euo pipefail

PORT="${KEYPORTAL_PG_PORT:-55432}"
DIR="${KEYPORTAL_PG_DIR:-/tmp/keyportal-pg}"
KEEP="${KEYPORTAL_PG_KEEP:-0}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

ensure_installed() {
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    echo "Installing PostgreSQL (Debian package postgresql)..." >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
}

# PostgreSQL refuses to run as root: use the postgres account the package creates.
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

connection_string() { echo "Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"; }

start() {
  ensure_installed
  local bin; bin="$(pg_bin)"
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then connection_string; return; fi
  local settings="-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300"
  if [ "$KEEP" = 1 ] && [ -f "$DIR/data/PG_VERSION" ]; then
    : # the kept cluster starts as it is
  elif [ "$KEEP" = 1 ] && [ -e "$DIR/data" ]; then
    echo "$DIR/data exists but is no PostgreSQL cluster; move it away and start again." >&2
    exit 1
  else
    rm -rf "$DIR"; mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
    run_pg "$bin/initdb" -D "$DIR/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
  fi
  # Durability is irrelevant for a throwaway test cluster; speed is not.
  if [ "$KEEP" != 1 ]; then settings="$settings -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  run_pg "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 -o "$settings" start >/dev/null
  connection_string
}

stop() {
  local bin; bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -d "$DIR/data" ]; then run_pg "$bin/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null || true; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
