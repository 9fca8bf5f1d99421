#!/usr/bin/env bash
# Token endpoint throughput: the IdP in Release on SQLite, client_credentials from a second
# process at 8 and 32 connections, RS256 then ES256, next to this machine's signing limit
# (openssl speed on both cores). Writes bench/results/token.json.
# Usage: bench/token.sh [seconds per run, default 20]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_RUN="${1:-20}"
PORT=5200
WORK="$(mktemp -d)"
IDP=""
trap '[ -n "$IDP" ] && kill $IDP 2>/dev/null || true; rm -rf "$WORK"' EXIT

dotnet build "$ROOT/src/IdP" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build "$ROOT/src/Admin" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build "$ROOT/bench/TokenLoad" -c Release -nologo -v quiet -clp:ErrorsOnly
LOAD="$ROOT/bench/TokenLoad/bin/Release/net10.0/KeyPortal.TokenLoad.dll"

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning
export Database__ConnectionString="Data Source=$WORK/bench.db" PublicUrls__IdP="http://localhost:$PORT/"
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate >/dev/null)

sign_rate() { # openssl algorithm → signatures/s on all cores
  openssl speed -seconds 3 -multi "$(nproc)" "$1" 2>/dev/null | awk -v a="$2" '$0 ~ a { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v[++n] = $i; print v[n-1]; exit }'
}
RSA_RATE="$(sign_rate rsa2048 'rsa 2048')"
EC_RATE="$(sign_rate ecdsap256 'nistp256')"

runs=()
for alg in RS256 ES256; do
  export IdentityProvider__Signing__Algorithm="$alg"
  (cd "$ROOT/src/IdP" && exec dotnet bin/Release/net10.0/KeyPortal.IdP.dll --urls "http://127.0.0.1:$PORT") >"$WORK/idp-$alg.log" 2>&1 &
  IDP=$!
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  for c in 8 32; do
    result="$(dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" "$c" "$SECONDS_PER_RUN" demo-client demo-secret)"
    rss_kb="$(awk '/VmHWM/ { print $2 }' /proc/$IDP/status)"
    runs+=("{\"algorithm\":\"$alg\",\"load\":$result,\"peakRssMb\":$((rss_kb / 1024))}")
    echo "$alg c=$c $result peakRss=$((rss_kb / 1024))MB"
  done
  kill $IDP; wait $IDP 2>/dev/null || true
done

mkdir -p "$ROOT/bench/results"
{
  echo "{"
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"cores\": $(nproc), \"database\": \"SQLite\","
  echo "  \"opensslSignaturesPerSecond\": { \"rsa2048\": $RSA_RATE, \"ecdsaP256\": $EC_RATE },"
  echo "  \"runs\": [ $(IFS=,; echo "${runs[*]}") ]"
  echo "}"
} > "$ROOT/bench/results/token.json"
echo "machine signing limit (all cores): RS256 $RSA_RATE/s, ES256 $EC_RATE/s"
echo "written to bench/results/token.json"
