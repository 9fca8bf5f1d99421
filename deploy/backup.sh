#!/usr/bin/env bash
# Backs up the product's PostgreSQL database to one pg_dump archive (custom format).
#   deploy/backup.sh "<Npgsql connection string>" FILE
# The connection string is the apps' Database:ConnectionString, e.g.
#   "Host=db.internal;Port=5432;Database=keyportal;Username=keyportal;Password=..."
# Keys are case-insensitive (Host/Server, Port, Database/DB, Username/User Id/UID,
# Password/PWD, SSL Mode, Root Certificate, Target Session Attributes); values may be quoted
# with ' or " (a doubled quote inside stands for one). Host may list several hosts, each with
# an optional :port. Defaults: Host=127.0.0.1, Port=5432, Username=postgres; Database is
# required. Other keys (Pooling, Maximum Pool Size, ...) are ignored.
# The dump is a consistent snapshot, so it can be taken while the apps run. The file is
# written with mode 0600 (it holds password hashes and the encrypted data-protection key
# ring) and only replaces FILE once pg_dump has succeeded. The key files of the identity
# provider and the data-protection certificate are not in the database: back them up apart.
set -euo pipefail

usage() { echo "usage: deploy/backup.sh \"<Npgsql connection string>\" FILE" >&2; exit 2; }
fail() { echo "backup.sh: $*" >&2; exit 1; }

# --- Npgsql connection string -> libpq settings (the same parser is in restore.sh) ---------
PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres PG_PASSWORD="" PG_DATABASE=""
PG_SSLMODE="" PG_ROOTCERT="" PG_TARGET=""

trim() { local v="$1"; v="${v#"${v%%[![:space:]]*}"}"; v="${v%"${v##*[![:space:]]}"}"; printf '%s' "$v"; }

parse_connection_string() {
  local s="$1" n=${#1} i=0 key value quote c
  while [ "$i" -lt "$n" ]; do
    key=""
    while [ "$i" -lt "$n" ] && [ "${s:i:1}" != "=" ]; do
      if [ "${s:i:1}" = ";" ]; then
        [ -z "$(trim "$key")" ] || fail "connection string: \"$(trim "$key")\" has no value (expected Key=Value;...)"
        key=""; i=$((i + 1)); continue
      fi
      key+="${s:i:1}"; i=$((i + 1))
    done
    key="$(trim "$key")"
    if [ "$i" -ge "$n" ]; then
      [ -z "$key" ] || fail "connection string: \"$key\" has no value (expected Key=Value;...)"
      break
    fi
    i=$((i + 1)) # '='
    while [ "$i" -lt "$n" ] && [[ "${s:i:1}" =~ [[:space:]] ]]; do i=$((i + 1)); done
    value=""
    c="${s:i:1}"
    if [ "$c" = "'" ] || [ "$c" = '"' ]; then
      quote="$c"; i=$((i + 1))
      while :; do
        [ "$i" -lt "$n" ] || fail "connection string: the value of \"$key\" has no closing $quote"
        c="${s:i:1}"
        if [ "$c" = "$quote" ]; then
          if [ "${s:i+1:1}" = "$quote" ]; then value+="$quote"; i=$((i + 2)); continue; fi
          i=$((i + 1)); break
        fi
        value+="$c"; i=$((i + 1))
      done
      while [ "$i" -lt "$n" ] && [[ "${s:i:1}" =~ [[:space:]] ]]; do i=$((i + 1)); done
      [ "$i" -ge "$n" ] || [ "${s:i:1}" = ";" ] || fail "connection string: unexpected text after the quoted value of \"$key\""
    else
      while [ "$i" -lt "$n" ] && [ "${s:i:1}" != ";" ]; do value+="${s:i:1}"; i=$((i + 1)); done
      value="$(trim "$value")"
    fi
    i=$((i + 1)) # ';'
    [ -n "$key" ] || fail "connection string: a value without a key"
    case "$(printf '%s' "$key" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" in
      host|server) PG_HOST="$value" ;;
      port) PG_PORT="$value" ;;
      database|db) PG_DATABASE="$value" ;;
      username|userid|uid|user) PG_USER="$value" ;;
      password|pwd|psw) PG_PASSWORD="$value" ;;
      sslmode) PG_SSLMODE="$value" ;;
      rootcertificate) PG_ROOTCERT="$value" ;;
      targetsessionattributes) PG_TARGET="$value" ;;
      *) ;; # pooling, timeouts and the like mean nothing to pg_dump
    esac
  done
  [ -n "$PG_HOST" ] || PG_HOST=127.0.0.1
  [ -n "$PG_PORT" ] || PG_PORT=5432
  [ -n "$PG_USER" ] || PG_USER=postgres
  [[ "$PG_PORT" =~ ^[0-9]+$ ]] || fail "connection string: Port \"$PG_PORT\" is not a number"
  [ -n "$PG_DATABASE" ] || fail "connection string: Database is missing"
}

