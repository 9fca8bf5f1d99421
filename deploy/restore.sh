#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh (a pg_dump custom-format archive).
#   Database__ConnectionString="<Npgsql connection string>" deploy/restore.sh FILE [--replace DATABASE]
# The connection string, from the environment as in backup.sh, names the target database
# (Database=...); it is parsed as there. A target that does not exist is created (from template0,
# through the database postgres) and the archive restored into it. A target that already has
# tables is refused, unless --replace repeats its name (so a connection string exported for
# another purpose cannot have a database dropped by mistake): then the old database is closed to
# connections (its sessions ended) and renamed aside, a new one is created under its name (so
# pg_hba.conf and ~/.pgpass entries naming it still apply) and the archive restored into it; only
# when that succeeded is the old one dropped. On any failure or interruption before that, the new
# one is dropped and the old one put back under its name, open again (both are told by their oids,
# so nothing else that took the name meanwhile is dropped). A restore_aside_* database left by
# another run stops a replace before it changes anything. Stop every instance of the
# three apps first. The archive is restored in one transaction: on an error nothing of it is
# left behind. The user needs the right to create databases (or an empty target database it
# owns), owns the database it replaces and every restored object (--no-owner). A replaced
# database's own settings (ALTER DATABASE ... SET, database-level grants) are not carried over.
# Afterwards run `KeyPortal.Admin migrate` when the release is newer than the backup.
set -euo pipefail

usage() { echo "usage: Database__ConnectionString=\"<Npgsql connection string>\" deploy/restore.sh FILE [--replace DATABASE]" >&2; exit 2; }
fail() { echo "restore.sh: $*" >&2; exit 1; }

# The connection-string parser both scripts share.
. "$(dirname "$0")/pg-connection.sh"

