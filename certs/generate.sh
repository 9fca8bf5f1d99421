#!/usr/bin/env bash
# Makes development keys and certificates under certs/ (git-ignored). Idempotent: existing
# files are kept, so tokens signed earlier stay valid. Production keys are configured PKCS#12
# files, never these.
set -euo pipefail
DIR="$(cd "$(dirname "$0")" && pwd)"
cd "$DIR"
PASSWORD="${KEYPORTAL_DEV_CERT_PASSWORD:-development}"

make_rsa() { # name subject
  [ -f "$1.pfx" ] && return
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -subj "$2" -keyout "$1.key" -out "$1.crt" 2>/dev/null
  openssl pkcs12 -export -inkey "$1.key" -in "$1.crt" -out "$1.pfx" -passout "pass:$PASSWORD"
  rm -f "$1.key"
  echo "created certs/$1.pfx"
}

make_ec() { # name subject
  [ -f "$1.pfx" ] && return
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 825 -subj "$2" -keyout "$1.key" -out "$1.crt" 2>/dev/null
  openssl pkcs12 -export -inkey "$1.key" -in "$1.crt" -out "$1.pfx" -passout "pass:$PASSWORD"
  rm -f "$1.key"
  echo "created certs/$1.pfx"
}

make_rsa idp-signing-rsa "/CN=Key Portal development token signing (RS256)"
make_ec idp-signing-ec "/CN=Key Portal development token signing (ES256)"
make_rsa idp-encryption "/CN=Key Portal development token encryption"
make_rsa saml-sp "/CN=Key Portal development SAML service provider"
