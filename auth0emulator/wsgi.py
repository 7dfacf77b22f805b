"""A small WSGI toolkit for the emulator: request, response, router (no Django in the server)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar, overload
from urllib.parse import parse_qsl

MAX_BODY_BYTES = 1_000_000
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
_T = TypeVar("_T")


class Headers(dict[str, str]):
    """Case-insensitive read access to request headers (keys stored title-cased)."""

    @overload
    def get(self, key: str, default: None = None, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str, /) -> str: ...
    @overload
    def get(self, key: str, default: _T, /) -> str | _T: ...
    def get(self, key: str, default: object = None, /) -> object:
        return super().get(key.title(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.title())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.title())


class Request:
    """The parts of a WSGI environ the emulator uses, parsed once."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        self.path: str = environ.get("PATH_INFO", "/") or "/"
        self.query_string: str = environ.get("QUERY_STRING", "")
        self.remote_addr: str = environ.get("REMOTE_ADDR", "")
        self.headers = Headers(_headers_of(environ))
        self.query_items: list[tuple[str, str]] = parse_qsl(self.query_string)
        self.query: dict[str, str] = dict(self.query_items)
        self.body: bytes = _read_body(environ)
        self.path_params: dict[str, str] = {}
        self.context: dict[str, Any] = {}

    @property
    def url(self) -> str:
        host = self.headers.get("Host") or self.environ.get("SERVER_NAME", "127.0.0.1")
        query = f"?{self.query_string}" if self.query_string else ""
        return f"http://{host}{self.path}{query}"

    @property
    def content_type(self) -> str:
        return str(self.headers.get("Content-Type", "")).split(";")[0].strip().lower()

    @property
    def is_loopback(self) -> bool:
        return self.remote_addr in LOOPBACK

    def cookie(self, name: str) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except CookieError:  # a malformed Cookie header means "no cookie"
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8") or "null")

    def form_items(self) -> list[tuple[str, str]]:
        """Body parameters: urlencoded, or a JSON object (Auth0 accepts both on /oauth/token)."""
        if self.content_type == "application/json":
            try:
                data = self.json()
            except ValueError:
                return []
            if not isinstance(data, dict):
                return []
            return [(str(k), _scalar(v)) for k, v in data.items() if v is not None]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            return parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return []


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _headers_of(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").title(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = str(environ[key])
    return headers


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    return bytes(environ["wsgi.input"].read(min(length, MAX_BODY_BYTES)))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


def json_response(
    data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    base = [("Content-Type", "application/json; charset=utf-8")]
    return Response(status, body, base + [h for h in headers if h[0].lower() != "content-type"])


def html_response(html: str, status: int = 200) -> Response:
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        # The hosted pages load nothing from elsewhere; the CSP says so.
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *"),
        ("X-Frame-Options", "DENY"),
    ]
    return Response(status, html.encode("utf-8"), headers)


def redirect(location: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(HTTPStatus.FOUND, b"", [("Location", location), *headers])


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler
    family: str


class Router:
    """Maps (method, path) to a handler; `{name}` in a path captures one segment."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, methods: str, path: str, handler: Handler, family: str) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
        self.routes.append(
            Route(frozenset(methods.split()), re.compile(f"^{regex}$"), handler, family)
        )

    def match(self, request: Request) -> tuple[Route | None, bool]:
        """The route for this request, and whether the path exists under another method."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(request.path)
            if not found:
                continue
            path_known = True
            if request.method in route.methods or (
                request.method == "HEAD" and "GET" in route.methods
            ):
                request.path_params = dict(found.groupdict())
                return route, True
        return None, path_known


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
