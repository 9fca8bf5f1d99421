#!/usr/bin/env bash
# What a second instance costs, written to bench/results/scale.json: the IdP's token endpoint
# (client_credentials, RS256) and the Portal's delivery API (GET /api/v1/shipments?limit=50 with
# an API token) in Release on PostgreSQL (a throwaway cluster of its own), behind nginx
# (deploy/proxy.sh), first with one instance of each app, then with two. The proxy is in front in
# both, so the two figures differ by the instance only. On 2 cores two instances share the same
# cores and cannot be faster: the figure is the ratio two/one (near 1 means the second instance
# costs little) and errors = 0. Usage: bench/scale.sh [seconds per run, default 20]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd -P)"
SECONDS_PER_RUN="${1:-20}"
WARMUP_SECONDS=25
IDP=5225 PORTAL=5226
IDP_INSTANCES=(5230 5231) PORTAL_INSTANCES=(5240 5241)
WORK="$(mktemp -d)"
chmod 755 "$WORK" # the cluster runs as the postgres account
PG_PORT=55435
cleanup() {
  # The apps' process ids, written by start (which runs in a command substitution's subshell).
  for p in $(cat "$WORK/pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  "$ROOT/deploy/proxy.sh" stop "$WORK/proxy" || true
  KEYPORTAL_PG_PORT=$PG_PORT KEYPORTAL_PG_DIR="$WORK/pg" "$ROOT/tests/postgres.sh" stop || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for p in src/IdP src/Portal src/Admin bench/TokenLoad bench/ApiLoad; do dotnet build "$ROOT/$p" -c Release -nologo -v quiet -clp:ErrorsOnly; done
TOKEN_LOAD="$ROOT/bench/TokenLoad/bin/Release/net10.0/KeyPortal.TokenLoad.dll"
API_LOAD="$ROOT/bench/ApiLoad/bin/Release/net10.0/KeyPortal.ApiLoad.dll"

ADMIN_DB="$(KEYPORTAL_PG_PORT=$PG_PORT KEYPORTAL_PG_DIR="$WORK/pg" "$ROOT/tests/postgres.sh" start)"
export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export Database__Provider=Postgres Database__ConnectionString="${ADMIN_DB/Database=postgres/Database=keyportal}"
export PublicUrls__IdP="http://localhost:$IDP/" PublicUrls__Portal="http://localhost:$PORTAL/"
export Mail__Delivery=Files Mail__Directory="$WORK/mail" ReverseProxy__KnownProxies__0=127.0.0.1
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate --seed-demo >/dev/null)
API_TOKEN="$(dotnet "$API_LOAD" setup 2000 | tail -1)"

wait_ready() { for _ in $(seq 1 120); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "server did not start: $1" >&2; return 1; }
start() { # app port → pid
  (cd "$ROOT/src/$1" && exec dotnet "bin/Release/net10.0/KeyPortal.$1.dll" --urls "http://127.0.0.1:$2") >"$WORK/$1-$2.log" 2>&1 &
  local pid=$!
  echo "$pid" >> "$WORK/pids"
  wait_ready "http://127.0.0.1:$2/health/ready"
  echo "$pid"
}
peak_rss_mb() { local kb=0; for p in "$@"; do kb=$((kb + $(awk '/VmHWM/ { print $2 }' "/proc/$p/status"))); done; echo $((kb / 1024)); }

# A new instance compiles its hot code for ~20 s under load: each is warmed on its own first, so
# the measured windows compare steady states.
warm() { # idp-port portal-port
  dotnet "$TOKEN_LOAD" "http://localhost:$1/connect/token" 32 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
  dotnet "$API_LOAD" load "http://localhost:$2/api/v1/shipments?limit=50" 32 "$WARMUP_SECONDS" "$API_TOKEN" >/dev/null
}

runs=()
measure() { # instances idp-pids portal-pids
  local n="$1" idp_pids="$2" portal_pids="$3" token api
  token="$(dotnet "$TOKEN_LOAD" "http://localhost:$IDP/connect/token" 32 "$SECONDS_PER_RUN" demo-client demo-secret \
    --warmup 5 --server-pids "$idp_pids")"
  printf 'token   instances=%s %s\n' "$n" "$token"
  api="$(dotnet "$API_LOAD" load "http://localhost:$PORTAL/api/v1/shipments?limit=50" 32 "$SECONDS_PER_RUN" "$API_TOKEN" --server-pids "$portal_pids")"
  printf 'api     instances=%s %s\n' "$n" "$api"
  runs+=("{\"instances\":$n,\"case\":\"token\",\"peakRssMb\":$(peak_rss_mb ${idp_pids//,/ }),\"load\":$token}")
  runs+=("{\"instances\":$n,\"case\":\"shipments\",\"peakRssMb\":$(peak_rss_mb ${portal_pids//,/ }),\"load\":$api}")
}

