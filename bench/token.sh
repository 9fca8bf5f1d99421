#!/usr/bin/env bash
# Token endpoint throughput, all in one run, written to bench/results/token.json:
#  - this machine's signing limit: openssl speed, RSA-2048 and ECDSA P-256, one core and all cores;
#  - the IdP in Release on SQLite, client_credentials from a second process (bench/TokenLoad) at 8
#    and 32 connections, RS256 then ES256: tokens/s, p50/p99, errors, peak RSS, CPU per token;
#    also with the IdP pinned to core 0 and the load generator to core 1 (32 connections);
#  - the same IdP on PostgreSQL (tests/postgres.sh's throwaway cluster), unpinned, to show what
#    the one-writer SQLite file costs (PostgreSQL's own CPU is not in the IdP's CPU per token);
#  - the peer, npm oidc-provider 9 (bench/peers, installed here), client_credentials with ES256
#    JWT access tokens, loaded by the same client: one process, and one worker per core;
#  - the same IdP's /health/live under the same load (32 connections), the cheapest request it
#    serves: limit for a token = 1 / (1/signing rate + 1/that rate);
#  - the ratios the issue sets targets for: RS256 tokens/s over that limit (target >= 0.75; also
#    over the bare signing rate), and our ES256 tokens/s over oidc-provider's best (target >= 2).
# Run it on an otherwise idle machine: both sides and the load generator share the cores.
#  - then ours (RS256 and ES256) and the peer side by side, ROUNDS (default 3) alternating runs at
#    32 connections, reported as medians: the peer's figure varies by a third between runs here.
# Usage: [ROUNDS=3] bench/token.sh [seconds per run, default 20]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_RUN="${1:-20}"
# .NET keeps re-compiling hot code (tiered compilation, dynamic PGO) for ~20 s under this load on
# 2 cores; the CPU per token falls from ~3.5 ms to ~1 ms meanwhile. Measure the steady state.
WARMUP_SECONDS=30
PEER_WARMUP_SECONDS=10
PORT=5200
PEER_PORT=5210
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

dotnet build "$ROOT/src/IdP" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build "$ROOT/src/Admin" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build "$ROOT/bench/TokenLoad" -c Release -nologo -v quiet -clp:ErrorsOnly
LOAD="$ROOT/bench/TokenLoad/bin/Release/net10.0/KeyPortal.TokenLoad.dll"
(cd "$ROOT/bench/peers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export Database__ConnectionString="Data Source=$WORK/bench.db" PublicUrls__IdP="http://localhost:$PORT/"
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate >/dev/null)

sign_rate() { # openssl algorithm, label, processes → signatures/s
  openssl speed -seconds 3 -multi "$3" "$1" 2>/dev/null | awk -v a="$2" '$0 ~ a { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v[++n] = $i; print v[n-1]; exit }'
}
RSA_ALL="$(sign_rate rsa2048 'rsa 2048' "$(nproc)")"
EC_ALL="$(sign_rate ecdsap256 'nistp256' "$(nproc)")"
RSA_ONE="$(sign_rate rsa2048 'rsa 2048' 1)"
EC_ONE="$(sign_rate ecdsap256 'nistp256' 1)"
echo "openssl signatures/s: RS256 $RSA_ALL on $(nproc) cores ($RSA_ONE on one), ES256 $EC_ALL ($EC_ONE on one)"

wait_ready() { for _ in $(seq 1 120); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "server did not start: $1" >&2; return 1; }
peak_rss_mb() { local kb=0; for p in "$@"; do kb=$((kb + $(awk '/VmHWM/ { print $2 }' "/proc/$p/status"))); done; echo $((kb / 1024)); }
load() { # endpoint connections pids [taskset prefix...] → JSON line
  local endpoint="$1" c="$2" pids="$3"; shift 3
  "$@" dotnet "$LOAD" "$endpoint" "$c" "$SECONDS_PER_RUN" demo-client demo-secret --server-pids "$pids"
}

runs=()
record() { # side algorithm pinned workers json pids...
  local side="$1" alg="$2" pinned="$3" workers="$4" result="$5"; shift 5
  local rss; rss="$(peak_rss_mb "$@")"
  runs+=("{\"server\":\"$side\",\"algorithm\":\"$alg\",\"pinned\":$pinned,\"workers\":$workers,\"load\":$result,\"peakRssMb\":$rss}")
  printf '%-14s %s pinned=%s workers=%s %s peakRss=%sMB\n' "$side" "$alg" "$pinned" "$workers" "$result" "$rss"
}

