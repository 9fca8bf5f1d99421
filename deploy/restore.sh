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
# one is dropped and the old one put back under its name, open again. Stop every instance of the
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

# psql on DATABASE with the statement on stdin (psql interpolates :'db', :"db" and :"aside" only
# there): db is the connection string's database, aside the name the replaced one waits under.
ASIDE_NAME="restore_aside_$(date -u +%Y%m%d%H%M%S)_$$"
sql() {
  local database="$1" statement="$2"
  psql -X -q -w -At -v ON_ERROR_STOP=1 -v db="$PG_DATABASE" -v aside="$ASIDE_NAME" \
    --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$database" <<< "$statement"
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

# Until the restore has succeeded, the old database is put back on any way out.
MOVED_ASIDE=false
put_back() {
  [ "$MOVED_ASIDE" = true ] || return 0
  MOVED_ASIDE=false
  echo "restore.sh: putting the old $PG_DATABASE back..." >&2
  sql postgres 'DROP DATABASE IF EXISTS :"db";' || true
  if sql postgres 'ALTER DATABASE :"aside" RENAME TO :"db";' && sql postgres 'ALTER DATABASE :"db" ALLOW_CONNECTIONS true;'; then
    echo "restore.sh: $PG_DATABASE is as it was." >&2
  else
    echo "restore.sh: could not put it back: the old database is $ASIDE_NAME (closed to connections); rename it to $PG_DATABASE and ALTER DATABASE ... ALLOW_CONNECTIONS true by hand." >&2
  fi
}
trap put_back EXIT
trap 'exit 130' INT TERM

if [ "$REPLACING" = true ]; then
  echo "Replacing $PG_DATABASE ($TABLES tables); it waits as $ASIDE_NAME until the restore has succeeded..." >&2
  sql postgres 'ALTER DATABASE :"db" ALLOW_CONNECTIONS false;' \
    || fail "could not close $PG_DATABASE to new connections (does this user own it?); nothing was changed."
  for _ in $(seq 1 20); do
    sql postgres "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = :'db' AND pid <> pg_catalog.pg_backend_pid();" >/dev/null || true
    if sql postgres 'ALTER DATABASE :"db" RENAME TO :"aside";' 2>/dev/null; then MOVED_ASIDE=true; break; fi
    sleep 0.5
  done
  if [ "$MOVED_ASIDE" != true ]; then
    sql postgres 'ALTER DATABASE :"db" ALLOW_CONNECTIONS true;' || true
    fail "$PG_DATABASE still has sessions (are the apps stopped?); nothing was changed."
  fi
  EXISTS=0
fi
if [ "$EXISTS" = 0 ]; then
  sql postgres 'CREATE DATABASE :"db" TEMPLATE template0;' || fail "could not create the database $PG_DATABASE"
fi

pg_restore --no-owner --exit-on-error --single-transaction --no-password \
  --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$PG_DATABASE" \
  "$FILE" \
  || fail "pg_restore failed; the restore was rolled back and $PG_DATABASE holds none of $FILE."

if [ "$MOVED_ASIDE" = true ]; then
  MOVED_ASIDE=false
  sql postgres 'DROP DATABASE :"aside";' \
    || echo "restore.sh: $FILE is restored, but the old database could not be dropped: it waits as $ASIDE_NAME (closed to connections); drop it by hand." >&2
fi
echo "Restored $FILE into $PG_DATABASE."
