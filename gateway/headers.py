"""What the upstream is told, and what of its answer the client gets (the issue's header rules).

To the upstream: the client's headers minus the hop-by-hop ones (RFC 9110 §7.6.1), minus every
identity header in any spelling (`miauserid`, `MiaUser_Id`, `client_type`, `mia-allowed`, ...):
those are set from the acl's decision only; minus authgw's session cookies and Authorization
unless the endpoint passes them; Host is the upstream's and X-Forwarded-*/X-Request-Id are ours.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from http.cookies import Morsel

from django.conf import settings
from django.http import HttpRequest

from acl.config import AclSettings
from acl.headers import MIA_RESPONSE_HEADERS
from acl.services import upstream_headers_for
from auth0client.redirects import external_host, external_scheme
from auth0client.web import BINDING_COOKIE, SESSION_COOKIE
from authgw.request_context import with_request_id
from gateway.routes import Endpoint

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"}
)
# Set by the gateway itself (or by urllib3: Host, and the body's framing).
GATEWAY_SET = frozenset(
    {
        "host",
        "content-length",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-request-id",
    }
)
_META_PLAIN = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def squash(name: str) -> str:
    """A header name without case, `-` or `_`: `MiaUser_Id` and `miauserid` are one claim."""
    return name.lower().replace("-", "").replace("_", "")


@lru_cache(maxsize=8)
def identity_names(config: AclSettings) -> frozenset[str]:
    names = (
        config.userid_header_key,
        config.groups_header_key,
        config.user_properties_header_key,
        config.client_type_header_key,
        config.backoffice_header_key,
        *MIA_RESPONSE_HEADERS,
    )
    return frozenset(squash(name) for name in names)


def is_hop_by_hop(name: str, named_by_connection: frozenset[str]) -> bool:
    return name in HOP_BY_HOP or name.startswith("proxy-") or name in named_by_connection


def connection_tokens(value: str | None) -> frozenset[str]:
    """The headers a Connection header names: hop-by-hop too (RFC 9110 §7.6.1)."""
    return frozenset(token.strip().lower() for token in (value or "").split(",") if token.strip())


def session_cookie_names() -> frozenset[str]:
    """authgw's own credentials as cookies: `sid`, Django's session (the back office) and the
    sign-in binding (an upstream that could set it could bind a browser to its own login)."""
    return frozenset({SESSION_COOKIE, settings.SESSION_COOKIE_NAME, BINDING_COOKIE})


def client_headers(meta: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """The request's headers from the WSGI environ, as lower-case names."""
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in _META_PLAIN:
            name = _META_PLAIN[key]
        else:
            continue
        if isinstance(value, str) and value:
            yield name, value


def without_cookies(cookie_header: str, names: frozenset[str]) -> str:
    kept = [part for part in cookie_header.split(";") if part.split("=", 1)[0].strip() not in names]
    return ";".join(kept).strip()


def upstream_request_headers(
    request: HttpRequest, endpoint: Endpoint, *, content_length: int | None
) -> dict[str, str]:
    meta = request.META
    dropped = identity_names(settings.ACL)
    named = connection_tokens(meta.get("HTTP_CONNECTION"))
    headers: dict[str, str] = {}
    for name, value in client_headers(meta):
        if is_hop_by_hop(name, named) or name in GATEWAY_SET or squash(name) in dropped:
            continue
        if name == "authorization" and not endpoint.pass_authorization:
            continue
        if name == "cookie" and not endpoint.pass_authorization:
            value = without_cookies(value, session_cookie_names())
            if not value:
                continue
        headers[name] = value
    if content_length is not None:
        headers["content-length"] = str(content_length)
    headers["x-forwarded-for"] = _forwarded_for(request)
    headers["x-forwarded-proto"] = external_scheme(request)
    headers["x-forwarded-host"] = external_host(request)
    headers.update(upstream_headers_for(request))  # from the decision, never from the client
    return with_request_id(headers)


def peer_is_trusted(request: HttpRequest) -> bool:
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in settings.TRUSTED_PROXIES)


def _forwarded_for(request: HttpRequest) -> str:
    """Appended to only when a TRUSTED_PROXIES peer sent it; a client's own copy is replaced."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    earlier = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).strip()
    if earlier and peer_is_trusted(request):
        return f"{earlier}, {peer}"
    return peer


class RawSetCookie(Morsel[str]):
    """An upstream's Set-Cookie line passed through byte for byte (Django re-renders Morsels)."""

    def __init__(self, raw: str) -> None:
        super().__init__()
        name, _, value = raw.split(";", 1)[0].partition("=")
        # Set directly: Morsel.set() refuses names Python's cookie module does not like.
        self._key, self._value, self._coded_value = name.strip(), value.strip(), value.strip()
        self.raw = raw

    def output(self, attrs: object = None, header: str = "Set-Cookie:") -> str:
        return f"{header} {self.raw}" if header else self.raw

    def OutputString(self, attrs: object = None) -> str:  # noqa: N802 - Morsel's own name
        return self.raw


def upstream_response_headers(
    items: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], list[RawSetCookie]]:
    """The answer's headers for the client, and its Set-Cookie lines (one never sets `sid`)."""
    pairs = list(items)
    named = connection_tokens(", ".join(v for n, v in pairs if n.lower() == "connection"))
    headers: dict[str, tuple[str, list[str]]] = {}
    cookies: list[RawSetCookie] = []
    protected = session_cookie_names()
    for name, value in pairs:
        lower = name.lower()
        if is_hop_by_hop(lower, named):
            continue
        if lower == "set-cookie":
            cookie = RawSetCookie(value)
            if cookie.key not in protected:
                cookies.append(cookie)
            continue
        headers.setdefault(lower, (name, []))[1].append(value)
    return {name: ", ".join(values) for name, values in headers.values()}, cookies
