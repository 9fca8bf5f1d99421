#!/usr/bin/env bash
# Builds and starts the identity provider, the customer portal and the operator console on
# the embedded default (SQLite under data/, emails written to data/mail/), with demo data.
# Ctrl-C stops all three.
#   ./run.sh               keeps data/ from the last start (accounts, passkeys, emails)
#   ./run.sh --reset-demo  deletes data/portal.db and data/mail/ first: the demo's starting state
#                          (e.g. after demo accounts moved to passkeys)
# Builds Debug, like ./test.sh: the two share one build, so neither rebuilds after the other;
# the benchmarks under bench/ build Release because they measure speed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"

RESET_DEMO=false
for arg in "$@"; do
  case "$arg" in
    --reset-demo) RESET_DEMO=true ;;
    *) echo "usage: ./run.sh [--reset-demo]" >&2; exit 2 ;;
  esac
done

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export Database__Provider="${Database__Provider:-Sqlite}"
export Database__ConnectionString="${Database__ConnectionString:-Data Source=$ROOT/data/portal.db}"
export Mail__Delivery="${Mail__Delivery:-Files}"
export Mail__Directory="${Mail__Directory:-$ROOT/data/mail}"
if [ "$RESET_DEMO" = true ]; then
  echo "Resetting the demo: deleting data/portal.db and data/mail/..."
  rm -f "$ROOT/data/portal.db" "$ROOT/data/portal.db-wal" "$ROOT/data/portal.db-shm"
  rm -rf "$ROOT/data/mail"
fi
mkdir -p "$ROOT/data/mail" "$ROOT/data/logs"
# One log file per app and start; data/logs/<app>.log points at the newest.
STARTED="$(date +%Y%m%d-%H%M%S)"

declare -A PORTS=([IdP]=5000 [Portal]=5001 [Admin]=5002)
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
stop_all() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

for app in "${APPS[@]}"; do
  port="${PORTS[$app]}"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use; stop whatever listens there and run again." >&2
    exit 1
  fi
  # Each app runs from its project folder so it finds its appsettings.
  (cd "$ROOT/src/$app" && exec dotnet "$(dll "$app")" --urls "http://127.0.0.1:$port") \
    > >(sed -u "s/^/[$app] /" | tee "$ROOT/data/logs/$app-$STARTED.log") 2>&1 &
  PIDS+=("$!")
  ln -sfn "$app-$STARTED.log" "$ROOT/data/logs/$app.log"
done

for app in "${APPS[@]}"; do
  port="${PORTS[$app]}"
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
done

cat <<INFO

  Key Portal is running (Ctrl-C stops all three):
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
  Database: $ROOT/data/portal.db    Logs: $ROOT/data/logs/<app>.log (newest start)
  Back to the demo's starting state: ./run.sh --reset-demo

INFO
wait
