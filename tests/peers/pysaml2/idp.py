"""A customer's SAML 2.0 identity provider of a second make, for the tests: Debian's pysaml2
(saml2.server.Server) behind a small WSGI app on 127.0.0.1.

Run with /usr/bin/python3 idp.py SETTINGS.json; the test harness
(tests/TestSupport/Peers/PySaml2Idp.cs) writes the settings. Endpoints:

  GET  /metadata           the identity provider's SAML metadata
  GET  /sso/redirect       AuthnRequest, HTTP-Redirect binding (signature checked when the service
                           provider's metadata says AuthnRequestsSigned="true")
  POST /sso/post           AuthnRequest, HTTP-POST binding
  GET  /sso/unsolicited    IdP-initiated sign-in: ?spentityid=...&RelayState=...
  POST /sso/login          the login form (username, password) of one pending sign-in

A signed-in browser keeps a session cookie and is not asked again unless the request has
ForceAuthn="true". The service provider's metadata file is read again whenever it changes.
"""

import base64
import html
import json
import logging
import os
import secrets
import sys
import threading
import time
from http.cookies import SimpleCookie
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, unquote_plus
from wsgiref import simple_server
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import SIGNER_ALGS, extract_rsa_key_from_x509_cert, pem_format
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PASSWORD_PROTECTED_TRANSPORT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
SESSION_COOKIE = "pysaml2_idp_session"
PENDING_LIFETIME_SECONDS = 15 * 60

log = logging.getLogger("pysaml2-idp")


class Settings:
    def __init__(self, path):
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        self.port = data["port"]
        self.base_url = data["baseUrl"].rstrip("/")
        self.entity_id = data["entityId"]
        self.certificate = data["certificate"]
        self.private_key = data["privateKey"]
        self.sp_metadata = data["serviceProviderMetadata"]
        self.sign_assertion = data["signAssertion"]
        self.sign_response = data["signResponse"]
        self.encrypt_assertion = data["encryptAssertion"]
        self.users = {user["username"]: user for user in data["users"]}