IDP_A="$(start IdP "${IDP_INSTANCES[0]}")"
PORTAL_A="$(start Portal "${PORTAL_INSTANCES[0]}")"
"$ROOT/deploy/proxy.sh" start "$WORK/proxy" "$IDP=${IDP_INSTANCES[0]}" "$PORTAL=${PORTAL_INSTANCES[0]}"
warm "${IDP_INSTANCES[0]}" "${PORTAL_INSTANCES[0]}"
measure 1 "$IDP_A" "$PORTAL_A"

IDP_B="$(start IdP "${IDP_INSTANCES[1]}")"
PORTAL_B="$(start Portal "${PORTAL_INSTANCES[1]}")"
"$ROOT/deploy/proxy.sh" start "$WORK/proxy" "$IDP=${IDP_INSTANCES[0]},${IDP_INSTANCES[1]}" "$PORTAL=${PORTAL_INSTANCES[0]},${PORTAL_INSTANCES[1]}"
warm "${IDP_INSTANCES[1]}" "${PORTAL_INSTANCES[1]}"
measure 2 "$IDP_A,$IDP_B" "$PORTAL_A,$PORTAL_B"

RUNS_JSON="[ $(IFS=,; echo "${runs[*]}") ]"
SUMMARY="$(RUNS="$RUNS_JSON" node --input-type=module -e '
  const runs = JSON.parse(process.env.RUNS);
  const rate = (c, n) => { const r = runs.find((x) => x.case === c && x.instances === n).load; return r.tokensPerSecond ?? r.requestsPerSecond; };
  const p99 = (c, n) => runs.find((x) => x.case === c && x.instances === n).load.p99Ms;
  const round = (x) => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    tokensPerSecond: { one: rate("token", 1), two: rate("token", 2), twoOverOne: round(rate("token", 2) / rate("token", 1)), p99Ms: { one: p99("token", 1), two: p99("token", 2) } },
    shipmentsPerSecond: { one: rate("shipments", 1), two: rate("shipments", 2), twoOverOne: round(rate("shipments", 2) / rate("shipments", 1)), p99Ms: { one: p99("shipments", 1), two: p99("shipments", 2) } },
    errors: runs.reduce((n, r) => n + r.load.errors, 0),
  }));
')"
mkdir -p "$ROOT/bench/results"
{
  echo "{"
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"cores\": $(nproc), \"cpu\": \"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)\","
  echo "  \"dotnet\": \"$(dotnet --version)\", \"database\": \"PostgreSQL $(psql --version | awk '{ print $3 }')\", \"proxy\": \"$(nginx -v 2>&1 | sed 's/.*: //')\", \"connections\": 32, \"secondsPerRun\": $SECONDS_PER_RUN,"
  echo "  \"summary\": $SUMMARY,"
  echo "  \"runs\": $RUNS_JSON"
  echo "}"
} > "$ROOT/bench/results/scale.json"
echo "summary: $SUMMARY"
echo "written to bench/results/scale.json"
