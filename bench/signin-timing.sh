#!/usr/bin/env bash
# Refused password sign-ins must take the same time whatever the cause. Starts the IdP in
# Release with the demo data, times each cause interleaved, writes bench/results/signin-timing.json.
# Usage: bench/signin-timing.sh [rounds, default 200]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT=5201
WORK="$(mktemp -d)"
trap 'kill $IDP 2>/dev/null || true; rm -rf "$WORK"' EXIT
for p in src/IdP src/Admin bench/SignInTiming; do dotnet build "$ROOT/$p" -c Release -nologo -v quiet -clp:ErrorsOnly; done

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export Database__ConnectionString="Data Source=$WORK/bench.db" PublicUrls__IdP="http://localhost:$PORT/"
# Lockout and rate limits would answer before the password check; lift them for the measurement.
export IdentityProvider__SignInAttemptsPerAddressPerMinute=1000000 IdentityProvider__SignInAttemptsPerAccountPer5Minutes=1000000 IdentityProvider__SignInAttemptsPerAccountCeilingPer5Minutes=1000000
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate --seed-demo >/dev/null)
sqlite3 "$WORK/bench.db" "UPDATE users SET LockoutEnabled = 0;" 2>/dev/null || \
  (cd "$ROOT/src/Admin" && python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE users SET LockoutEnabled = 0'); c.commit()" "$WORK/bench.db")
(cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$PORT") >"$WORK/idp.log" 2>&1 &
IDP=$!
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
mkdir -p "$ROOT/bench/results"
dotnet "$ROOT/bench/SignInTiming/bin/Release/net10.0/KeyPortal.SignInTiming.dll" "http://localhost:$PORT/" "${1:-200}" 2>"$ROOT/bench/results/signin-timing.json"
echo "written to bench/results/signin-timing.json"
