#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh (a pg_dump custom-format archive).
#   Database__ConnectionString="<Npgsql connection string>" deploy/restore.sh FILE [--replace DATABASE]
# The connection string, from the environment as in backup.sh, names the target database
# (Database=...); it is parsed as there. A target that does not exist is created (from template0,
# through the database postgres) and the archive restored into it. A target that already has
# tables is refused, unless --replace repeats its name (so a connection string exported for
# another purpose cannot have a database dropped by mistake): then the archive is restored into a
# new database beside it, and only when that succeeded is the old one dropped (disconnecting its
# sessions) and the new one renamed to its name. Stop every instance of the three apps first. The
# archive is restored in one transaction: on an error nothing of it is left behind and the target
# is as it was. The user needs the right to create databases (or an empty target database it
# owns), and owns every restored object (--no-owner).
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

# psql on DATABASE with the statement on stdin (psql interpolates :'db', :"db" and :"target" only
# there): db is the connection string's database, target the one the archive goes into.
TARGET="$PG_DATABASE"
sql() {
  local database="$1" statement="$2"
  psql -X -q -w -At -v ON_ERROR_STOP=1 -v db="$PG_DATABASE" -v target="$TARGET" \
    --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$database" <<< "$statement"
}

if [ -n "$REPLACE" ] && [ "$REPLACE" != "$PG_DATABASE" ]; then
  fail "--replace names $REPLACE, but the connection string's database is $PG_DATABASE (on $PG_HOSTS); nothing was changed."
fi

EXISTS="$(sql postgres "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = :'db';")" \
  || fail "could not connect to the database postgres on $PG_HOSTS"
if [ "$EXISTS" != 0 ]; then
  TABLES="$(sql "$PG_DATABASE" "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema');")" \
    || fail "could not connect to the database $PG_DATABASE"
  if [ "$TABLES" != 0 ] && [ -z "$REPLACE" ]; then
    fail "the database $PG_DATABASE on $PG_HOSTS already has $TABLES tables; nothing was changed. To replace it, stop the apps and run again with --replace $PG_DATABASE after FILE."
  fi
  if [ "$TABLES" != 0 ]; then
    # Restored beside the old database, which stays as it is until the restore has succeeded.
    TARGET="$(printf '%s' "$PG_DATABASE" | cut -c1-40)_restore_$(date -u +%Y%m%d%H%M%S)"
    echo "Restoring $FILE into a new database $TARGET beside $PG_DATABASE ($TABLES tables)..." >&2
    EXISTS=0
  fi
fi
if [ "$EXISTS" = 0 ]; then
  sql postgres 'CREATE DATABASE :"target" TEMPLATE template0;' || fail "could not create the database $TARGET"
fi

if ! pg_restore --no-owner --exit-on-error --single-transaction --no-password \
  --host "$PG_HOSTS" --port "$PG_PORTS" --username "$PG_USER" --dbname "$TARGET" \
  "$FILE"; then
  if [ "$TARGET" != "$PG_DATABASE" ]; then
    sql postgres 'DROP DATABASE :"target";' || echo "restore.sh: could not drop the unfinished database $TARGET; drop it by hand." >&2
    fail "pg_restore failed; $PG_DATABASE is as it was and holds none of $FILE."
  fi
  fail "pg_restore failed; the restore was rolled back and $PG_DATABASE holds none of $FILE."
fi

if [ "$TARGET" != "$PG_DATABASE" ]; then
  VERSION="$(sql postgres "SHOW server_version_num;")" || fail "could not read the server's version; $FILE is restored in $TARGET, $PG_DATABASE is unchanged."
  if [ "$VERSION" -ge 130000 ]; then DROP='DROP DATABASE :"db" WITH (FORCE);'; else DROP='DROP DATABASE :"db";'; fi
  sql postgres "$DROP" \
    || fail "could not drop $PG_DATABASE (are the apps stopped?); $FILE is restored in $TARGET, $PG_DATABASE is unchanged."
  sql postgres 'ALTER DATABASE :"target" RENAME TO :"db";' \
    || fail "$PG_DATABASE was dropped but $TARGET, which holds $FILE, could not be renamed to it: rename it by hand (ALTER DATABASE ... RENAME TO ...)."
fi
echo "Restored $FILE into $PG_DATABASE."
