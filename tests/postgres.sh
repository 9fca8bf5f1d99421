#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the tests (installing Debian's
# postgresql package when it is missing) and prints its admin connection string.
#   tests/postgres.sh start   # idempotent: reuses a running cluster
#   tests/postgres.sh stop
# KEYPORTAL_PG_PORT and KEYPORTAL_PG_DIR choose another cluster; KEYPORTAL_PG_KEEP=1 keeps its data
# from one start to the next, with durable settings (./run.sh --postgres).
# The throwaway cluster trusts every connection over 127.0.0.1: it holds nothing but test data, is
# wiped at each start and runs without fsync. A kept cluster holds data worth keeping: its postgres
# role has a generated password (scram-sha-256, in DIR/password, mode 0600), which the printed
# connection string carries with "Require Auth=ScramSHA256" (no server can ask for the password in
# clear), and a server already on its port is reused only if it answers on the cluster's own socket
# in DIR (mode 0700) and names DIR as its data directory.
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

PASSWORD_FILE="$DIR/password"

connection_string() {
  local password=""
  if [ "$KEEP" = 1 ]; then password="Password=$(cat "$PASSWORD_FILE");Require Auth=ScramSHA256;"; fi
  echo "Host=127.0.0.1;Port=$PORT;Username=postgres;${password}Database=postgres;Pooling=true;Maximum Pool Size=50"
}

# A password of hex digits: nothing a connection string or a shell would read specially.
new_password() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

# Gives the kept cluster's postgres role a new password (the server stopped): in PostgreSQL's
# single-user mode, which needs no connection and so no authentication.
set_password() {
  local bin="$1" password; password="$(new_password)"
  (umask 077; printf '%s' "$password" > "$PASSWORD_FILE.new")
  echo "ALTER ROLE postgres PASSWORD '$password';" \
    | run_pg "$bin/postgres" --single -D "$DIR/data" -c password_encryption=scram-sha-256 postgres >/dev/null 2>&1
  mv "$PASSWORD_FILE.new" "$PASSWORD_FILE"
}

# The kept cluster asks every connection for the password; its socket directory is its own.
require_passwords() {
  run_pg sh -c 'printf "%s\n" "local all all scram-sha-256" "host all all 127.0.0.1/32 scram-sha-256" > "$1/data/pg_hba.conf"' sh "$DIR"
}

# Whether the server answering on PORT is the kept cluster in DIR (and not someone else's). It is
# asked over the socket in DIR, which only the cluster's own server can have made, so the password
# goes to no other listener.
is_this_cluster() {
  [ -f "$PASSWORD_FILE" ] && [ -S "$DIR/.s.PGSQL.$PORT" ] || return 1
  local directory
  directory="$(PGPASSWORD="$(cat "$PASSWORD_FILE")" PGCONNECT_TIMEOUT=5 "$(pg_bin)/psql" -X -w -At -h "$DIR" -p "$PORT" -U postgres -d postgres \
    -c "SHOW data_directory" 2>/dev/null)" || return 1
  [ "$directory" = "$(readlink -f "$DIR/data")" ]
}

start() {
  ensure_installed
  local bin; bin="$(pg_bin)"
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    if [ "$KEEP" = 1 ] && ! is_this_cluster; then
      echo "A PostgreSQL server already listens on 127.0.0.1:$PORT and it is not the cluster in $DIR; stop it or choose another port (KEYPORTAL_PG_PORT)." >&2
      exit 1
    fi
    connection_string; return
  fi
  local settings="-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300"
  if [ "$KEEP" = 1 ] && [ -f "$DIR/data/PG_VERSION" ]; then
    # The kept cluster starts as it is; one made before it had a password gets one now.
    chmod 0700 "$DIR"
    if [ ! -f "$PASSWORD_FILE" ]; then set_password "$bin"; fi
    require_passwords
  elif [ "$KEEP" = 1 ] && [ -e "$DIR/data" ]; then
    echo "$DIR/data exists but is no PostgreSQL cluster; move it away and start again." >&2
    exit 1
  elif [ "$KEEP" = 1 ]; then
    mkdir -p "$DIR"; chmod 0700 "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
    local password; password="$(new_password)"
    # initdb reads the password from a file of its own user's, deleted once it has.
    printf '%s' "$password" | run_pg sh -c 'umask 077; cat > "$1"' sh "$DIR/initdb-password"
    run_pg "$bin/initdb" -D "$DIR/data" -U postgres -A scram-sha-256 --pwfile="$DIR/initdb-password" -E UTF8 >/dev/null
    rm -f "$DIR/initdb-password"
    (umask 077; printf '%s' "$password" > "$PASSWORD_FILE")
    require_passwords
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
