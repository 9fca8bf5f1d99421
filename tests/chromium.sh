#!/usr/bin/env bash
# Installs Debian's chromium package when it is missing and prints the browser's path, for the
# browser tests (tests/EndToEnd). Playwright's driver comes in its NuGet package; no browser is
# ever downloaded by Playwright.
set -euo pipefail

CHROMIUM="${KEYPORTAL_CHROMIUM:-/usr/bin/chromium}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Chromium (Debian package chromium)..." >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
echo "$CHROMIUM"
