#!/usr/bin/env bash
# The token endpoint under the runtime's settings, and long runs; written to
# bench/results/token-settings.json. The IdP in Release on SQLite, RS256, client_credentials
# from bench/TokenLoad:
#  1. per configuration, the time from process start to the first token, then tokens/s, p99 and
#     peak RSS at 32 connections after a 30 s warm-up:
#       default      Server GC with DATAS (ASP.NET Core's default on .NET 10), tiered PGO on
#       no-datas     Server GC with a fixed heap count (DOTNET_GCDynamicAdaptationMode=0)
#       workstation  Workstation GC (DOTNET_gcServer=0)
#       no-pgo       dynamic PGO off (DOTNET_TieredPGO=0)
#       readytorun   published with PublishReadyToRun (precompiled code: start-up)
#  2. the default for 60 s at 8, 32 and 256 connections: errors, p99, peak RSS.
# Run it on an otherwise idle machine: the IdP and the load generator share the cores.
# Usage: bench/token-settings.sh [seconds per configuration, default 20] [seconds per long run, default 60]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_RUN="${1:-20}"
LONG_SECONDS="${2:-60}"
WARMUP_SECONDS=30
PORT=5200
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

for p in src/IdP src/Admin bench/TokenLoad; do dotnet build "$ROOT/$p" -c Release -nologo -v quiet -clp:ErrorsOnly; done
dotnet publish "$ROOT/src/IdP" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$WORK/readytorun" -nologo -v quiet -clp:ErrorsOnly
cp -r "$ROOT/src/IdP/bin/Release/net10.0" "$WORK/jit"
LOAD="$ROOT/bench/TokenLoad/bin/Release/net10.0/KeyPortal.TokenLoad.dll"

export ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning IdentityProvider__Signing__Algorithm=RS256
export Database__ConnectionString="Data Source=$WORK/bench.db" PublicUrls__IdP="http://localhost:$PORT/"
(cd "$ROOT/src/Admin" && dotnet bin/Release/net10.0/KeyPortal.Admin.dll migrate >/dev/null)

peak_rss_mb() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
TOKEN_FORM="grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=api"
start_idp() { # directory, then VAR=value... → sets SERVER; writes milliseconds to the first token to $WORK/first
  local dir="$1"; shift
  local started; started="$(date +%s%N)"
  (cd "$ROOT/src/IdP" && exec env "$@" dotnet "$dir/KeyPortal.IdP.dll" --contentRoot "$ROOT/src/IdP" --urls "http://127.0.0.1:$PORT") >"$WORK/idp.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null -d "$TOKEN_FORM" "http://127.0.0.1:$PORT/connect/token" 2>/dev/null; then
      echo $(( ($(date +%s%N) - started) / 1000000 )) >"$WORK/first"; return 0
    fi
    sleep 0.05
  done
  echo "the IdP did not answer a token request" >&2; tail -20 "$WORK/idp.log" >&2; return 1
}
stop_idp() { kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""; }

configurations=()
run_configuration() { # name directory VAR=value...
  local name="$1" dir="$2"; shift 2
  start_idp "$dir" "$@"
  local first; first="$(cat "$WORK/first")"
  dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
  local result; result="$(dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 32 "$SECONDS_PER_RUN" demo-client demo-secret --server-pids "$SERVER")"
  local rss; rss="$(peak_rss_mb "$SERVER")"
  stop_idp
  configurations+=("{\"name\":\"$name\",\"settings\":\"$*\",\"firstTokenMs\":$first,\"load\":$result,\"peakRssMb\":$rss}")
  printf '%-12s first token %5s ms  %s peakRss=%sMB\n' "$name" "$first" "$result" "$rss"
}
run_configuration default "$WORK/jit"
run_configuration no-datas "$WORK/jit" DOTNET_GCDynamicAdaptationMode=0
run_configuration workstation "$WORK/jit" DOTNET_gcServer=0
run_configuration no-pgo "$WORK/jit" DOTNET_TieredPGO=0
run_configuration readytorun "$WORK/readytorun"

long=()
start_idp "$WORK/jit"
dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" 8 "$WARMUP_SECONDS" demo-client demo-secret >/dev/null
for c in 8 32 256; do
  result="$(dotnet "$LOAD" "http://127.0.0.1:$PORT/connect/token" "$c" "$LONG_SECONDS" demo-client demo-secret --server-pids "$SERVER")"
  long+=("{\"connections\":$c,\"load\":$result}")
  printf '%4s connections, %s s: %s\n' "$c" "$LONG_SECONDS" "$result"
done
rss="$(peak_rss_mb "$SERVER")"
stop_idp
echo "peak RSS over the long runs: ${rss} MB"

mkdir -p "$ROOT/bench/results"
{
  echo "{\"measuredAt\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"cores\":$(nproc),\"dotnet\":\"$(dotnet --version)\",\"secondsPerConfiguration\":$SECONDS_PER_RUN,"
  echo " \"configurations\":[$(IFS=,; echo "${configurations[*]}")],"
  echo " \"longRuns\":{\"seconds\":$LONG_SECONDS,\"peakRssMb\":$rss,\"runs\":[$(IFS=,; echo "${long[*]}")]}}"
} | python3 -m json.tool > "$ROOT/bench/results/token-settings.json"
echo "written to bench/results/token-settings.json"
