#!/usr/bin/env bash
# Starts SimpleSAMLphp on 127.0.0.1 as a customer's SAML identity provider for the demo
# organization Contoso (or the organization whose short name is given), for trying single
# sign-on in the running product (./run.sh). It trusts the organization's service provider by
# reading our SAML metadata from the IdP on every request, so start it any time; sign-in works
# once an Owner has saved the SAML connection on the Portal's Single sign-on page.
#
#   demo/saml-idp.sh [organization-slug] [port]     (defaults: contoso 8089)
#
# Its people (password Demo-IdP-Password-2026): admin@, auditor@ and owner@ of the organization's
# demo domain (contoso.example). Ctrl-C stops it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SLUG="${1:-contoso}"
PORT="${2:-8089}"
IDP_URL="${KEYPORTAL_IDP_URL:-http://localhost:5000/}"
DOMAIN="${DEMO_DOMAIN:-$SLUG.example}"
PASSWORD="Demo-IdP-Password-2026"

if [ ! -d /usr/share/simplesamlphp/www ] || [ ! -x /usr/bin/php ]; then
  "$ROOT/tests/peers/install.sh"
fi

WORK="$ROOT/data/demo-saml-idp"
rm -rf "$WORK"
mkdir -p "$WORK/cert" "$WORK/tmp" "$WORK/sessions"
cp -r "$ROOT/tests/peers/simplesamlphp" "$WORK/config"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=Demo customer identity provider" \
  -keyout "$WORK/cert/idp.key" -out "$WORK/cert/idp.crt" 2>/dev/null

BASE="http://127.0.0.1:$PORT/"
python3 - "$WORK" "$BASE" "$IDP_URL" "$SLUG" "$DOMAIN" "$PASSWORD" <<'PY'
import json, secrets, sys
work, base, idp, slug, domain, password = sys.argv[1:]
users = [{"username": f"{name}@{domain}", "password": password, "attributes": {"email": [f"{name}@{domain}"]}}
         for name in ("admin", "auditor", "owner")]
settings = {
    "baseUrl": base, "entityId": base + "saml2/idp/metadata.php", "workDirectory": work,
    "secretSalt": secrets.token_hex(16), "adminPassword": secrets.token_hex(16),
    "certificate": work + "/cert/idp.crt", "privateKey": work + "/cert/idp.key",
    # Our metadata for the organization, read live (PHP's file_get_contents takes URLs).
    "serviceProviderMetadata": f"{idp}sso/{slug}/saml/metadata",
    "signAssertion": True, "signResponse": False, "encryptAssertion": False, "users": users,
}
open(work + "/config/settings.json", "w").write(json.dumps(settings))
PY

cat <<INFO
SimpleSAMLphp for organization '$SLUG' at $BASE
  Its metadata (paste this address on the Portal's Single sign-on page, "Read it from its address"):
    ${BASE}saml2/idp/metadata.php
  People: admin@$DOMAIN, auditor@$DOMAIN, owner@$DOMAIN — password $PASSWORD
INFO
exec env SIMPLESAMLPHP_CONFIG_DIR="$WORK/config" php -S "127.0.0.1:$PORT" -t /usr/share/simplesamlphp/www
