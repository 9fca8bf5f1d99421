#!/usr/bin/env bash
# Where the token endpoint spends its CPU: the IdP in Release on SQLite under client_credentials
# load (bench/TokenLoad, 32 connections) after a warm-up, sampled by dotnet-trace (dotnet-sampled-thread-time: managed stacks of every thread at ~100 Hz)
# and summed by dotnet-trace's own report: the top frames by inclusive and by exclusive time,
# with dotnet-counters' view of the same load (CPU, GC, allocation rate, thread pool).
# Writes bench/results/token-profile-<algorithm>.md. Run it on an otherwise idle machine.
# Usage: bench/token-profile.sh [RS256|ES256, default RS256] [seconds sampled, default 15]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ALG="${1:-RS256}"
SAMPLE_SECONDS="${2:-15}"
WARMUP_SECONDS=30
PORT=5200
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$ROOT"
dotnet tool restore >/dev/null

dotnet build "$ROOT/src/IdP" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build "$ROOT/src/Admin" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build "$ROOT/bench/TokenLoad" -c Release -nologo -v quiet -clp:ErrorsOnly
LOAD="$ROOT/bench/TokenLoad/bin/Release/net10.0/KeyPortal.TokenLoad.dll"

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export Database__ConnectionString="Data Source=$WORK/bench.db" PublicUrls__IdP="http://localhost:$PORT/"
export IdentityProvider__Signing__Algorithm="$ALG"
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate >/dev/null)
(cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$PORT") >"$WORK/idp.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done

# Steady state first: tiered compilation and dynamic PGO settle under load.
dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null

# The load runs a little longer than each collection, so that both see only loaded time.
RUN_SECONDS=$((SAMPLE_SECONDS + 6))
dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 32 "$RUN_SECONDS" demo-client demo-secret --server-pids "$SERVER" >"$WORK/load-trace.json" &
LOADER=$!
sleep 3
dotnet dotnet-trace collect -p "$SERVER" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf '%02d' "$SAMPLE_SECONDS")" --format Speedscope -o "$WORK/token.nettrace" >/dev/null
wait $LOADER

dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 32 "$RUN_SECONDS" demo-client demo-secret --server-pids "$SERVER" >"$WORK/load-counters.json" &
LOADER=$!
sleep 3
dotnet dotnet-counters collect -p "$SERVER" --counters System.Runtime,Microsoft.AspNetCore.Hosting --refresh-interval 1 \
  --duration "00:00:00:$(printf '%02d' "$SAMPLE_SECONDS")" --format csv -o "$WORK/counters.csv" >/dev/null
wait $LOADER
kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""

cp "$WORK/token.speedscope.json" "${TMPDIR:-/tmp}/token-$ALG.speedscope.json"
REQUEST_PATH="$(python3 "$ROOT/bench/profile-report.py" "$WORK/token.speedscope.json" 45)"
EXCLUSIVE="$(dotnet dotnet-trace report "$WORK/token.nettrace" topN -n 25)"
# The counters' mean over the loaded seconds, one line per counter.
COUNTERS="$(awk -F, 'NR > 1 { key = $3; gsub(/"/, "", key); sum[key] += $NF; n[key]++ }
  END { for (k in sum) printf "| %s | %.2f |\n", k, sum[k] / n[k] }' "$WORK/counters.csv" | sort)"

mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/token-profile-$ALG.md"
{
  echo "# Token endpoint profile, $ALG, client_credentials"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), .NET $(dotnet --version)."
  echo "IdP in Release on SQLite after a ${WARMUP_SECONDS} s warm-up; bench/TokenLoad at 32 connections; ${SAMPLE_SECONDS} s of dotnet-trace thread-time sampling (threads waiting for work are sampled too: read the request path, not the idle frames)."
  echo
  echo "Load while tracing (the sampler itself costs some throughput): \`$(cat "$WORK/load-trace.json")\`"
  echo
  echo "Load while counting: \`$(cat "$WORK/load-counters.json")\`"
  echo
  echo "## Busy threads (the request path: parked and housekeeping threads left out)"
  echo
  echo "$REQUEST_PATH"
  echo
  echo "## Every thread, top frames by exclusive time (dotnet-trace report; idle waits included)"
  echo
  echo '```'
  echo "$EXCLUSIVE"
  echo '```'
  echo
  echo "## Runtime counters (mean over the loaded seconds)"
  echo
  echo "| counter | mean |"
  echo "|---|---|"
  echo "$COUNTERS"
} > "$OUT"
echo "written to ${OUT#$ROOT/}"
