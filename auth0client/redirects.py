"""Where the browser may be sent, and what the outside world calls us (proto, host, client IP).

`X-Forwarded-*` (and ORIGINAL_PROTOCOL_HEADER) count only when the peer is in TRUSTED_PROXIES
(RFC 9700 §4.13, oauth2-proxy CVE-2025-64484 / CVE-2026-76835); otherwise the request's own
scheme and its ALLOWED_HOSTS-checked Host are used.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.utils.http import url_has_allowed_host_and_scheme

from auth0client.errors import ForeignOriginError

FALLBACK_PATH = "/"
MAX_REDIRECT_LENGTH = 2048
_DECODE_ROUNDS = 3


def _has_control_or_backslash(value: str) -> bool:
    return "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)


def safe_redirect_path(raw: str | None) -> str:
    """A same-site relative path (its query kept), or "/" for anything else (issue 5 item 8).

    Refused: absolute and scheme-relative URLs (`https://evil`, `//evil`, `/\\evil`), schemes
    (`javascript:`), control characters anywhere (browsers drop tabs and newlines, so `/\\t/evil`
    becomes `//evil`), and any of those hidden behind percent-encoding (`/%2F%2Fevil`, `%5C`).
    """
    if not raw or len(raw) > MAX_REDIRECT_LENGTH or not raw.startswith("/"):
        return FALLBACK_PATH
    candidate = raw
    for _ in range(_DECODE_ROUNDS):
        if candidate.startswith("//") or _has_control_or_backslash(candidate):
            return FALLBACK_PATH
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        return FALLBACK_PATH  # still encoded after several rounds: nobody needs that
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return FALLBACK_PATH
    if not url_has_allowed_host_and_scheme(raw, allowed_hosts=None):
        return FALLBACK_PATH
    return raw


def _peer_is_trusted(request: HttpRequest) -> bool:
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in settings.TRUSTED_PROXIES)


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def external_scheme(request: HttpRequest) -> str:
    if _peer_is_trusted(request):
        forwarded = _first(request.headers.get(settings.LOGIN.original_protocol_header)).lower()
        if forwarded in ("http", "https"):
            return forwarded
    return request.scheme or "http"


def external_host(request: HttpRequest) -> str:
    if _peer_is_trusted(request):
        forwarded = _first(request.headers.get("X-Forwarded-Host")).lower()
        domain, _ = split_domain_port(forwarded)
        if domain and validate_host(domain, settings.ALLOWED_HOSTS):
            return forwarded
    return request.get_host()


def external_origin(request: HttpRequest) -> str:
    """`<proto>://<host>` as the browser sees us (used for logout's returnTo)."""
    return f"{external_scheme(request)}://{external_host(request)}"


def is_https(request: HttpRequest) -> bool:
    return external_scheme(request) == "https"


def client_ip(request: HttpRequest) -> str:
    """The caller's address: X-Forwarded-For walked right to left over trusted proxies only."""
    address: str = request.META.get("REMOTE_ADDR", "")
    if not _peer_is_trusted(request):
        return address
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        try:
            ip = ipaddress.ip_address(hop)
        except ValueError:
            return address
        if not any(ip in network for network in settings.TRUSTED_PROXIES):
            return str(ip)
    return address


def refuse_foreign_origin(request: HttpRequest) -> None:
    """A state-changing browser request from another site is refused (CSRF, login CSRF)."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        raise ForeignOriginError("Cross-site request refused.")
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.lower() != external_origin(request).lower():
        raise ForeignOriginError("Cross-origin request refused.")
    if origin == "null":
        raise ForeignOriginError("Cross-origin request refused.")
