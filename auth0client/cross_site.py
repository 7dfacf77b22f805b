"""Did another site make the browser send this request? (Fetch Metadata, Origin, Referer.)

Used where a GET changes state for compatibility (`/logout`, `/backoffice/logout/`): a request that
a foreign page caused (`<img src>`, a link, a redirect) is answered with a confirmation page
instead of acting at once. "Foreign" means another scheme, host or port than ours as the browser
sees us (`external_origin`, which honours `X-Forwarded-*` only from trusted proxies).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest

from auth0client.redirects import external_origin

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _normal_origin(url: str) -> str | None:
    """`scheme://host[:port]`, lower-cased, the scheme's default port dropped; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    shown_port = "" if port is None or str(port) == _DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{shown_port}"


def _is_foreign(url: str, ours: str | None) -> bool:
    # "null" (sandboxed frames, opaque origins) and anything unparsable count as foreign.
    return ours is None or _normal_origin(url) != ours


def cross_site_signal(request: HttpRequest) -> str | None:
    """Which header says this request came from another site, or None when none does.

    `Sec-Fetch-Site: cross-site` is decisive; `same-origin`, `same-site` and `none` (typed URL,
    bookmark) are not signals by themselves, but a foreign `Origin` or `Referer` still is (a
    sibling port on the same host is same-site yet another origin).
    """
    if request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site":
        return "sec-fetch-site"
    ours = _normal_origin(external_origin(request))
    origin = request.headers.get("Origin")
    if origin and _is_foreign(origin, ours):
        return "origin"
    referer = request.headers.get("Referer")
    if referer and _is_foreign(referer, ours):
        return "referer"
    return None
