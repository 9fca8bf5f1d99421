#!/usr/bin/env bash
# Delivery API throughput, all in one run, written to bench/results/api.json: the Portal in
# Release on SQLite with the demo data and 2,000 shipment requests, loaded from a second process
# (bench/ApiLoad) at 8 and 32 connections:
#  - GET /health/live: the framework's ceiling on this machine (no authentication, no query);
#  - GET /api/me with the API token: what authentication alone costs (token lookup, live check);
#  - GET /api/v1/shipments?limit=50 with the API token as bearer (token lookup, live check, query);
#  - the same with a JWT the IdP issued against the token (signature, live check, query);
#  - GET /api/v1/purchase-orders with the bearer token (lines and progress aggregated).
# Requests/s, p50/p99, errors and the Portal's CPU per request; the ratios to /health/live show
# what authentication and the query cost. Usage: bench/api.sh [seconds per run, default 15]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_RUN="${1:-15}"
IDP_PORT=5220
PORTAL_PORT=5221
WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

for p in src/IdP src/Portal src/Admin bench/ApiLoad; do dotnet build "$ROOT/$p" -c Release -nologo -v quiet -clp:ErrorsOnly; done
LOAD="$ROOT/bench/ApiLoad/bin/Release/net10.0/KeyPortal.ApiLoad.dll"

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export Database__Provider=Sqlite Database__ConnectionString="Data Source=$WORK/bench.db"
export PublicUrls__IdP="http://localhost:$IDP_PORT/" PublicUrls__Portal="http://localhost:$PORTAL_PORT/"
export Mail__Delivery=Files Mail__Directory="$WORK/mail"
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate --seed-demo >/dev/null)
TOKEN="$(dotnet "$LOAD" setup 2000 | tail -1)"
PUBLIC_ID="${TOKEN%%.*}"

wait_ready() { for _ in $(seq 1 120); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "server did not start: $1" >&2; return 1; }
(cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$IDP_PORT") >"$WORK/idp.log" 2>&1 &
PIDS+=("$!")
(cd "$ROOT/src/Portal" && exec dotnet bin/Release/net10.0/KeyPortal.Portal.dll --urls "http://127.0.0.1:$PORTAL_PORT") >"$WORK/portal.log" 2>&1 &
PORTAL=$!
PIDS+=("$PORTAL")
wait_ready "http://127.0.0.1:$IDP_PORT/health/ready"
wait_ready "http://127.0.0.1:$PORTAL_PORT/health/ready"

# The JWT lives 5 minutes by default: fetched now, it outlasts the runs below.
JWT="$(curl -fsS "http://127.0.0.1:$IDP_PORT/connect/token" -u "$PUBLIC_ID:$TOKEN" -d grant_type=client_credentials \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).access_token))')"

BASE="http://localhost:$PORTAL_PORT"
runs=()
run() { # label path token connections
  local result
  result="$(dotnet "$LOAD" load "$BASE$2" "$4" "$SECONDS_PER_RUN" "$3" --server-pids "$PORTAL")"
  runs+=("{\"case\":\"$1\",\"path\":\"$2\",\"load\":$result}")
  printf '%-22s c=%-3s %s\n' "$1" "$4" "$result"
}
for c in 8 32; do
  run health-live /health/live - "$c"
  run me-bearer /api/me "$TOKEN" "$c"
  run shipments-bearer "/api/v1/shipments?limit=50" "$TOKEN" "$c"
  run shipments-jwt "/api/v1/shipments?limit=50" "$JWT" "$c"
  run purchase-orders-bearer /api/v1/purchase-orders "$TOKEN" "$c"
done

RUNS_JSON="[ $(IFS=,; echo "${runs[*]}") ]"
SUMMARY="$(RUNS="$RUNS_JSON" node --input-type=module -e '
  const runs = JSON.parse(process.env.RUNS);
  const best = (name) => Math.max(...runs.filter((r) => r.case === name).map((r) => r.load.requestsPerSecond));
  const ceiling = best("health-live"), round = (x) => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    healthLivePerSecond: ceiling, meBearerPerSecond: best("me-bearer"),
    shipmentsBearerPerSecond: best("shipments-bearer"), shipmentsJwtPerSecond: best("shipments-jwt"), purchaseOrdersBearerPerSecond: best("purchase-orders-bearer"),
    bearerOverCeiling: round(best("shipments-bearer") / ceiling), jwtOverCeiling: round(best("shipments-jwt") / ceiling),
    errors: runs.reduce((n, r) => n + r.load.errors, 0),
  }));
')"
mkdir -p "$ROOT/bench/results"
{
  echo "{"
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"cores\": $(nproc), \"cpu\": \"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)\","
  echo "  \"dotnet\": \"$(dotnet --version)\", \"database\": \"SQLite\", \"shipments\": 2000, \"secondsPerRun\": $SECONDS_PER_RUN,"
  echo "  \"summary\": $SUMMARY,"
  echo "  \"runs\": $RUNS_JSON"
  echo "}"
} > "$ROOT/bench/results/api.json"
echo "summary: $SUMMARY"
echo "written to bench/results/api.json"
