"""One path normaliser for every decision, so a rule is judged on the path that is served.

Peers were bypassed when the rule saw one string and the upstream served another (Pomerium
CVE-2021-39206, Oathkeeper GHSA-p224-6x5r-fjpm, heimdall CVE-2026-42274). Like nginx, the path is
percent-decoded once, repeated slashes are merged and `.`/`..` segments resolved (never above the
root); in addition `\\` counts as `/` (IIS) and `;params` are dropped from segments (Tomcat).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?]*")
_STILL_ENCODED = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)


def normalise_path(path: str, *, decode: bool) -> str:
    """The normal form of a request path (no query string).

    `decode=True` for a raw URI (forward-auth headers); `decode=False` for a path a WSGI server
    has already decoded once (`request.path_info`), so it is never decoded twice.
    """
    if not path.startswith("/"):
        path = "/" + path
    if _is_normal(path, decode=decode):
        return path
    if decode:
        path = unquote(path)
    return _resolve_segments(path.replace("\\", "/").split("/"))


def is_ambiguous(path: str) -> bool:
    """A normalised path that still holds an encoded `.`, `/` or `\\` was encoded twice: an
    upstream that decodes again would serve another path (heimdall CVE-2026-42274). No rule
    matches it."""
    return "%" in path and _STILL_ENCODED.search(path) is not None


def _is_normal(path: str, *, decode: bool) -> bool:
    # Plain `in` tests: this runs on every request, and a regex search costs several times more.
    return not (
        "//" in path
        or "/." in path
        or "\\" in path
        or ";" in path
        or (decode and "%" in path)
    )


def _resolve_segments(raw_segments: list[str]) -> str:
    segments: list[str] = []
    trailing = False
    for raw in raw_segments:
        segment = raw.split(";", 1)[0]
        trailing = segment in ("", ".", "..")
        if segment == "..":
            if segments:
                segments.pop()
        elif not trailing:
            segments.append(segment)
    if not segments:
        return "/"
    return "/" + "/".join(segments) + ("/" if trailing else "")


def split_uri(uri: str) -> tuple[str, str]:
    """Split an origin-form or absolute URI into (raw path, query); a fragment is dropped."""
    uri = uri.split("#", 1)[0]
    absolute = _ABSOLUTE_URI.match(uri)
    if absolute is not None:
        uri = uri[absolute.end() :]
    path, _, query = uri.partition("?")
    return path or "/", query
