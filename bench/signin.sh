#!/usr/bin/env bash
# Passkey sign-in journeys per second, written to bench/results/signin.json: the IdP in Release
# on SQLite, then on PostgreSQL (tests/postgres.sh's throwaway cluster), loaded over HTTP by
# bench/SignInLoad (a browser plus the Portal per journey: authorize, sign-in page, assertion
# options, the software authenticator's ES256 assertion, assertion verify, authorize, code,
# token) at 8 and 32 workers; next to this machine's ECDSA P-256 verify rate (openssl speed),
# since each journey verifies one assertion. The target is 100 journeys/s per core. Also writes
# bench/results/signin-profile.md: where the IdP's CPU goes (dotnet-trace, bench/profile-report.py).
# Run it on an otherwise idle machine: the IdP and the load generator share the cores.
# Usage: bench/signin.sh [seconds per run, default 20]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_RUN="${1:-20}"
WARMUP_SECONDS=30
PORT=5200
USERS=2000
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

(cd "$ROOT" && dotnet tool restore >/dev/null)
for p in src/IdP src/Admin bench/SignInLoad; do dotnet build "$ROOT/$p" -c Release -nologo -v quiet -clp:ErrorsOnly; done
LOAD="$ROOT/bench/SignInLoad/bin/Release/net10.0/KeyPortal.SignInLoad.dll"

verify_rate() { # processes → ECDSA P-256 verifications/s
  openssl speed -seconds 3 -multi "$1" ecdsap256 2>/dev/null | awk '/nistp256/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v[++n] = $i; print v[n]; exit }'
}
VERIFY_ALL="$(verify_rate "$(nproc)")"
VERIFY_ONE="$(verify_rate 1)"
echo "openssl ECDSA P-256 verifications/s: $VERIFY_ALL on $(nproc) cores ($VERIFY_ONE on one)"

wait_ready() { for _ in $(seq 1 120); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "server did not start: $1" >&2; return 1; }
peak_rss_mb() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export PublicUrls__IdP="http://localhost:$PORT/" PublicUrls__Portal="http://localhost:5001/" Passkeys__Origins__0="http://localhost:$PORT"
# Every journey signs in an account of this run; the per-address and per-account limits would
# answer before the ceremony. Lift them for the measurement (their cost is still paid).
export IdentityProvider__SignInAttemptsPerAddressPerMinute=1000000 IdentityProvider__SignInAttemptsPerAccountPer5Minutes=1000000 IdentityProvider__SignInAttemptsPerAccountCeilingPer5Minutes=1000000

PG_CONNECTION="$("$ROOT/tests/postgres.sh" start)"
PG_DB="keyportal_signin_bench"
PG_PORT="$(echo "$PG_CONNECTION" | sed -E 's/.*Port=([0-9]+).*/\1/')"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
PG_BENCH="$(echo "$PG_CONNECTION" | sed -E "s/Database=[^;]*/Database=$PG_DB/")"

runs=()
for provider in Sqlite Postgres; do
  if [ "$provider" = Sqlite ]; then connection="Data Source=$WORK/bench.db"; else connection="$PG_BENCH"; fi
  export Database__Provider="$provider" Database__ConnectionString="$connection"
  (cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate --seed-demo >/dev/null)
  (cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$PORT") >"$WORK/idp-$provider.log" 2>&1 &
  SERVER=$!
  wait_ready "http://127.0.0.1:$PORT/health/ready"
  first=true
  for workers in 8 32; do
    warm=5; if [ "$first" = true ]; then warm="$WARMUP_SECONDS"; first=false; fi
    # Each run stores its own users (named for the run) before it starts.
    result="$(KEYPORTAL_IDP_PID=$SERVER dotnet "$LOAD" "http://localhost:$PORT/" "$provider" "$connection" "$USERS" "$workers" "$SECONDS_PER_RUN" "$warm" 2>&1 >"$WORK/out" | tail -1)" \
      || { cat "$WORK/out"; tail -20 "$WORK/idp-$provider.log"; exit 1; }
    cat "$WORK/out"
    runs+=("{\"database\":\"$provider\",\"load\":$result,\"peakRssMb\":$(peak_rss_mb "$SERVER")}")
  done
  if [ "$provider" = Sqlite ]; then
    # Where the IdP's CPU goes in a journey: 15 s of dotnet-trace samples at 8 workers, warm.
    dotnet "$LOAD" "http://localhost:$PORT/" "$provider" "$connection" "$USERS" 8 25 5 >/dev/null 2>&1 &
    LOADER=$!
    sleep 8
    (cd "$ROOT" && dotnet dotnet-trace collect -p "$SERVER" --profile dotnet-sampled-thread-time --duration 00:00:00:15 --format Speedscope -o "$WORK/signin.nettrace" >/dev/null)
    wait $LOADER
    {
      echo "# Where the IdP spends its CPU in a passkey sign-in journey"
      echo
      echo "\`bench/signin.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores: the IdP in Release on SQLite, 8 workers of"
      echo "bench/SignInLoad, 15 s of dotnet-trace's thread-time samples after the measured runs."
      echo
      python3 "$ROOT/bench/profile-report.py" "$WORK/signin.speedscope.json" 40
    } >"$ROOT/bench/results/signin-profile.md"
  fi
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
done

mkdir -p "$ROOT/bench/results"
{
  echo "{\"measuredAt\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"cores\":$(nproc),\"secondsPerRun\":$SECONDS_PER_RUN,"
  echo " \"opensslEcdsaP256VerifyPerSecond\":{\"allCores\":$VERIFY_ALL,\"oneCore\":$VERIFY_ONE},"
  echo " \"targetJourneysPerSecondPerCore\":100,"
  echo " \"runs\":[$(IFS=,; echo "${runs[*]}")]}"
} | python3 -m json.tool > "$ROOT/bench/results/signin.json"
echo "written to bench/results/signin.json"
