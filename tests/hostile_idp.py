"""A hostile OpenID provider for tests: real sockets, joserfc keys, answers a test can set.

It speaks just enough OIDC for the product's code flow (discovery, /authorize, /oauth/token,
/.well-known/jwks.json, /userinfo, /oauth/revoke) and records every request it receives, so a
test can both feed the product deliberately wrong ID tokens and JWKS and prove what the product
did *not* do (fetch a `jku` URL, refetch the JWKS, call the token endpoint twice).

    with HostileIdP() as idp:
        idp.make_id_token = lambda nonce: idp.sign(idp.id_claims(nonce=nonce), alg="none")
        idp.jwks_answer = (503, b"down", {})
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey
from joserfc.util import urlsafe_b64encode

CLIENT_ID = "hostile-client"
CLIENT_SECRET = "hostile-client-secret"
AUDIENCE = "https://api.hostile.test/"
NAMESPACE = "https://authgw.example.com/"
USER_ID = "auth0|victim"

Answer = tuple[int, dict[str, Any]]


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def _segment(value: dict[str, Any]) -> str:
    return urlsafe_b64encode(json.dumps(value).encode()).decode()


@dataclass(frozen=True)
class Seen:
    """One request the provider received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class _Grant:
    nonce: str | None
    code_challenge: str | None


@dataclass
class HostileIdP:
    """The provider. Every knob may be changed while it runs; `None` means "behave normally"."""

    keys: list[RSAKey] = field(default_factory=lambda: [new_key("hostile-1")])
    user_id: str = USER_ID  # the `sub` of every token and /userinfo answer
    # Token endpoint: `make_id_token(nonce)` replaces the ID token; `token_hook(form)` may
    # answer instead of the normal grant (status, JSON body); `token_delay_s` slows it down.
    make_id_token: Callable[[str | None], str] | None = None
    token_hook: Callable[[dict[str, str]], Answer | None] | None = None
    token_delay_s: float = 0.0
    refresh_gives_id_token: bool = True
    # JWKS: (status, raw body, headers) replaces the real key set; `jwks_delay_s` slows it down.
    jwks_answer: tuple[int, bytes, dict[str, str]] | None = None
    jwks_delay_s: float = 0.0
    userinfo_answer: dict[str, Any] | None = None
    # /authorize: parameters sent back instead of a code (e.g. an `error` with a description).
    authorize_answer: dict[str, str] | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, _Grant] = {}
        self._used_refresh_tokens: set[str] = set()
        self._counter = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> HostileIdP:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what the provider saw ------------------------------------------------------------

    def calls(self, path: str, *, grant_type: str | None = None) -> list[Seen]:
        with self._lock:
            return [
                seen
                for seen in self.seen
                if seen.path == path
                and (grant_type is None or seen.form.get("grant_type") == grant_type)
            ]

    def forget_calls(self) -> None:
        with self._lock:
            self.seen.clear()

    # --- keys and tokens ------------------------------------------------------------------

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[-1]

    def rotate(self, kid: str) -> RSAKey:
        """Publishes a new key (the old ones stay) and signs with it from now on."""
        key = new_key(kid)
        self.keys.append(key)
        return key

    def public_jwks(self, *keys: RSAKey) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in keys or self.keys]}

    def id_claims(self, **overrides: Any) -> dict[str, Any]:
        """Good ID token claims; an override of None removes that claim."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": self.user_id,
            "iat": now,
            "exp": now + 3600,
            "email": "victim@example.com",
            "name": "Victim",
            f"{NAMESPACE}app_metadata": {"groups": ["admin"]},
        }
        return {key: value for key, value in (claims | overrides).items() if value is not None}

    def access_claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": [AUDIENCE, f"{self.issuer}userinfo"],
            "sub": self.user_id,
            "azp": CLIENT_ID,
            "iat": now,
            "exp": now + 3600,
            "scope": "openid profile email offline_access",
            "permissions": ["read:orders"],
        }
        return {key: value for key, value in (claims | overrides).items() if value is not None}

    def sign(self, claims: dict[str, Any], *, key: RSAKey | None = None, **header: Any) -> str:
        """RS256 with `key` (default: the current signing key); header overrides, None drops."""
        key = key or self.signing_key
        protected = {"alg": "RS256", "kid": key.kid} | header
        protected = {name: value for name, value in protected.items() if value is not None}
        return jwt.encode(protected, claims, key, algorithms=["RS256"])

    @staticmethod
    def forge_unsigned(claims: dict[str, Any]) -> str:
        return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."

    def forge_hs256_with_public_key(self, claims: dict[str, Any]) -> str:
        """Key confusion (Authlib CVE-2024-37568): HMAC keyed with the RSA public key's PEM."""
        key = self.signing_key
        signing_input = f"{_segment({'alg': 'HS256', 'kid': key.kid})}.{_segment(claims)}"
        signature = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{urlsafe_b64encode(signature.digest()).decode()}"

    # --- endpoints ------------------------------------------------------------------------

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def discovery(self) -> Answer:
        return 200, {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}authorize",
            "token_endpoint": f"{self.issuer}oauth/token",
            "userinfo_endpoint": f"{self.issuer}userinfo",
            "jwks_uri": f"{self.issuer}.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Signs the caller in at once: a code for the redirect_uri, the nonce remembered."""
        if self.authorize_answer is not None:
            answer = self.authorize_answer | {"state": query["state"]}
            return f"{query['redirect_uri']}?{urlencode(answer)}"
        code = f"code-{next(self._counter)}"
        with self._lock:
            self._grants[code] = _Grant(query.get("nonce"), query.get("code_challenge"))
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> Answer:
        if self.token_delay_s:
            time.sleep(self.token_delay_s)
        if self.token_hook is not None:
            hooked = self.token_hook(form)
            if hooked is not None:
                return hooked
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._grants.pop(form.get("code", ""), None)
            if grant is None:
                return 403, {"error": "invalid_grant", "error_description": "Invalid code."}
            return 200, self.token_set(nonce=grant.nonce)
        if grant_type == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        return 403, {"error": "unsupported_grant_type"}

    def _refresh(self, refresh_token: str) -> Answer:
        with self._lock:
            reused = refresh_token in self._used_refresh_tokens
            self._used_refresh_tokens.add(refresh_token)
        if reused or not refresh_token.startswith("rt-"):
            # Rotation with reuse detection, as Auth0 does outside the reuse interval.
            return 403, {"error": "invalid_grant", "error_description": "Unknown or reused token."}
        answer = self.token_set(nonce=None)
        if not self.refresh_gives_id_token:
            answer.pop("id_token")
        return 200, answer

    def token_set(self, *, nonce: str | None) -> dict[str, Any]:
        later = int(time.time()) + next(self._counter)  # every answer differs from the last
        id_token = (
            self.make_id_token(nonce)
            if self.make_id_token is not None
            else self.sign(self.id_claims(nonce=nonce, iat=later - 1))
        )
        return {
            "access_token": self.sign(self.access_claims(iat=later - 1, exp=later + 3600)),
            "id_token": id_token,
            "refresh_token": f"rt-{next(self._counter)}",
            "token_type": "Bearer",
            "expires_in": 3600,
        }

    def jwks(self) -> tuple[int, bytes, dict[str, str]]:
        if self.jwks_delay_s:
            time.sleep(self.jwks_delay_s)
        if self.jwks_answer is not None:
            return self.jwks_answer
        body = json.dumps(self.public_jwks()).encode()
        return 200, body, {"Content-Type": "application/json"}

    def userinfo(self) -> Answer:
        if self.userinfo_answer is not None:
            return 200, self.userinfo_answer
        return 200, {"sub": self.user_id, "email": "victim@example.com", "name": "Victim"}


