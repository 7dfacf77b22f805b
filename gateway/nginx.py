"""`manage.py gateway nginx-conf`: the same routes as nginx configuration, for scale-out.

Included inside nginx's `http {}`: keep-alive `upstream {}` blocks and one `server {}`. authgw's
own routes go to authgw; every endpoint asks authgw's /auth first (`auth_request`), gets the
identity headers from its answer (`auth_request_set`) and never the client's copies; a browser
that must sign in is sent to /web-login. nginx matches locations on the normalised path and, as
every endpoint's proxy_pass names a URI, sends the upstream that normalised path, as in-process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from acl.config import AclSettings
from acl.headers import MIA_RESPONSE_HEADERS
from auth0client.web import BINDING_COOKIE, SESSION_COOKIE
from gateway.routes import OWN_ROUTES, Endpoint, Routes

KEEPALIVE = 32
AUTH_LOCATION = "/_authgw_auth"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class NginxOptions:
    authgw: str  # authgw's URL as nginx reaches it, e.g. http://127.0.0.1:8080
    listen: str  # e.g. 0.0.0.0:80
    acl: AclSettings
    service_prefix: str = ""
    session_cookies: tuple[str, ...] = (SESSION_COOKIE, "sessionid", BINDING_COOKIE)


def render(routes: Routes, options: NginxOptions) -> str:
    names = _upstream_names(routes)
    parts = [
        f"# Rendered by `manage.py gateway nginx-conf` from {routes.file or 'no routes file'}.",
        "# Include inside nginx's http {}; re-render when the routes file changes.",
        "",
        _upstream_block("authgw", _host_port(options.authgw)),
        *(_upstream_block(name, _host_port(origin)) for origin, name in names.items()),
        *_cookie_maps(options.session_cookies),
        "server {",
        f"    listen {options.listen};",
        "",
        _indent(_auth_location(options)),
        _indent(_own_routes(options)),
        *(_indent(_endpoint(e, names[e.upstream], options)) for e in routes.endpoints),
        _indent(_error_locations(options)).rstrip("\n"),
        "}",
    ]
    return "\n".join(parts) + "\n"


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines()) + "\n"


def _upstream_names(routes: Routes) -> dict[str, str]:
    names: dict[str, str] = {}
    for endpoint in routes.endpoints:
        if endpoint.upstream not in names:
            slug = _NAME_CHARS.sub("_", urlsplit(endpoint.upstream).netloc).strip("_")
            names[endpoint.upstream] = f"gw{len(names) + 1}_{slug}"
    return names


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{host}:{port}"


def _upstream_block(name: str, server: str) -> str:
    return f"upstream {name} {{\n    server {server};\n    keepalive {KEEPALIVE};\n}}\n"


def _cookie_maps(cookies: tuple[str, ...]) -> list[str]:
    """$gw_cookie: the Cookie header without authgw's session cookies (one occurrence each)."""
    maps, source = [], "$http_cookie"
    for index, name in enumerate(cookies):
        target = "$gw_cookie" if index == len(cookies) - 1 else f"$gw_cookie_{index}"
        pattern = f'"~^(?<gwa>.*?)(?:^|; *){re.escape(name)}=[^;]*(?<gwb>.*)$"'
        maps.append(
            f"map {source} {target} {{\n    default {source};\n    {pattern} $gwa$gwb;\n}}\n"
        )
        source = target
    return maps


def _prefix(options: NginxOptions) -> str:
    return f"/{options.service_prefix}" if options.service_prefix else ""


_KEEPALIVE_PROXY = 'proxy_http_version 1.1;\nproxy_set_header Connection "";\n'
_FORWARDED = (
    "proxy_set_header X-Forwarded-For $remote_addr;\n"
    "proxy_set_header X-Forwarded-Host $http_host;\n"
    "proxy_set_header X-Forwarded-Proto $scheme;\n"
    "proxy_set_header X-Request-Id $request_id;\n"
)


def _auth_location(options: NginxOptions) -> str:
    acl = options.acl
    return (
        "# The decision: authgw answers 200, 401 or 403 with mia-* headers (never a redirect).\n"
        f"location = {AUTH_LOCATION} {{\n"
        "    internal;\n"
        f"    proxy_pass http://authgw{_prefix(options)}/auth;\n"
        "    # authgw checks Host against DJANGO_ALLOWED_HOSTS: add the public host name there.\n"
        "    proxy_set_header Host $http_host;\n"
        + _body(_KEEPALIVE_PROXY + _FORWARDED)
        + "    proxy_pass_request_body off;\n"
        '    proxy_set_header Content-Length "";\n'
        "    proxy_set_header Original-Request-Uri $request_uri;\n"
        "    proxy_set_header Original-Request-Method $request_method;\n"
        + _body(_cleared(("X-Original-URI", "X-Original-Method", "X-Forwarded-Uri")))
        + "    # This server is the frontend: clientType comes from the API key, never a header.\n"
        + _body(_cleared((acl.backoffice_header_key, acl.client_type_header_key)))
        + "    proxy_no_cache 1;\n    proxy_cache_bypass 1;\n}\n"
    )


