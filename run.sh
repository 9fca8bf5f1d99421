#!/usr/bin/env bash
# Builds and starts the identity provider, the customer portal and the operator console on
# the embedded default (SQLite under data/, emails written to data/mail/), with demo data.
# Ctrl-C stops all three.
#   ./run.sh               keeps data/ from the last start (accounts, passkeys, emails)
#   ./run.sh --reset-demo  deletes data/portal.db and data/mail/ first: the demo's starting state
#                          (e.g. after demo accounts moved to passkeys)
#   ./run.sh --postgres    the same demo on a local PostgreSQL (data/postgres/, port 55433; installs
#                          Debian's postgresql when missing) instead of the SQLite file
#   ./run.sh --instances 2 two instances of each app over that PostgreSQL, behind a real reverse
#                          proxy (nginx, installed when missing) on the usual ports: the response
#                          header X-Upstream names the instance that answered
# Builds Debug, like ./test.sh: the two share one build, so neither rebuilds after the other;
# the benchmarks under bench/ build Release because they measure speed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd -P)"
cd "$ROOT"

RESET_DEMO=false
POSTGRES=false
INSTANCES=1
usage() { echo "usage: ./run.sh [--reset-demo] [--postgres] [--instances N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --reset-demo) RESET_DEMO=true ;;
    --postgres) POSTGRES=true ;;
    --instances) shift; INSTANCES="${1:-}" ;;
    --instances=*) INSTANCES="${1#*=}" ;;
    *) usage ;;
  esac
  shift
done
case "$INSTANCES" in [1-9]) ;; *) usage ;; esac
# Instances agree through the database: several of them need PostgreSQL.
if [ "$INSTANCES" -gt 1 ]; then POSTGRES=true; fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export Mail__Delivery="${Mail__Delivery:-Files}"
export Mail__Directory="${Mail__Directory:-$ROOT/data/mail}"
mkdir -p "$ROOT/data"
if [ "$POSTGRES" = true ]; then
  echo "Starting PostgreSQL (data/postgres, port 55433)..."
  ADMIN_DB="$(KEYPORTAL_PG_PORT=55433 KEYPORTAL_PG_DIR="$ROOT/data/postgres" KEYPORTAL_PG_KEEP=1 "$ROOT/tests/postgres.sh" start)"
  export Database__Provider=Postgres
  export Database__ConnectionString="${ADMIN_DB/Database=postgres/Database=keyportal}"
  DATABASE_SHOWN="PostgreSQL database keyportal on 127.0.0.1:55433 (data/postgres)"
else
  export Database__Provider="${Database__Provider:-Sqlite}"
  export Database__ConnectionString="${Database__ConnectionString:-Data Source=$ROOT/data/portal.db}"
  DATABASE_SHOWN="$ROOT/data/portal.db"
fi
if [ "$RESET_DEMO" = true ]; then
  echo "Resetting the demo: deleting the demo's database and data/mail/..."
  if [ "$POSTGRES" = true ]; then
    PGPASSWORD="$(cat "$ROOT/data/postgres/password")" psql -X -w -q -h "$ROOT/data/postgres" -p 55433 -U postgres -d postgres \
      -c "DROP DATABASE IF EXISTS keyportal WITH (FORCE)"
  else
    rm -f "$ROOT/data/portal.db" "$ROOT/data/portal.db-wal" "$ROOT/data/portal.db-shm"
  fi
  rm -rf "$ROOT/data/mail"
fi
mkdir -p "$ROOT/data/mail" "$ROOT/data/logs"
# One log file per app and start; data/logs/<app>.log points at the newest.
STARTED="$(date +%Y%m%d-%H%M%S)"

APPS=(IdP Portal Admin)

echo "Building..."
dotnet build "$ROOT/Portal.sln" -c Debug -nologo -v quiet -clp:ErrorsOnly

dll() { echo "$ROOT/src/$1/bin/Debug/net10.0/KeyPortal.$1.dll"; }

echo "Migrating the database and seeding the demo..."
SEEDED="$(cd "$ROOT/src/Admin" && dotnet "$(dll Admin)" migrate --seed-demo)"
echo "$SEEDED" | sed -n '1,2p'
# The console admits operators signed in with a passkey, and a password cannot enrol one: the
# demo operator gets a set-up link by email until they have registered a key.
(cd "$ROOT/src/Admin" && dotnet "$(dll Admin)" operator-link operator@keyportal.example --if-no-passkey)