class IdentityProvider:
    """The pysaml2 server, rebuilt when the service provider's metadata file changes."""

    def __init__(self, settings):
        self.settings = settings
        self.lock = threading.Lock()
        self.pending = {}
        self.sessions = {}
        self._server = None
        self._metadata_stamp = None

    def server(self):
        stat = os.stat(self.settings.sp_metadata)
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._server is None or stamp != self._metadata_stamp:
            self._server = Server(config=self.config())
            self._metadata_stamp = stamp
            log.info("loaded the service provider's metadata from %s", self.settings.sp_metadata)
        return self._server

    def config(self):
        s = self.settings
        config = IdPConfig()
        config.load({
            "entityid": s.entity_id,
            "name": "pysaml2 test identity provider",
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (s.base_url + "/sso/redirect", BINDING_HTTP_REDIRECT),
                            (s.base_url + "/sso/post", BINDING_HTTP_POST),
                        ],
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "sign_assertion": s.sign_assertion,
                    "sign_response": s.sign_response,
                    # Checked here per service provider (its AuthnRequestsSigned), not for all.
                    "want_authn_requests_signed": False,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_BASIC,
                        },
                    },
                },
            },
            "key_file": s.private_key,
            "cert_file": s.certificate,
            "encryption_keypairs": [{"key_file": s.private_key, "cert_file": s.certificate}],
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"local": [s.sp_metadata]},
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "accepted_time_diff": 60,
            "allow_unknown_attributes": True,
        })
        # Attributes go out under their own names (Name="email", as simplesamlphp sends them), not
        # under pysaml2's built-in urn:mace/urn:oid names.
        names = {"email"} | {name for user in s.users.values() for name in (user.get("attributes") or {})}
        converter = AttributeConverter(NAME_FORMAT_BASIC)
        converter.from_dict({"identifier": NAME_FORMAT_BASIC, "fro": {n: n for n in names}, "to": {n: n for n in names}})
        config.attribute_converters = [converter]
        return config

    def metadata_xml(self):
        return str(entity_descriptor(self.server().config))

    # ----- sign-in -----

    def authn_request(self, binding, saml_request, relay_state, raw_query):
        server = self.server()
        request = server.parse_authn_request(saml_request, binding)
        if request is None:
            raise BadRequest("The AuthnRequest could not be read.")
        message = request.message
        sp = message.issuer.text if message.issuer is not None else None
        if sp is None or not self.knows(server, sp):
            raise BadRequest("The AuthnRequest comes from an unknown service provider: %r." % sp)
        if self.requires_signed_requests(server, sp):
            if binding == BINDING_HTTP_REDIRECT:
                self.verify_redirect_signature(server, sp, raw_query)
            elif message.signature is None:
                # pysaml2 checked an enveloped signature when there was one; here there is none.
                raise BadRequest("The service provider signs its AuthnRequests, but this one is not signed.")
        acs = self.assertion_consumer_service(server, sp, message.assertion_consumer_service_url)
        return {
            "sp": sp,
            "in_response_to": message.id,
            "acs": acs,
            "relay_state": relay_state,
            "force_authn": message.force_authn == "true",
        }

    def unsolicited(self, sp, relay_state):
        server = self.server()
        if not sp or not self.knows(server, sp):
            raise BadRequest("Unknown service provider: %r." % sp)
        acs = self.assertion_consumer_service(server, sp, None)
        return {"sp": sp, "in_response_to": None, "acs": acs, "relay_state": relay_state, "force_authn": False}

    @staticmethod
    def knows(server, sp):
        try:
            server.metadata[sp]
            return True
        except KeyError:
            return False

    @staticmethod
    def requires_signed_requests(server, sp):
        for descriptor in server.metadata[sp].get("spsso_descriptor", []):
            if str(descriptor.get("authn_requests_signed", "false")).lower() == "true":
                return True
        return False

    @staticmethod
    def verify_redirect_signature(server, sp, raw_query):
        # SAML bindings §3.4.4.1: the signature covers SAMLRequest, RelayState and SigAlg exactly
        # as they were URL-encoded in the query, so the raw query is used, not re-encoded values.
        raw = dict(part.split("=", 1) for part in raw_query.split("&") if "=" in part)
        if "Signature" not in raw or "SigAlg" not in raw:
            raise BadRequest("The service provider signs its AuthnRequests, but this one is not signed.")
        sig_alg = unquote_plus(raw["SigAlg"])
        if sig_alg not in SIGNER_ALGS:
            raise BadRequest("Unsupported signature algorithm %r." % sig_alg)
        signed = "&".join(name + "=" + raw[name] for name in ("SAMLRequest", "RelayState", "SigAlg") if name in raw)
        signature = base64.b64decode(unquote_plus(raw["Signature"]))
        signer = SIGNER_ALGS[sig_alg]
        for certificate in server.metadata.certs(sp, "spsso", "signing"):
            key = extract_rsa_key_from_x509_cert(pem_format(certificate))
            try:
                if signer.verify(signed.encode("ascii"), signature, key):
                    return
            except Exception:  # a wrong key raises in some versions instead of returning False
                continue
        raise BadRequest("The AuthnRequest's signature does not verify with the service provider's certificates.")

    @staticmethod
    def assertion_consumer_service(server, sp, requested):
        locations = [acs["location"] for acs in server.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)]
        if not locations:
            raise BadRequest("The service provider has no HTTP-POST assertion consumer service.")
        if requested is None:
            return locations[0]
        if requested not in locations:
            raise BadRequest("The AssertionConsumerServiceURL %r is not in the service provider's metadata." % requested)
        return requested

    def response(self, pending, user):
        server = self.server()
        s = self.settings
        identity = {"email": [user["email"]]}
        for name, values in (user.get("attributes") or {}).items():
            identity[name] = list(values)
        response = server.create_authn_response(
            identity=identity,
            in_response_to=pending["in_response_to"],
            destination=pending["acs"],
            sp_entity_id=pending["sp"],
            userid=user["email"],
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user["email"]),
            authn={"class_ref": PASSWORD_PROTECTED_TRANSPORT, "authn_auth": s.entity_id},
            sign_assertion=s.sign_assertion,
            sign_response=s.sign_response,
            encrypt_assertion=s.encrypt_assertion,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return base64.b64encode(str(response).encode("utf-8")).decode("ascii")

    def add_pending(self, pending):
        now = time.monotonic()
        for key in [k for k, v in self.pending.items() if v["at"] < now - PENDING_LIFETIME_SECONDS]:
            del self.pending[key]
        key = secrets.token_urlsafe(24)
        self.pending[key] = dict(pending, at=now)
        return key

    def check_password(self, username, password):
        user = self.settings.users.get(username)
        if user is None or not secrets.compare_digest(user["password"].encode("utf-8"), password.encode("utf-8")):
            return None
        return user


class BadRequest(Exception):
    pass


# ----- pages -----

def page(title, body):
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head>"
            "<body><h1>%s</h1>%s</body></html>" % (html.escape(title), html.escape(title), body)).encode("utf-8")


def login_page(key, error=None):
    message = "<p role=\"alert\">%s</p>" % html.escape(error) if error else ""
    return page("Sign in to the pysaml2 test identity provider", message + (
        "<form method=\"post\" action=\"/sso/login\">"
        "<input type=\"hidden\" name=\"request\" value=\"%s\">"
        "<label>Username <input type=\"text\" name=\"username\" autocomplete=\"username\"></label>"
        "<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>"
        "<button type=\"submit\">Sign in</button>"
        "</form>") % html.escape(key))