[ $# -eq 1 ] || [ $# -eq 3 ] || usage
CONNECTION="${Database__ConnectionString:-}" FILE="$1" REPLACE=""
if [ $# -eq 3 ]; then [ "$2" = "--replace" ] && [ -n "$3" ] || usage; REPLACE="$3"; fi
[ -n "$FILE" ] || usage
[ -n "$CONNECTION" ] || fail "Database__ConnectionString is not set: export the target database's connection string first."
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

# psql on DATABASE with the statement on stdin (psql interpolates :'db', :"db", :"aside" and
# :"other" only there): db is the connection string's database, aside the name the replaced one
# waits under, other any database named by its oid (name_of).
ASIDE_NAME="restore_aside_$(date -u +%Y%m%d%H%M%S)_$$" OTHER=""
sql() {
  local database="$1" statement="$2"
  psql -X -q -w -At -v ON_ERROR_STOP=1 -v db="$PG_DATABASE" -v aside="$ASIDE_NAME" -v other="$OTHER" \
    --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$database" <<< "$statement"
}

# The name of the database with oid $1 now (empty when there is none).
name_of() { [[ "$1" =~ ^[0-9]+$ ]] && sql postgres "SELECT datname FROM pg_catalog.pg_database WHERE oid = $1;"; }

# Closes the database with oid $1, ends its sessions and drops it, whatever it is called by then.
drop_by_oid() {
  local name; name="$(name_of "$1")" || return 1
  [ -n "$name" ] || return 0
  OTHER="$name"
  sql postgres 'ALTER DATABASE :"other" ALLOW_CONNECTIONS false;' || return 1
  for _ in $(seq 1 20); do
    sql postgres "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datid = $1 AND pid <> pg_catalog.pg_backend_pid();" >/dev/null || true
    [ "$(name_of "$1")" = "$name" ] || return 1
    if sql postgres 'DROP DATABASE :"other";' 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  return 1
}

if [ -n "$REPLACE" ] && [ "$REPLACE" != "$PG_DATABASE" ]; then
  fail "--replace names $REPLACE, but the connection string's database is $PG_DATABASE (on $PG_HOSTS); nothing was changed."
fi

EXISTS="$(sql postgres "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = :'db';")" \
  || fail "could not connect to the database postgres on $PG_HOSTS"
REPLACING=false
if [ "$EXISTS" != 0 ]; then
  TABLES="$(sql "$PG_DATABASE" "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema');")" \
    || fail "could not connect to the database $PG_DATABASE"
  if [ "$TABLES" != 0 ] && [ -z "$REPLACE" ]; then
    fail "the database $PG_DATABASE on $PG_HOSTS already has $TABLES tables; nothing was changed. To replace it, stop the apps and run again with --replace $PG_DATABASE after FILE."
  fi
  if [ "$TABLES" != 0 ]; then REPLACING=true; fi
fi

# Until the restore has succeeded, any way out puts the old database back. The databases are told
# by their oids, so only the one this run created is dropped and only the old one is renamed back.
OLD_OID="" NEW_OID="" DONE=false
put_back() {
  trap '' INT TERM
  [ -n "$OLD_OID" ] && [ "$DONE" != true ] || return 0
  DONE=true
  echo "restore.sh: putting the old $PG_DATABASE back..." >&2
  if [ -n "$NEW_OID" ] && ! drop_by_oid "$NEW_OID"; then
    echo "restore.sh: could not drop the new, unfinished $PG_DATABASE; the old one waits as $(name_of "$OLD_OID" || true) (closed to connections): drop the new one, then rename and open the old one by hand." >&2
    return 0
  fi
  local old; old="$(name_of "$OLD_OID" || true)"
  if [ -z "$old" ]; then
    echo "restore.sh: the old database (oid $OLD_OID) is not there any more." >&2
    return 0
  fi
  if [ "$old" != "$PG_DATABASE" ]; then
    OTHER="$old"
    if ! sql postgres 'ALTER DATABASE :"other" RENAME TO :"db";'; then
      echo "restore.sh: could not rename the old database back ($PG_DATABASE is taken?): it waits as $old, closed to connections." >&2
      return 0
    fi
  fi
  if sql postgres 'ALTER DATABASE :"db" ALLOW_CONNECTIONS true;'; then
    echo "restore.sh: $PG_DATABASE is as it was." >&2
  else
    echo "restore.sh: the old $PG_DATABASE is back but still closed to connections: ALTER DATABASE ... ALLOW_CONNECTIONS true by hand." >&2
  fi
}
trap put_back EXIT
trap 'exit 130' INT TERM

if [ "$REPLACING" = true ]; then
  LEFT="$(sql postgres "SELECT string_agg(datname, ', ') FROM pg_catalog.pg_database WHERE datname LIKE 'restore\_aside\_%';")" \
    || fail "could not list the databases on $PG_HOSTS"
  [ -z "$LEFT" ] || fail "another restore is running, or one was cut off: $LEFT waits aside. Nothing was changed."
  echo "Replacing $PG_DATABASE ($TABLES tables); it waits as $ASIDE_NAME until the restore has succeeded..." >&2
  OLD_OID="$(sql postgres "SELECT oid FROM pg_catalog.pg_database WHERE datname = :'db';")" || fail "could not read $PG_DATABASE's oid; nothing was changed."
  [[ "$OLD_OID" =~ ^[0-9]+$ ]] || fail "$PG_DATABASE went away meanwhile; nothing was changed."
  sql postgres 'ALTER DATABASE :"db" ALLOW_CONNECTIONS false;' \
    || fail "could not close $PG_DATABASE to new connections (does this user own it?)."
  RENAMED=false ERROR=""
  for _ in $(seq 1 20); do
    sql postgres "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datid = $OLD_OID AND pid <> pg_catalog.pg_backend_pid();" >/dev/null || true
    if ERROR="$(sql postgres 'ALTER DATABASE :"db" RENAME TO :"aside";' 2>&1)"; then RENAMED=true; break; fi
    sleep 0.5
  done
  [ "$RENAMED" = true ] || fail "could not rename $PG_DATABASE aside (are the apps stopped?): $ERROR"
  EXISTS=0
fi
if [ "$EXISTS" = 0 ]; then
  sql postgres 'CREATE DATABASE :"db" TEMPLATE template0;' || fail "could not create the database $PG_DATABASE"
  NEW_OID="$(sql postgres "SELECT oid FROM pg_catalog.pg_database WHERE datname = :'db';")" || fail "could not read the new database's oid"
fi

pg_restore --no-owner --exit-on-error --single-transaction --no-password \
  --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$PG_DATABASE" \
  "$FILE" \
  || fail "pg_restore failed; the restore was rolled back and $PG_DATABASE holds none of $FILE."

if [ -n "$OLD_OID" ]; then
  DONE=true
  drop_by_oid "$OLD_OID" \
    || echo "restore.sh: $FILE is restored, but the old database could not be dropped: it waits as $ASIDE_NAME (closed to connections); drop it by hand." >&2
fi
echo "Restored $FILE into $PG_DATABASE."
