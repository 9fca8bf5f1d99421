#!/usr/bin/env bash
# Installs what the tests need when it is missing (PostgreSQL, Chromium, identity providers, DNS),
# runs every test, and prints the totals as one line: "N passed, N failed" (", N skipped" when any).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

KEYPORTAL_TEST_POSTGRES="$(tests/postgres.sh start)" || { echo "Could not start PostgreSQL for the tests." >&2; exit 1; }
export KEYPORTAL_TEST_POSTGRES
# Browser tests (tests/EndToEnd): Debian's Chromium driven by Playwright, whose driver comes in
# its NuGet package; Playwright must never try to download a browser of its own.
KEYPORTAL_CHROMIUM="$(tests/chromium.sh)" || { echo "Could not install Chromium for the browser tests." >&2; exit 1; }
export KEYPORTAL_CHROMIUM PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Customer identity providers, DNS and the reverse proxy (simplesamlphp, pysaml2, oidc-provider, dnsmasq, nginx) on loopback.
tests/peers/install.sh || { echo "Could not install the identity-provider and DNS peers for the tests." >&2; exit 1; }

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
dotnet test "$ROOT/Portal.sln" --logger "trx" --logger "console;verbosity=minimal" --results-directory "$RESULTS" "$@"
status=$?

# Totals from the TRX files (dotnet test prints one summary per project, not one in all).
read -r passed failed skipped < <(
  cat "$RESULTS"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"|\/|>/, "", kv[2]); c[kv[1]] += kv[2] } }
    END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["total"] - c["executed"] }')
files=$(ls "$RESULTS"/*.trx 2>/dev/null | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or a test host failed before any result was written: count it as a failure.
  failed=1
fi
line="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then line="$line, $skipped skipped"; fi
echo "$line"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$files" -eq 0 ]; then exit 1; fi
