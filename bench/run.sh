#!/usr/bin/env bash
# Runs the benchmarks on SQLite and PostgreSQL side by side; prints the numbers and writes them
# to bench/results/. Usage: bench/run.sh [members per organization, default 100000] [users: the Users page and search only]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export KEYPORTAL_TEST_POSTGRES="$("$ROOT/tests/postgres.sh" start)"
mkdir -p "$ROOT/bench/results"
out="$ROOT/bench/results/core-$(date -u +%Y%m%d-%H%M%S).txt"
{
  echo "# Core database paths, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(dotnet --version)"
  dotnet run -c Release --project "$ROOT/bench/Core.Bench" -- "${1:-100000}" ${2:-}
} | tee "$out"
echo "written to ${out#$ROOT/}"