def _handler_for(idp: HostileIdP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _seen(self) -> Seen:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            form = {key: values[0] for key, values in parse_qs(body).items()}
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            seen = Seen(self.command, parts.path, query, form, headers)
            idp._record(seen)
            return seen

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, answer: Answer) -> None:
            status, document = answer
            self._send(status, json.dumps(document).encode(), {"Content-Type": "application/json"})

        def _not_found(self, seen: Seen) -> None:
            self._json((404, {"error": "not_found"}))

        def do_GET(self) -> None:
            routes: dict[str, Callable[[Seen], None]] = {
                "/.well-known/openid-configuration": lambda seen: self._json(idp.discovery()),
                "/.well-known/jwks.json": lambda seen: self._send(*idp.jwks()),
                "/authorize": lambda seen: self._send(
                    302, b"", {"Location": idp.authorize(seen.query)}
                ),
                "/userinfo": lambda seen: self._json(idp.userinfo()),
            }
            seen = self._seen()
            routes.get(seen.path, self._not_found)(seen)

        def do_POST(self) -> None:
            routes: dict[str, Callable[[Seen], None]] = {
                "/oauth/token": lambda seen: self._json(idp.token(seen.form)),
                "/oauth/revoke": lambda seen: self._send(200, b"", {}),
            }
            seen = self._seen()
            routes.get(seen.path, self._not_found)(seen)

    return Handler