# Npgsql's "Host=a:5433,b" becomes libpq's host "a,b" and port "5433,<Port>".
PG_HOSTS="" PG_PORTS="" PG_HOST_COUNT=0
split_hosts() {
  local entry host port entries=() hosts=() ports=()
  IFS=',' read -r -a entries <<< "$PG_HOST"
  for entry in "${entries[@]}"; do
    entry="$(trim "$entry")"; host="$entry"; port="$PG_PORT"
    if [[ "$entry" =~ ^\[(.*)\](:([0-9]+))?$ ]]; then           # [IPv6] or [IPv6]:port
      host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[3]:-$PG_PORT}"
    elif [[ "$entry" =~ ^([^:]+):([0-9]+)$ ]]; then              # name:port (one colon)
      host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[2]}"
    fi
    [ -n "$host" ] || fail "connection string: an empty entry in Host"
    hosts+=("$host"); ports+=("$port")
  done
  PG_HOST_COUNT=${#hosts[@]}
  PG_HOSTS="$(IFS=,; echo "${hosts[*]}")"
  PG_PORTS="$(IFS=,; echo "${ports[*]}")"
}

# Settings libpq reads from the environment; the password never appears on a command line.
export_libpq_settings() {
  if [ -n "$PG_PASSWORD" ]; then export PGPASSWORD="$PG_PASSWORD"; fi
  if [ -n "$PG_SSLMODE" ]; then
    case "$(printf '%s' "$PG_SSLMODE" | tr -d '[:space:]-' | tr '[:upper:]' '[:lower:]')" in
      disable) export PGSSLMODE=disable ;;
      allow) export PGSSLMODE=allow ;;
      prefer) export PGSSLMODE=prefer ;;
      require) export PGSSLMODE=require ;;
      verifyca) export PGSSLMODE=verify-ca ;;
      verifyfull) export PGSSLMODE=verify-full ;;
      *) fail "connection string: unknown SSL Mode \"$PG_SSLMODE\"" ;;
    esac
  fi
  if [ -n "$PG_ROOTCERT" ]; then export PGSSLROOTCERT="$PG_ROOTCERT"; fi
  if [ -n "$PG_TARGET" ]; then
    case "$(printf '%s' "$PG_TARGET" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" in
      any|prefer-primary|preferprimary) ;; # libpq's default: the hosts in order
      primary) export PGTARGETSESSIONATTRS=primary ;;
      standby) export PGTARGETSESSIONATTRS=standby ;;
      prefer-standby|preferstandby) export PGTARGETSESSIONATTRS=prefer-standby ;;
      read-write|readwrite) export PGTARGETSESSIONATTRS=read-write ;;
      read-only|readonly) export PGTARGETSESSIONATTRS=read-only ;;
      *) fail "connection string: unknown Target Session Attributes \"$PG_TARGET\"" ;;
    esac
  fi
}
# ------------------------------------------------------------------------------------------

[ $# -eq 2 ] || usage
CONNECTION="$1" FILE="$2"
[ -n "$FILE" ] || usage
command -v pg_dump >/dev/null 2>&1 \
  || fail "pg_dump not found. Install the PostgreSQL client tools (Debian: postgresql-client), of the server's major version or newer."

parse_connection_string "$CONNECTION"
split_hosts
export_libpq_settings

DIR="$(dirname -- "$FILE")"
[ -d "$DIR" ] || fail "directory $DIR does not exist"
umask 077
TMP="$(mktemp "$DIR/.$(basename -- "$FILE").partial.XXXXXX")"
trap 'rm -f -- "$TMP"' EXIT

pg_dump --format=custom --no-owner --no-password \
  --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$PG_DATABASE" \
  --file "$TMP" \
  || fail "pg_dump failed; $FILE was not written."
mv -f -- "$TMP" "$FILE"
trap - EXIT

BYTES="$(wc -c < "$FILE" | tr -d '[:space:]')"
echo "Backed up $PG_DATABASE to $FILE ($BYTES bytes)."