def _body(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def _cleared(names: tuple[str, ...]) -> str:
    return "".join(f'proxy_set_header {name} "";\n' for name in names)


def _own_routes(options: NginxOptions) -> str:
    # The routes are plain [a-z/-] strings: no regex metacharacter to escape.
    alternatives = "|".join(route.lstrip("/") for route in OWN_ROUTES if route != "/-")
    prefix = re.escape(options.service_prefix) + "/" if options.service_prefix else ""
    return (
        "# authgw's own routes: always authgw (a regex location wins over every prefix one).\n"
        f"location ~ ^/({prefix}({alternatives})|-)(/|$) {{\n"
        "    proxy_pass http://authgw;\n"
        "    proxy_set_header Host $http_host;\n"
        + _body(_KEEPALIVE_PROXY + _FORWARDED)
        + "    # This server is the frontend: /auth must not take these from a client.\n"
        + _body(_cleared((options.acl.backoffice_header_key, options.acl.client_type_header_key)))
        + "}\n"
    )


def _endpoint(endpoint: Endpoint, upstream: str, options: NginxOptions) -> str:
    base = endpoint.base_path
    target = f"{urlsplit(endpoint.upstream).scheme}://{upstream}{endpoint.upstream_path}"
    rewrite = endpoint.rewrite_base_path.rstrip("/")
    if base == "/":
        return _endpoint_location("/", f"{target}{rewrite}/", endpoint, options)
    exact = _endpoint_location(f"= {base}", f"{target}{rewrite or '/'}", endpoint, options)
    return exact + _endpoint_location(f"{base}/", f"{target}{rewrite}/", endpoint, options)


def _endpoint_location(
    location: str, proxy_pass: str, endpoint: Endpoint, options: NginxOptions
) -> str:
    return (
        f"location {location} {{\n"
        f"    auth_request {AUTH_LOCATION};\n"
        + _body(_identity(options.acl))
        + f"    proxy_pass {proxy_pass};\n"
        f"    proxy_set_header Host {_host_port_header(endpoint.upstream)};\n"
        + _body(_KEEPALIVE_PROXY + _FORWARDED)
        + _body(_credentials(endpoint))
        + _body(_tls(endpoint))
        + f"    proxy_connect_timeout {_seconds(endpoint.timeout_s)};\n"
        f"    proxy_read_timeout {_seconds(endpoint.timeout_s)};\n"
        f"    proxy_send_timeout {_seconds(endpoint.timeout_s)};\n"
        f"    client_max_body_size {max(endpoint.max_body_bytes, 1)};\n"
        "    error_page 401 = @authgw_login;\n"
        "    error_page 403 = @authgw_forbidden;\n"
        "    error_page 502 = @authgw_bad_gateway;\n"
        "    error_page 504 = @authgw_timeout;\n"
        "}\n"
    )


def _identity(acl: AclSettings) -> str:
    """Identity headers from the decision; the client's copies cleared (nginx already drops
    header names with `_`). clientType and isbackoffice are not in /auth's answer: cleared."""
    taken = (
        (acl.userid_header_key, "mia_userid"),
        (acl.groups_header_key, "mia_groups"),
        (acl.user_properties_header_key, "mia_userproperties"),
    )
    lines = [f"auth_request_set $gw_{var} $upstream_http_{var};\n" for _, var in taken]
    lines += [f"proxy_set_header {name} $gw_{var};\n" for name, var in taken]
    cleared = (acl.client_type_header_key, acl.backoffice_header_key, *MIA_RESPONSE_HEADERS)
    return "".join(lines) + _cleared(cleared)


def _credentials(endpoint: Endpoint) -> str:
    if endpoint.pass_authorization:
        return ""
    return 'proxy_set_header Authorization "";\nproxy_set_header Cookie $gw_cookie;\n'


def _tls(endpoint: Endpoint) -> str:
    parts = urlsplit(endpoint.upstream)
    if parts.scheme != "https":
        return ""
    return f"proxy_ssl_server_name on;\nproxy_ssl_name {parts.hostname};\n"


def _host_port_header(upstream: str) -> str:
    return urlsplit(upstream).netloc


def _seconds(value: float) -> str:
    milliseconds = max(1, round(value * 1000))
    return f"{milliseconds}ms"


def _error_locations(options: NginxOptions) -> str:
    login = f"{_prefix(options)}/web-login"
    return (
        "# Browsers go to the login page; API callers get authgw's JSON error shape.\n"
        "location @authgw_login {\n"
        '    if ($http_accept ~* "text/html") {\n'
        f"        return 302 {login}?redirect=$request_uri;\n"
        "    }\n"
        + _json_error(401, "Unauthorized", "Sign in and try again.")
        + "}\n"
        "location @authgw_forbidden {\n"
        + _json_error(403, "Forbidden", "You are not allowed to do this.")
        + "}\n"
        "location @authgw_bad_gateway {\n"
        + _json_error(502, "Bad Gateway", "The service behind this route cannot be reached.")
        + "}\n"
        "location @authgw_timeout {\n"
        + _json_error(504, "Gateway Timeout", "The service behind this route timed out.")
        + "}\n"
    )


def _json_error(status: int, error: str, message: str) -> str:
    body = f'{{"statusCode":{status},"error":"{error}","message":"{message}"}}'
    return f"    default_type application/json;\n    return {status} '{body}';\n"
