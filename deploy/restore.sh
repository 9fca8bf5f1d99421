#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh (a pg_dump custom-format archive).
#   Database__ConnectionString="<Npgsql connection string>" deploy/restore.sh FILE [--force]
# The connection string, from the environment as in backup.sh, names the target database
# (Database=...); it is parsed as there. The database is created (from template0, through the database postgres) when it
# does not exist. A database that already has tables is refused, unless --force is given as the
# second argument: then it is dropped (disconnecting its sessions) and created afresh. Stop every
# instance of the three apps first. The archive is restored in one transaction: on an error
# nothing of it is left behind. The user needs the right to create databases (or an empty
# target database it owns), and owns every restored object (--no-owner).
# Afterwards run `KeyPortal.Admin migrate` when the release is newer than the backup.
set -euo pipefail

usage() { echo "usage: Database__ConnectionString=\"<Npgsql connection string>\" deploy/restore.sh FILE [--force]" >&2; exit 2; }
fail() { echo "restore.sh: $*" >&2; exit 1; }

# The connection-string parser both scripts share.
. "$(dirname "$0")/pg-connection.sh"

[ $# -eq 1 ] || [ $# -eq 2 ] || usage
CONNECTION="${Database__ConnectionString:-}" FILE="$1" FORCE=false
if [ $# -eq 2 ]; then [ "$2" = "--force" ] || usage; FORCE=true; fi
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
    fail "the database $PG_DATABASE already has $TABLES tables; nothing was changed. To replace it, stop the apps and run again with --force after FILE (it drops and recreates $PG_DATABASE)."
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
