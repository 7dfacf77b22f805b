"""GATEWAY_ROUTES_FILE: validated against routes.schema.json, compiled into a base-path table.

A base path `/orders` covers `/orders` and everything under `/orders/` (never `/orders-x`); the
longest base path wins. Matching runs on the path the acl decided on (normalised by
`acl.paths.normalise_path`), so the request forwarded is the request that was judged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, ValidationError

from acl.errors import PolicyError
from acl.paths import normalise_path
from acl.policy import parse_json, raise_first_schema_error

SCHEMA_FILE = Path(__file__).with_name("routes.schema.json")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
# authgw's own routes (relative to SERVICE_PREFIX, like auth.json's keys): always served by authgw.
# A base path equal to one of them, or under one, would hide authgw's route or never be reached.
OWN_ROUTES = (
    "/-",
    "/auth",
    "/web-login",
    "/authorize",
    "/oauth/token",
    "/userinfo",
    "/logout",
    "/refreshtoken",
    "/users",
    "/ums-configurations",
    "/backoffice",
    "/hooks",
    "/api/schema",
    "/static",
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    base_path: str
    upstream: str  # scheme://host[:port], no path
    upstream_path: str  # the upstream URL's own path prefix, without a trailing slash
    rewrite_base_path: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    pass_authorization: bool = False

    def upstream_path_for(self, path: str) -> str:
        """The path the upstream gets: the base path replaced by rewriteBasePath."""
        rest = path if self.base_path == "/" else path[len(self.base_path) :]
        if rest and not rest.startswith("/"):
            rest = "/" + rest
        return (self.upstream_path + self.rewrite_base_path.rstrip("/") + rest) or "/"


@dataclass(frozen=True)
class Routes:
    file: str
    digest: str
    endpoints: tuple[Endpoint, ...]
    by_base_path: Mapping[str, Endpoint]

    def match(self, path: str) -> Endpoint | None:
        """The endpoint with the longest base path covering `path` (a normalised path)."""
        table = self.by_base_path
        if not table:
            return None
        candidate = path.rstrip("/") or "/"
        while True:
            endpoint = table.get(candidate)
            if endpoint is not None:
                return endpoint
            if candidate == "/":
                return None
            candidate = candidate[: candidate.rfind("/")] or "/"


NO_ROUTES = Routes(file="", digest="", endpoints=(), by_base_path={})


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def load_routes(path: Path) -> Routes:
    """Read, validate and compile a routes file; raises PolicyError(file, JSON path, reason)."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(file, "$", f"cannot read the file ({exc.strerror})") from None
    return build_routes(parse_json(raw, file), file=file, digest=hashlib.sha256(raw).hexdigest())


def build_routes(data: Any, *, file: str, digest: str = "") -> Routes:
    _validate(data, file)
    table: dict[str, Endpoint] = {}
    for index, block in enumerate(data["endpoints"]):
        endpoint = _endpoint(block, file, f"$.endpoints[{index}]")
        other = table.get(endpoint.base_path)
        if other is not None:
            reason = f"basePath {endpoint.base_path!r} is already another endpoint's"
            raise PolicyError(file, f"$.endpoints[{index}].basePath", reason)
        table[endpoint.base_path] = endpoint
    return Routes(file, digest, tuple(table.values()), table)


def _validate(data: Any, file: str) -> None:
    raise_first_schema_error(_validator(), data, file, _schema_reason)


def _schema_reason(error: ValidationError) -> str:
    field = error.absolute_path[-1] if error.absolute_path else None
    if error.validator == "pattern" and field in ("basePath", "rewriteBasePath"):
        return f"{error.instance!r}: expected a path like /orders (no trailing slash, query or %)"
    if error.validator == "pattern" and field == "upstream":
        return f"{error.instance!r}: expected http:// or https:// and a host, no query or fragment"
    return str(error.message)


def _endpoint(block: Mapping[str, Any], file: str, where: str) -> Endpoint:
    base_path = _normal_path(block["basePath"], file, f"{where}.basePath")
    shadowed = _shadowed_route(base_path)
    if shadowed is not None:
        reason = (
            f"basePath {base_path!r} would shadow authgw's own route {shadowed!r}; "
            "authgw's routes always win: choose another base path"
        )
        raise PolicyError(file, f"{where}.basePath", reason)
    rewrite = block.get("rewriteBasePath", base_path)
    rewrite = _normal_path(rewrite, file, f"{where}.rewriteBasePath")
    origin, upstream_path = _upstream(block["upstream"], file, f"{where}.upstream")
    return Endpoint(
        base_path=base_path,
        upstream=origin,
        upstream_path=upstream_path,
        rewrite_base_path=rewrite,
        timeout_s=float(block.get("timeoutSeconds", DEFAULT_TIMEOUT_S)),
        max_body_bytes=int(block.get("maxBodyBytes", DEFAULT_MAX_BODY_BYTES)),
        pass_authorization=bool(block.get("passAuthorization", False)),
    )


def _normal_path(path: str, file: str, where: str) -> str:
    if normalise_path(path, decode=True) != path:
        raise PolicyError(file, where, f"{path!r} is not a normalised path (no '.' or '..')")
    return path


def _shadowed_route(base_path: str) -> str | None:
    folded = base_path.lower()
    for own in OWN_ROUTES:
        if folded == own or folded.startswith(own + "/"):
            return own
    return None


def _upstream(url: str, file: str, where: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise PolicyError(file, where, f"{url!r}: {exc}") from None
    if parts.username is not None or parts.password is not None:
        raise PolicyError(file, where, f"{url!r}: credentials do not belong in the URL")
    if not parts.hostname:
        raise PolicyError(file, where, f"{url!r}: no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme}://{netloc}", parts.path.rstrip("/")
