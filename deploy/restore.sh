#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh (a pg_dump custom-format archive).
#   deploy/restore.sh "<Npgsql connection string>" FILE [--force]
# The connection string names the target database (Database=...); it is parsed as in
# backup.sh. The database is created (from template0, through the database postgres) when it
# does not exist. A database that already has tables is refused, unless --force is given as the
# third argument: then it is dropped (disconnecting its sessions) and created afresh. Stop every
# instance of the three apps first. The archive is restored in one transaction: on an error
# nothing of it is left behind. The user needs the right to create databases (or an empty
# target database it owns), and owns every restored object (--no-owner).
# Afterwards run `KeyPortal.Admin migrate` when the release is newer than the backup.
set -euo pipefail

usage() { echo "usage: deploy/restore.sh \"<Npgsql connection string>\" FILE [--force]" >&2; exit 2; }
fail() { echo "restore.sh: $*" >&2; exit 1; }

# --- Npgsql connection string -> libpq settings (the same parser is in backup.sh) ---------
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
      *) ;; # pooling, timeouts and the like mean nothing to the client tools
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

[ $# -eq 2 ] || [ $# -eq 3 ] || usage
CONNECTION="$1" FILE="$2" FORCE=false
if [ $# -eq 3 ]; then [ "$3" = "--force" ] || usage; FORCE=true; fi
[ -n "$FILE" ] || usage
for tool in psql pg_restore; do
  command -v "$tool" >/dev/null 2>&1 \
    || fail "$tool not found. Install the PostgreSQL client tools (Debian: postgresql-client), of the server's major version or newer."
done
[ -f "$FILE" ] && [ -r "$FILE" ] || fail "$FILE is not a readable file"
pg_restore --list "$FILE" >/dev/null 2>&1 || fail "$FILE is not a pg_dump custom-format archive (as deploy/backup.sh writes)"

parse_connection_string "$CONNECTION"
split_hosts
export_libpq_settings
# Of several hosts, only one that takes writes will do.
if [ "$PG_HOST_COUNT" -gt 1 ] && [ -z "${PGTARGETSESSIONATTRS:-}" ]; then export PGTARGETSESSIONATTRS=read-write; fi

# psql on DATABASE with the statement on stdin (psql interpolates :'db' and :"db" only there).
sql() {
  local database="$1" statement="$2"
  psql -X -q -w -At -v ON_ERROR_STOP=1 -v db="$PG_DATABASE" \
    --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$database" <<< "$statement"
}

EXISTS="$(sql postgres "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = :'db';")" \
  || fail "could not connect to the database postgres on $PG_HOSTS"
if [ "$EXISTS" != 0 ]; then
  TABLES="$(sql "$PG_DATABASE" "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema');")" \
    || fail "could not connect to the database $PG_DATABASE"
  if [ "$FORCE" = true ]; then
    echo "Dropping the database $PG_DATABASE ($TABLES tables) to restore $FILE into it afresh..." >&2
    VERSION="$(sql postgres "SHOW server_version_num;")" || fail "could not read the server's version"
    if [ "$VERSION" -ge 130000 ]; then
      sql postgres 'DROP DATABASE :"db" WITH (FORCE);' || fail "could not drop the database $PG_DATABASE"
    else # before PostgreSQL 13 the database must have no sessions
      sql postgres 'DROP DATABASE :"db";' || fail "could not drop the database $PG_DATABASE (are the apps stopped?)"
    fi
    EXISTS=0
  elif [ "$TABLES" != 0 ]; then
    fail "the database $PG_DATABASE already has $TABLES tables; nothing was changed. To replace it, stop the apps and run again with --force as the third argument (it drops and recreates $PG_DATABASE)."
  fi
fi
if [ "$EXISTS" = 0 ]; then
  sql postgres 'CREATE DATABASE :"db" TEMPLATE template0;' || fail "could not create the database $PG_DATABASE"
fi

pg_restore --no-owner --exit-on-error --single-transaction --no-password \
  --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$PG_DATABASE" \
  "$FILE" \
  || fail "pg_restore failed; the restore was rolled back and $PG_DATABASE holds none of $FILE."
echo "Restored $FILE into $PG_DATABASE."
