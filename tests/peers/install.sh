#!/usr/bin/env bash
# Installs the customer identity providers and the DNS server the tests run against, when they are
# missing: Debian's simplesamlphp (with the PHP extensions it needs at run time), python3-pysaml2
# (with xmlsec1, which it signs with), dnsmasq, nginx (the scale-out tests' reverse proxy), and npm
# oidc-provider (tests/peers/oidc-provider).
# Quiet when everything is there; fails loudly otherwise, so that no test silently lacks its peer.
set -euo pipefail

PEERS="$(cd "$(dirname "$0")" && pwd)"
export DEBIAN_FRONTEND=noninteractive

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# simplesamlphp 1.19 needs DOM and mbstring at run time, which Debian's php-cli does not bring.
PACKAGES=(simplesamlphp php-cli php-xml php-mbstring python3-pysaml2 xmlsec1 dnsmasq)
missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done
# The reverse proxy of the scale-out tests (deploy/proxy.sh): any nginx will do.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then missing+=(nginx-light); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing test peers (Debian packages ${missing[*]})..." >&2
  # The packages come with system services (dnsmasq, and Apache for simplesamlphp) that the tests
  # do not use: each test starts its own instance on a free loopback port. Keep apt from starting
  # them, unless the machine already has a policy of its own.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    own_policy=true
  fi
  log="$(mktemp)"
  status=0
  { as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1 || status=$?
  if [ "$own_policy" = true ]; then as_root rm -f "$policy"; fi
  if [ "$status" -ne 0 ]; then
    cat "$log" >&2
    echo "Could not install ${missing[*]}." >&2
    exit "$status"
  fi
  rm -f "$log"
fi

# A system dnsmasq listening on port 53 is not ours to keep running; ours run in the foreground.
if [ -e /run/dnsmasq/dnsmasq.pid ] && kill -0 "$(cat /run/dnsmasq/dnsmasq.pid)" 2>/dev/null; then
  as_root /etc/init.d/dnsmasq stop >&2 || true
fi
if command -v update-rc.d >/dev/null && [ -e /etc/init.d/dnsmasq ]; then
  as_root update-rc.d dnsmasq disable >/dev/null 2>&1 || true
fi

# oidc-provider 9 needs Node.js 20.19 or later (the machine's /usr/bin/node).
NODE=/usr/bin/node
if [ ! -x "$NODE" ]; then
  echo "The OpenID Connect test peer needs Node.js at $NODE." >&2
  exit 1
fi
if ! "$NODE" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "The OpenID Connect test peer needs Node.js 20.19 or later; $NODE is $("$NODE" --version)." >&2
  exit 1
fi
cd "$PEERS/oidc-provider"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing test peers (npm oidc-provider)..." >&2
  log="$(mktemp)"
  npm ci --no-audit --no-fund >"$log" 2>&1 || { cat "$log" >&2; echo "Could not install npm oidc-provider." >&2; exit 1; }
  rm -f "$log"
fi