# --- ours
for alg in RS256 ES256; do
  for pinned in false true; do
    export IdentityProvider__Signing__Algorithm="$alg"
    server_cpus=(); load_cpus=()
    if [ "$pinned" = true ]; then server_cpus=(taskset -c 0); load_cpus=(taskset -c 1); fi
    (cd "$ROOT/src/IdP" && exec "${server_cpus[@]}" dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$PORT") >"$WORK/idp-$alg.log" 2>&1 &
    SERVER=$!
    wait_ready "http://127.0.0.1:$PORT/health/ready"
    "${load_cpus[@]}" dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
    if [ "$pinned" = true ]; then connection_counts=(32); else connection_counts=(8 32); fi
    for c in "${connection_counts[@]}"; do
      record keyportal "$alg" "$pinned" 1 "$(load "http://127.0.0.1:$PORT/connect/token" "$c" "$SERVER" "${load_cpus[@]}")" "$SERVER"
    done
    if [ "$pinned" = false ]; then
      # The cheapest request this IdP serves, under the same load: with one signature, the limit for a token.
      record keyportal-health-live "$alg" false 1 "$(dotnet "$LOAD" "http://127.0.0.1:$PORT/health/live" 32 "$SECONDS_PER_RUN" demo-client demo-secret --server-pids "$SERVER" --get)" "$SERVER"
    fi
    kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
  done
done

# --- ours on PostgreSQL (the stored token entry per access token is a row insert there too)
PG_CONNECTION="$("$ROOT/tests/postgres.sh" start)"
PG_DB="keyportal_token_bench"
PG_PORT="$(echo "$PG_CONNECTION" | sed -E 's/.*Port=([0-9]+).*/\1/')"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
PG_BENCH="$(echo "$PG_CONNECTION" | sed -E "s/Database=[^;]*/Database=$PG_DB/")"   # created by the migration
(
  export Database__Provider=Postgres Database__ConnectionString="$PG_BENCH"
  cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate >/dev/null
)
for alg in RS256 ES256; do
  (export Database__Provider=Postgres Database__ConnectionString="$PG_BENCH" IdentityProvider__Signing__Algorithm="$alg"
   cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$PORT") >"$WORK/idp-pg-$alg.log" 2>&1 &
  SERVER=$!
  wait_ready "http://127.0.0.1:$PORT/health/ready"
  dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
  for c in 8 32; do
    record keyportal-postgres "$alg" false 1 "$(load "http://127.0.0.1:$PORT/connect/token" "$c" "$SERVER")" "$SERVER"
  done
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
done

# --- peer: npm oidc-provider, ES256 JWT access tokens
NODE_VERSION="$(node --version)"
PEER_VERSION="$(node -p "require('$ROOT/bench/peers/node_modules/oidc-provider/package.json').version")"
for workers in 1 "$(nproc)"; do
  (cd "$ROOT/bench/peers" && exec node oidc-provider.mjs "$PEER_PORT" "$workers") >"$WORK/peer-$workers.log" 2>&1 &
  SERVER=$!
  wait_ready "http://127.0.0.1:$PEER_PORT/.well-known/openid-configuration"
  pids="$SERVER"
  if [ "$workers" -gt 1 ]; then
    sleep 1
    pids="$SERVER,$(pgrep -P "$SERVER" | paste -sd, -)"   # primary (hands out connections) and workers
  fi
  dotnet "$LOAD" "http://127.0.0.1:$PEER_PORT/token" 8 "$PEER_WARMUP_SECONDS" demo-client demo-secret >/dev/null
  for c in 8 32; do
    record oidc-provider ES256 false "$workers" "$(load "http://127.0.0.1:$PEER_PORT/token" "$c" "$pids")" ${pids//,/ }
  done
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
done

# --- side by side: ours RS256, ours ES256 and the peer (two workers) run at once on their own
# ports, warmed once, then loaded one after another at 32 connections, ROUNDS times in turn, so
# that drifts of the machine hit all three alike; the summary takes the medians of these rounds.
ROUNDS="${ROUNDS:-3}"
ALT_PIDS=()
for alg in RS256 ES256; do
  port=$PORT; [ "$alg" = ES256 ] && port=$((PORT + 1))
  (export IdentityProvider__Signing__Algorithm="$alg" PublicUrls__IdP="http://localhost:$port/"
   cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$port") >"$WORK/idp-alt-$alg.log" 2>&1 &
  ALT_PIDS+=($!)
  wait_ready "http://127.0.0.1:$port/health/ready"
done
(cd "$ROOT/bench/peers" && exec node oidc-provider.mjs "$PEER_PORT" "$(nproc)") >"$WORK/peer-alt.log" 2>&1 &
ALT_PIDS+=($!)
SERVER="${ALT_PIDS[*]}"
wait_ready "http://127.0.0.1:$PEER_PORT/.well-known/openid-configuration"
sleep 1
PEER_PIDS="${ALT_PIDS[2]},$(pgrep -P "${ALT_PIDS[2]}" | paste -sd, -)"
dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
dotnet "$LOAD" "http://127.0.0.1:$((PORT + 1))/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
dotnet "$LOAD" "http://127.0.0.1:$PEER_PORT/token" 8 "$PEER_WARMUP_SECONDS" demo-client demo-secret >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  record keyportal-alternating RS256 false 1 "$(load "http://127.0.0.1:$PORT/connect/token" 32 "${ALT_PIDS[0]}")" "${ALT_PIDS[0]}"
  record keyportal-alternating ES256 false 1 "$(load "http://127.0.0.1:$((PORT + 1))/connect/token" 32 "${ALT_PIDS[1]}")" "${ALT_PIDS[1]}"
  record oidc-provider-alternating ES256 false "$(nproc)" "$(load "http://127.0.0.1:$PEER_PORT/token" 32 "$PEER_PIDS")" ${PEER_PIDS//,/ }
done
kill "${ALT_PIDS[@]}" 2>/dev/null; wait "${ALT_PIDS[@]}" 2>/dev/null || true; SERVER=""

# --- summary
RUNS_JSON="[ $(IFS=,; echo "${runs[*]}") ]"
SUMMARY="$(RUNS="$RUNS_JSON" RSA_ALL="$RSA_ALL" RSA_ONE="$RSA_ONE" ROUNDS="$ROUNDS" node --input-type=module -e '
  const runs = JSON.parse(process.env.RUNS);
  const best = (f) => Math.max(...runs.filter(f).map((r) => r.load.tokensPerSecond));
  const shared = (server, alg) => (r) => r.server === server && r.algorithm === alg && !r.pinned;
  const rs = best(shared("keyportal", "RS256")), es = best(shared("keyportal", "ES256")), peer = best(shared("oidc-provider", "ES256"));
  const rsPinned = best((r) => r.server === "keyportal" && r.algorithm === "RS256" && r.pinned);
  const rsPostgres = best(shared("keyportal-postgres", "RS256")), esPostgres = best(shared("keyportal-postgres", "ES256"));
  const round = (x) => Math.round(x * 1000) / 1000;
  // The limit for an RS256 token: one signature (all cores) plus the cheapest request.
  const live = best(shared("keyportal-health-live", "RS256"));
  const median = (f) => { const v = runs.filter(f).map((r) => r.load.tokensPerSecond).sort((a, b) => a - b); return v.length ? v[Math.floor(v.length / 2)] : null; };
  const rsMedian = median(shared("keyportal-alternating", "RS256")), esMedian = median(shared("keyportal-alternating", "ES256"));
  const peerMedian = median(shared("oidc-provider-alternating", "ES256"));
  const tokenLimit = 1 / (1 / Number(process.env.RSA_ALL) + 1 / live);
  process.stdout.write(JSON.stringify({
    bestRs256TokensPerSecond: rs, bestEs256TokensPerSecond: es, bestOidcProviderEs256TokensPerSecond: peer,
    bestRs256TokensPerSecondOnPostgres: rsPostgres, bestEs256TokensPerSecondOnPostgres: esPostgres,
    rs256OverSigningLimit: round(rs / Number(process.env.RSA_ALL)),
    healthLiveRequestsPerSecond: live, rs256TokenLimit: Math.round(tokenLimit), rs256OverTokenLimit: round(rs / tokenLimit), rs256Target: 0.75,
    pinnedRs256OverOneCoreSigningLimit: round(rsPinned / Number(process.env.RSA_ONE)),
    es256OverOidcProvider: round(es / peer), es256Target: 2,
    alternatingRounds: Number(process.env.ROUNDS), medianRs256TokensPerSecond: rsMedian, medianEs256TokensPerSecond: esMedian,
    medianOidcProviderEs256TokensPerSecond: peerMedian, medianRs256OverTokenLimit: round(rsMedian / tokenLimit),
    medianEs256OverOidcProvider: round(esMedian / peerMedian),
  }));
')"

mkdir -p "$ROOT/bench/results"
{
  echo "{"
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"cores\": $(nproc), \"cpu\": \"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)\","
  echo "  \"dotnet\": \"$(dotnet --version)\", \"node\": \"$NODE_VERSION\", \"oidcProvider\": \"$PEER_VERSION\", \"database\": \"SQLite (keyportal), PostgreSQL (keyportal-postgres)\", \"secondsPerRun\": $SECONDS_PER_RUN,"
  echo "  \"opensslSignaturesPerSecond\": { \"rsa2048\": $RSA_ALL, \"ecdsaP256\": $EC_ALL, \"rsa2048OneCore\": $RSA_ONE, \"ecdsaP256OneCore\": $EC_ONE },"
  echo "  \"summary\": $SUMMARY,"
  echo "  \"runs\": ["
  for i in "${!runs[@]}"; do
    if [ "$i" -lt $((${#runs[@]} - 1)) ]; then echo "    ${runs[$i]},"; else echo "    ${runs[$i]}"; fi
  done
  echo "  ]"
  echo "}"
} > "$ROOT/bench/results/token.json"
echo "summary: $SUMMARY"
echo "written to bench/results/token.json"
