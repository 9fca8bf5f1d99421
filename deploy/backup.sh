#!/usr/bin/env bash
# Backs up the product's PostgreSQL database to one pg_dump archive (custom format).
#   Database__ConnectionString="<Npgsql connection string>" deploy/backup.sh FILE
# The connection string is the apps' Database:ConnectionString, read from the environment variable
# the apps read it from (never from the command line, which every local user can list), e.g.
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

usage() { echo "usage: Database__ConnectionString=\"<Npgsql connection string>\" deploy/backup.sh FILE" >&2; exit 2; }
fail() { echo "backup.sh: $*" >&2; exit 1; }

# The connection-string parser both scripts share.
. "$(dirname "$0")/pg-connection.sh"

[ $# -eq 1 ] || usage
CONNECTION="${Database__ConnectionString:-}" FILE="$1"
[ -n "$FILE" ] || usage
[ -n "$CONNECTION" ] || fail "Database__ConnectionString is not set: export the apps' connection string first."
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
