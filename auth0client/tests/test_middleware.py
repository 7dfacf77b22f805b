"""SessionCookieMiddleware on every route of the product: cross-site writes refused, no CORS."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from authgw.errors import error_body

pytestmark = pytest.mark.django_db

FOREIGN = "https://evil.example.com"
UNSAFE_METHODS = ("post", "put", "patch", "delete")
_CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")
_SAMPLES = {"int": "1", "objectid": "5f1a2b3c4d5e6f7a8b9c0d1e", "path": "1", "uuid": "0" * 32}


def _concrete(route: str) -> str:
    return _CONVERTER.sub(lambda match: _SAMPLES.get(match.group(1) or "str", "x"), route)


def _routes(patterns=None, prefix: str = ""):
    """One concrete path per route of the URLconf (regex routes are covered by their prefix)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
            yield "/" + _concrete(prefix + str(pattern.pattern))


# Plus a route that does not exist and paths that only normalise to a route (the acl routes on
# the normal form: `/auth/../users` is `/users`, not the forward-auth endpoint).
ROUTES = [
    *sorted(set(_routes()) - {"/auth"}),
    "/no/such/route",
    "/users/me/../../users",
    "/auth/../users",
    "//auth/../users",
]


def test_the_route_list_covers_the_products_state_changing_endpoints():
    assert {"/oauth/token", "/refreshtoken", "/users", "/backoffice/login/"} <= set(ROUTES)


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("method", UNSAFE_METHODS)
def test_cookie_authenticated_write_from_a_foreign_origin_is_refused_on_every_route(
    client, tenant, path, method
):
    client.cookies["sid"] = "A" * 43

    answer = getattr(client, method)(path, HTTP_ORIGIN=FOREIGN, HTTP_ACCEPT="application/json")

    assert answer.status_code == HTTPStatus.FORBIDDEN, (path, answer.content[:200])
    assert answer.json() == error_body(403, "Cross-origin request refused.")
    assert answer["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": "null"}, id="opaque-origin"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, id="sec-fetch-site"),
        pytest.param({"HTTP_ORIGIN": "http://testserver.evil.com"}, id="lookalike-host"),
        pytest.param({"HTTP_ORIGIN": "https://testserver"}, id="other-scheme"),
        pytest.param({"HTTP_ORIGIN": "http://sub.testserver"}, id="same-site-subdomain"),
    ],
)
def test_every_kind_of_foreign_origin_is_refused(client, tenant, headers):
    client.cookies["sid"] = "A" * 43

    answer = client.post("/users", **headers)

    assert answer.status_code == HTTPStatus.FORBIDDEN


def test_same_origin_and_origin_less_writes_pass_the_check(client, code_flow, provider):
    code_flow()
    provider.post("https://tenant.example.com/oauth/token", status=503)

    same_origin = client.post("/refreshtoken", HTTP_ORIGIN="http://testserver")
    no_origin = client.post("/refreshtoken")

    # The refresh itself fails (the provider is down) but the request was let through.
    assert same_origin.status_code == HTTPStatus.OK
    assert no_origin.status_code == HTTPStatus.OK


def test_bearer_authenticated_writes_are_not_cross_site_requests(client, tenant):
    client.cookies["sid"] = "A" * 43

    answer = client.post("/users", HTTP_ORIGIN=FOREIGN, HTTP_AUTHORIZATION="Bearer not.a.jwt")

    # Judged on the token (unknown: the acl asks to sign in), not on the origin.
    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert answer.json() != error_body(403, "Cross-origin request refused.")


def test_safe_methods_and_forward_auth_are_not_refused_for_their_origin(client, tenant):
    client.cookies["sid"] = "A" * 43

    page = client.get("/web-login", HTTP_ORIGIN=FOREIGN)
    decision = client.post("/auth", HTTP_ORIGIN=FOREIGN)

    assert page.status_code == HTTPStatus.OK
    assert decision.json() != error_body(403, "Cross-origin request refused.")


@pytest.mark.parametrize("path", ROUTES)
def test_cors_never_grants_credentials_to_a_foreign_origin(client, tenant, path):
    client.cookies["sid"] = "A" * 43
    answers = [
        client.options(
            path,
            HTTP_ORIGIN=FOREIGN,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,authorization",
        ),
        client.get(path, HTTP_ORIGIN=FOREIGN),
        client.post(path, HTTP_ORIGIN=FOREIGN),
    ]

    for answer in answers:
        allowed_origin = answer.get("Access-Control-Allow-Origin")
        credentials = answer.get("Access-Control-Allow-Credentials", "").lower() == "true"
        assert not (credentials and allowed_origin in (FOREIGN, "*", "null")), (path, answer)
        assert allowed_origin in (None, "http://testserver"), (path, allowed_origin)


def test_a_dead_session_cookie_is_cleared_on_any_route_the_acl_resolves(
    client, code_flow, settings
):
    from dataclasses import replace

    settings.ACL = replace(settings.ACL, user_resolver="auth0client.resolvers.SessionUserResolver")
    client.cookies["sid"] = "A" * 43  # well formed, names no session

    answer = client.get("/some/page", HTTP_ACCEPT="text/html")

    assert answer.status_code == HTTPStatus.FOUND
    assert answer.cookies["sid"].value == ""
    assert answer.cookies["sid"]["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"