def post_page(acs, saml_response, relay_state):
    relay = ("<input type=\"hidden\" name=\"RelayState\" value=\"%s\">" % html.escape(relay_state)) if relay_state else ""
    return page("Signing you in", (
        "<form method=\"post\" action=\"%s\">"
        "<input type=\"hidden\" name=\"SAMLResponse\" value=\"%s\">%s"
        "<noscript><button type=\"submit\">Continue</button></noscript>"
        "</form><script>document.forms[0].submit();</script>") % (html.escape(acs), saml_response, relay))


def one(fields, name):
    values = fields.get(name)
    return values[0] if values else None


def application(idp):
    def app(environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        fields = parse_qs(query)
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            fields.update(parse_qs(environ["wsgi.input"].read(length).decode("utf-8")))
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        session = cookies[SESSION_COOKIE].value if SESSION_COOKIE in cookies else None
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]

        def reply(status, body, extra_headers=()):
            start_response(status, headers + list(extra_headers))
            return [body]

        try:
            with idp.lock:
                if method == "GET" and path == "/metadata":
                    start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
                    return [idp.metadata_xml().encode("utf-8")]
                if (method, path) in (("GET", "/sso/redirect"), ("POST", "/sso/post")):
                    saml_request = one(fields, "SAMLRequest")
                    if not saml_request:
                        raise BadRequest("No SAMLRequest.")
                    binding = BINDING_HTTP_REDIRECT if method == "GET" else BINDING_HTTP_POST
                    pending = idp.authn_request(binding, saml_request, one(fields, "RelayState"), query)
                elif method == "GET" and path == "/sso/unsolicited":
                    pending = idp.unsolicited(one(fields, "spentityid"), one(fields, "RelayState"))
                elif method == "POST" and path == "/sso/login":
                    pending = idp.pending.pop(one(fields, "request") or "", None)
                    if pending is None:
                        raise BadRequest("This sign-in has expired or was already used; start again at the service.")
                    user = idp.check_password(one(fields, "username") or "", one(fields, "password") or "")
                    if user is None:
                        log.info("wrong username or password for %r", one(fields, "username"))
                        key = idp.add_pending(pending)
                        return reply("200 OK", login_page(key, "Incorrect username or password."))
                    session = secrets.token_urlsafe(24)
                    idp.sessions[session] = user["username"]
                    cookie = "%s=%s; Path=/; HttpOnly; SameSite=Lax" % (SESSION_COOKIE, session)
                    log.info("%s signed in for %s", user["username"], pending["sp"])
                    return reply("200 OK", post_page(pending["acs"], idp.response(pending, user), pending["relay_state"]),
                                 [("Set-Cookie", cookie)])
                else:
                    return reply("404 Not Found", page("Not found", ""))

                username = idp.sessions.get(session) if session else None
                if username in idp.settings.users and not pending["force_authn"]:
                    user = idp.settings.users[username]
                    return reply("200 OK", post_page(pending["acs"], idp.response(pending, user), pending["relay_state"]))
                return reply("200 OK", login_page(idp.add_pending(pending)))
        except BadRequest as error:
            log.warning("refused: %s", error)
            return reply("400 Bad Request", page("Bad request", "<p>%s</p>" % html.escape(str(error))))
        except Exception as error:  # shown in the log and to the browser, as a real IdP's error page would
            log.exception("failed")
            return reply("500 Internal Server Error", page("Error", "<p>%s</p>" % html.escape(repr(error))))

    return app


class ClosingServerHandler(simple_server.ServerHandler):
    """wsgiref answers HTTP/1.0 and closes the connection after each response without saying so.
    Clients that keep HTTP/1.0 connections open (.NET's SocketsHttpHandler does) would then send
    their next request into a closed socket; "Connection: close" makes them open a new one."""

    def cleanup_headers(self):
        super().cleanup_headers()
        self.headers["Connection"] = "close"


# WSGIRequestHandler.handle() builds simple_server.ServerHandler by name.
simple_server.ServerHandler = ClosingServerHandler


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class LoggingHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        log.info("%s %s", self.address_string(), format % args)


def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("saml2").setLevel(logging.WARNING)
    settings = Settings(sys.argv[1])
    idp = IdentityProvider(settings)
    idp.server()
    httpd = make_server("127.0.0.1", settings.port, application(idp),
                        server_class=ThreadingWSGIServer, handler_class=LoggingHandler)
    log.info("listening on %s", settings.base_url)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
