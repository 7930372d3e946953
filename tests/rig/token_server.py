#!/usr/bin/python3
"""Token service for the rig's Bearer-token registry, shaped like Docker Hub's.

GET /token?service=S&scope=repository:NAME:pull,push[&scope=...]   (Basic credentials optional)
POST /token  (OAuth2 form: grant_type=password, username, password, service, scope)

Answers {"token", "access_token", "expires_in", "issued_at"}: an RS256 or ES256 JWT signed with
the rig's key; its "kid" is the libtrust key id of the certificate the registry trusts
(`auth.token.rootcertbundle`). Rules:
  - user/password correct: every requested action on every repository is granted;
  - wrong credentials: 401 (as Docker Hub does);
  - anonymous: `pull` on repositories under `public/` only; any other scope yields a token with
    empty access, so the registry then answers 401 (the client sees "unauthorized").
"""

import argparse
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

TOKEN_LIFETIME = 300


def libtrust_key_id(public_key):
    """libtrust's key id: base32 of the first 240 bits of sha256(DER SPKI), in 4-char groups."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode()
    return ":".join(digest[i:i + 4] for i in range(0, len(digest), 4))


class TokenService:
    def __init__(self, args):
        with open(args.key, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        with open(args.cert, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        self.kid = libtrust_key_id(cert.public_key())
        self.alg = "ES256" if isinstance(self.key, ec.EllipticCurvePrivateKey) else "RS256"
        self.issuer = args.issuer
        self.service = args.service
        self.user = args.user
        self.password = args.password
        self.log_lock = threading.Lock()
        self.requests = []  # (user or "", scopes, granted) for /_rig/log

    def check_credentials(self, user, password):
        return secrets.compare_digest(user, self.user) and secrets.compare_digest(
            password, self.password)

    def grant(self, user, scopes):
        """[{type, name, actions}] for the requested scope strings."""
        access = []
        for scope in scopes:
            # repository:NAME:ACTIONS where NAME may hold a registry port (not here) or ':'.
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            if user:
                allowed = [a for a in actions if a]
            elif kind == "repository" and name.startswith("public/"):
                allowed = [a for a in actions if a == "pull"]
            else:
                allowed = []
            access.append({"type": kind, "name": name, "actions": allowed})
        return access

    def issue(self, user, scopes):
        now = int(time.time())
        access = self.grant(user, scopes)
        claims = {
            "iss": self.issuer,
            "sub": user,
            "aud": self.service,
            "exp": now + TOKEN_LIFETIME,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        token = jwt.encode(claims, self.key, algorithm=self.alg, headers={"kid": self.kid})
        with self.log_lock:
            self.requests.append({"user": user, "scopes": scopes, "access": access})
            del self.requests[:-1000]
        return {
            "token": token,
            "access_token": token,
            "expires_in": TOKEN_LIFETIME,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    service = None  # TokenService

    def log_message(self, fmt, *args):
        sys.stderr.write("token_server: %s - %s\n" % (self.address_string(), fmt % args))

    def reply(self, status, body, extra_headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def unauthorized(self, why):
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
                   [("WWW-Authenticate", 'Basic realm="sandbox-rig-token"')])

    def basic_credentials(self):
        """(user, password) from an Authorization: Basic header, None if absent, False if bad."""
        header = self.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user, password

    def answer(self, query, form_credentials=None):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_rig/log":
            with self.service.log_lock:
                return self.reply(200, self.service.requests)
        if path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": path}]})
        service = query.get("service", [""])[0]
        if service and service != self.service.service:
            return self.reply(400, {"errors": [{"code": "DENIED",
                                                "message": "unknown service " + service}]})
        scopes = []
        for s in query.get("scope", []):
            scopes.extend(s.split(" "))
        credentials = form_credentials or self.basic_credentials()
        if credentials is False:
            return self.unauthorized("malformed Authorization header")
        user = ""
        if credentials:
            if not self.service.check_credentials(*credentials):
                return self.unauthorized("incorrect username or password")
            user = credentials[0]
        self.reply(200, self.service.issue(user, scopes))

    def do_GET(self):
        self.answer(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        grant = form.get("grant_type", [""])[0]
        if grant != "password":
            return self.reply(400, {"error": "unsupported_grant_type"})
        credentials = (form.get("username", [""])[0], form.get("password", [""])[0])
        self.answer(form, credentials)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:5003")
    parser.add_argument("--key", required=True, help="PEM private key (RSA or EC P-256)")
    parser.add_argument("--cert", required=True, help="PEM certificate of that key")
    parser.add_argument("--issuer", default="sandbox-rig-token-server")
    parser.add_argument("--service", default="sandbox-rig")
    parser.add_argument("--user", default="tester")
    parser.add_argument("--password", default="testpass")
    args = parser.parse_args()
    Handler.service = TokenService(args)
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