PIDS=()
PROXY_DIR="$ROOT/data/proxy"
stop_all() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "$INSTANCES" -gt 1 ]; then "$ROOT/deploy/proxy.sh" stop "$PROXY_DIR"; fi
  wait 2>/dev/null || true
  if [ "$POSTGRES" = true ]; then
    KEYPORTAL_PG_PORT=55433 KEYPORTAL_PG_DIR="$ROOT/data/postgres" "$ROOT/tests/postgres.sh" stop
  fi
}
trap stop_all INT TERM EXIT

# One instance listens on the app's port; several listen on 5010.., 5020.., 5030.. behind the proxy.
instance_port() { # app index, instance number (0-based)
  if [ "$INSTANCES" -eq 1 ]; then echo $((5000 + $1)); else echo $((5000 + 10 * ($1 + 1) + $2)); fi
}

wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1; then return; fi
    sleep 0.5
  done
  echo "Nothing answered ready on port $1 within a minute; see data/logs/." >&2
}

for port in 5000 5001 5002; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use; stop whatever listens there and run again." >&2
    exit 1
  fi
done

if [ "$INSTANCES" -gt 1 ]; then
  # The proxy is the only peer the apps believe X-Forwarded-* headers from.
  export ReverseProxy__KnownProxies__0=127.0.0.1
fi

# The first instance of each app starts alone (it may create the development key files and the
# data-protection key ring every instance then shares), the others once it is ready.
for instance in $(seq 0 $((INSTANCES - 1))); do
  for index in "${!APPS[@]}"; do
    app="${APPS[$index]}"
    port="$(instance_port "$index" "$instance")"
    name="$app"; if [ "$INSTANCES" -gt 1 ]; then name="$app-$((instance + 1))"; fi
    # Each app runs from its project folder so it finds its appsettings.
    (cd "$ROOT/src/$app" && exec dotnet "$(dll "$app")" --urls "http://127.0.0.1:$port") \
      > >(sed -u "s/^/[$name] /" | tee "$ROOT/data/logs/$name-$STARTED.log") 2>&1 &
    PIDS+=("$!")
    ln -sfn "$name-$STARTED.log" "$ROOT/data/logs/$name.log"
  done
  for index in "${!APPS[@]}"; do wait_ready "$(instance_port "$index" "$instance")"; done
done

if [ "$INSTANCES" -gt 1 ]; then
  mappings=()
  for index in "${!APPS[@]}"; do
    backs=()
    for instance in $(seq 0 $((INSTANCES - 1))); do backs+=("$(instance_port "$index" "$instance")"); done
    mappings+=("$((5000 + index))=$(IFS=,; echo "${backs[*]}")")
  done
  KEYPORTAL_PROXY_SHOW_UPSTREAM=1 "$ROOT/deploy/proxy.sh" start "$PROXY_DIR" "${mappings[@]}"
  for port in 5000 5001 5002; do wait_ready "$port"; done
fi

cat <<INFO

  Key Portal is running (Ctrl-C stops all three)$( [ "$INSTANCES" -gt 1 ] && echo ", $INSTANCES instances of each behind nginx (curl -sI http://localhost:5000/health/live | grep X-Upstream)"):
    Identity provider   http://localhost:5000
    Customer portal     http://localhost:5001
    Operator console    http://localhost:5002

$(echo "$SEEDED" | sed -n '/^Demo accounts/,$ s/^/  /p')

  API client (client_credentials): demo-client / demo-secret, token endpoint http://localhost:5000/connect/token

  Try: owner@contoso.example at the portal -> Users (create, edit roles, reset, remove; the
  invitee's activation link and code arrive as emails below); operator@keyportal.example: open
  the "account was reset" email in data/mail/ to register a passkey (the console admits operators
  signed in with a passkey only, and a password cannot enrol one), then the console -> Onboard
  organization. "Manage credentials" in either header for passkeys.

  Emails are written to $ROOT/data/mail/ (one .eml file each; open it for the link or code).
  Database: $DATABASE_SHOWN    Logs: $ROOT/data/logs/<app>.log (newest start)
  Back to the demo's starting state: ./run.sh --reset-demo

INFO
wait
